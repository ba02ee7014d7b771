/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias in
 * infra/lib/context-function.ts). Lambda always hands a function its role's credentials in
 * environment variables, the first source the SDK's default chain reads; the rest of that chain
 * (SSO, INI profiles, web identity, ECS and EC2 metadata, and the STS/SSO clients behind them) can
 * never be reached there, yet it is a sixth of each bundle and a seventh of its cold start.
 * Local runs and tests use the real chain: only the bundles are aliased.
 */
interface LambdaCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export class MissingLambdaCredentialsError extends Error {
  override readonly name = 'CredentialsProviderError';
  constructor() {
    super(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this bundle reads credentials only from the environment Lambda provides for the function role.',
    );
  }
}

/** The same signature as the SDK's `defaultProvider`: a factory of an async credential provider. */
export const defaultProvider = (_init?: unknown) => async (): Promise<LambdaCredentials> => {
  const {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_SESSION_TOKEN: sessionToken,
  } = process.env;
  if (!accessKeyId || !secretAccessKey) throw new MissingLambdaCredentialsError();
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
};
