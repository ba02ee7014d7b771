/**
 * What the app reads from config.json at start. Locally the server answers it (mode local: dev
 * tokens, same-origin API); in AWS the CDK app writes it beside the app with the API URL and the
 * Cognito hosted sign-in settings.
 */
export interface AppConfig {
  mode: 'local' | 'aws';
  /** Base URL of the API; empty means the same origin as the app. */
  apiUrl: string;
  cognito?: {
    /** Hosted UI base URL, e.g. https://placements-dev.auth.eu-west-2.amazoncognito.com */
    domain: string;
    clientId: string;
    scopes: string[];
  };
}

export async function loadConfig(): Promise<AppConfig> {
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`The app's settings (config.json) could not be read: ${res.status}.`);
  const config = (await res.json()) as AppConfig;
  return { ...config, apiUrl: config.apiUrl.replace(/\/$/, '') };
}
