import { App, Validations } from 'aws-cdk-lib';
import { MarketplaceStack, type Stage } from '../lib/marketplace-stack.ts';
import { WebStack } from '../lib/web.ts';
import { ApiEdgeStack } from '../lib/edge.ts';
import { nagPacks } from '../lib/nag.ts';

/**
 * `cdk synth` / `cdk deploy -c stage=prod`: one stack per stage. cdk-nag's AwsSolutions and
 * Serverless packs run on every synth; an unacknowledged finding fails it. Exported so a test can
 * build it with a given context (infra/test/app.test.ts) and synthesise it as the CLI would.
 */
export const app = new App();
const stage = (app.node.tryGetContext('stage') ?? 'dev') as Stage;
if (stage !== 'dev' && stage !== 'prod') throw new Error(`stage must be dev or prod, not ${stage}`);
const webOrigin = app.node.tryGetContext('webOrigin') as string | undefined;
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-2' };
// The API's own custom domain (regional certificate) and its public name at CloudFront (certificate
// in us-east-1): -c apiDomain=origin.api.example -c apiCertificateArn=... -c edgeDomain=api.example
// -c edgeCertificateArn=... With them the API is reached only through CloudFront and WAF; prod needs them.
const ctx = (k: string) => app.node.tryGetContext(k) as string | undefined;
const [apiDomain, apiCertificateArn, edgeDomain, edgeCertificateArn] = [
  'apiDomain',
  'apiCertificateArn',
  'edgeDomain',
  'edgeCertificateArn',
].map(ctx);
const withEdge = apiDomain && apiCertificateArn && edgeDomain && edgeCertificateArn;
if (stage === 'prod' && !withEdge)
  throw new Error(
    'prod serves the API only through CloudFront and WAF: give -c apiDomain, -c apiCertificateArn, -c edgeDomain and -c edgeCertificateArn',
  );
const marketplace = new MarketplaceStack(app, `Placements-${stage}`, {
  stage,
  ...(withEdge ? { apiDomain: { name: apiDomain, certificateArn: apiCertificateArn } } : {}),
  ...(webOrigin ? { callbackUrls: [webOrigin.endsWith('/') ? webOrigin : `${webOrigin}/`] } : {}),
  // {"consultation_requested":"<Notify template id>", …, "digest":"<id>"}: README, "Notifications".
  ...(app.node.tryGetContext('notifyTemplates')
    ? { notifyTemplates: String(app.node.tryGetContext('notifyTemplates')) }
    : {}),
  env,
});
// WAF for CloudFront exists only in us-east-1: the edge is a stack there, given plain names.
const edge = withEdge
  ? new ApiEdgeStack(app, `Placements-${stage}-edge`, {
      env: { account: env.account, region: 'us-east-1' },
      originDomain: apiDomain,
      domain: { name: edgeDomain, certificateArn: edgeCertificateArn },
    })
  : undefined;
// The web app (S3 and CloudFront), reading the API URL and the hosted sign-in from the stack above.
new WebStack(app, `Placements-${stage}-web`, {
  env,
  apiUrl: edge ? edge.edge.url : marketplace.apiStage.url,
  auth: { domain: marketplace.auth.signInDomain.baseUrl(), clientId: marketplace.auth.client.userPoolClientId },
});
Validations.of(app).addPlugins(...nagPacks(app));
