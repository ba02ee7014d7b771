import type { AppConfig } from './config.ts';

export type Role = 'national' | 'partnership' | 'la' | 'provider' | 'trust' | 'adjudicator';
export interface Principal {
  sub: string;
  role: Role;
  org: string;
}
export interface Session {
  token: string;
  principal: Principal;
  /** Who the person is, in words for the header. */
  label: string;
  expiresAt: string;
}

const KEY = 'placements.session';
const ROLES: Role[] = ['national', 'partnership', 'la', 'provider', 'trust', 'adjudicator'];

/** The token lives for this tab only: closing it signs out. */
export function readSession(now = Date.now()): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (raw === null) return undefined;
  const s = JSON.parse(raw) as Session;
  if (Date.parse(s.expiresAt) <= now) {
    sessionStorage.removeItem(KEY);
    return undefined;
  }
  return s;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

function base64UrlDecode(part: string): string {
  const b64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
}

/** Groups as Cognito sends them: an array, or a string "[a b]" / "a,b". */
function groups(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

/**
 * Role and organisation from a token's claims, read the way the API reads them (role or a Cognito
 * group; org or custom:org). Only for showing who is signed in: the API checks the signature.
 */
export function principalFromToken(token: string): Principal & { exp?: number } {
  const payload = JSON.parse(base64UrlDecode(token.split('.')[1] ?? '')) as Record<string, unknown>;
  const role = (
    typeof payload.role === 'string'
      ? payload.role
      : groups(payload['cognito:groups']).find((g) => (ROLES as string[]).includes(g))
  ) as Role | undefined;
  const org = (payload.org ?? payload['custom:org']) as string | undefined;
  if (role === undefined || !ROLES.includes(role) || typeof org !== 'string')
    throw new Error(
      'Your account has no role or organisation in the marketplace yet; ask your administrator to add you.',
    );
  return {
    sub: String(payload.sub ?? ''),
    role,
    org,
    ...(typeof payload.exp === 'number' ? { exp: payload.exp } : {}),
  };
}

const base64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const redirectUri = () => `${location.origin}${location.pathname}`;

/** Cognito hosted sign-in, authorisation code flow with PKCE: no secret in the browser. */
export async function startHostedSignIn(config: AppConfig): Promise<void> {
  const cognito = config.cognito!;
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64Url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem('placements.pkce', JSON.stringify({ verifier, state }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: cognito.clientId,
    redirect_uri: redirectUri(),
    scope: cognito.scopes.join(' '),
    state,
    code_challenge_method: 'S256',
    code_challenge: challenge,
  });
  location.assign(`${cognito.domain}/oauth2/authorize?${q}`);
}

/** Back from the hosted sign-in with ?code=…&state=…: swaps the code for tokens. */
export async function completeHostedSignIn(config: AppConfig): Promise<Session | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (code === null || config.cognito === undefined) return undefined;
  const saved = JSON.parse(sessionStorage.getItem('placements.pkce') ?? '{}') as { verifier?: string; state?: string };
  sessionStorage.removeItem('placements.pkce');
  history.replaceState(null, '', `${location.pathname}#/`);
  if (saved.verifier === undefined || saved.state !== params.get('state'))
    throw new Error('The sign-in could not be checked (it may have started in another tab). Please sign in again.');
  const res = await fetch(`${config.cognito.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.cognito.clientId,
      code,
      redirect_uri: redirectUri(),
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error('Signing in failed. Please try again.');
  const tokens = (await res.json()) as { access_token: string; id_token?: string; expires_in: number };
  // The API's authorizer reads the access token: the pool's pre token trigger puts the org, the
  // groups and the one role scope in it. The id token only gives a name to show.
  const { exp, ...principal } = principalFromToken(tokens.access_token);
  const email = tokens.id_token
    ? (JSON.parse(base64UrlDecode(tokens.id_token.split('.')[1] ?? '')) as { email?: string }).email
    : undefined;
  const session: Session = {
    token: tokens.access_token,
    principal,
    label: email ?? principal.sub,
    expiresAt: new Date((exp ?? Date.now() / 1000 + tokens.expires_in) * 1000).toISOString(),
  };
  saveSession(session);
  return session;
}

export function hostedSignOutUrl(config: AppConfig): string | undefined {
  if (config.cognito === undefined) return undefined;
  return `${config.cognito.domain}/logout?${new URLSearchParams({ client_id: config.cognito.clientId, logout_uri: redirectUri() })}`;
}
