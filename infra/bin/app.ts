import { App, Validations } from 'aws-cdk-lib';
import { MarketplaceStack, type Stage } from '../lib/marketplace-stack.ts';
import { WebStack } from '../lib/web.ts';
import { nagPacks } from '../lib/nag.ts';

/**
 * `cdk synth` / `cdk deploy -c stage=prod`: one stack per stage. cdk-nag's AwsSolutions and
 * Serverless packs run on every synth; an unacknowledged finding fails it.
 */
const app = new App();
const stage = (app.node.tryGetContext('stage') ?? 'dev') as Stage;
if (stage !== 'dev' && stage !== 'prod') throw new Error(`stage must be dev or prod, not ${stage}`);
const webOrigin = app.node.tryGetContext('webOrigin') as string | undefined;
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-2' };
const marketplace = new MarketplaceStack(app, `Placements-${stage}`, {
  stage,
  ...(webOrigin ? { callbackUrls: [webOrigin.endsWith('/') ? webOrigin : `${webOrigin}/`] } : {}),
  // {"consultation_requested":"<Notify template id>", …, "digest":"<id>"}: README, "Notifications".
  ...(app.node.tryGetContext('notifyTemplates')
    ? { notifyTemplates: String(app.node.tryGetContext('notifyTemplates')) }
    : {}),
  env,
});
// The web app (S3 and CloudFront), reading the API URL and the hosted sign-in from the stack above.
new WebStack(app, `Placements-${stage}-web`, {
  env,
  apiUrl: marketplace.apiStage.url,
  auth: { domain: marketplace.auth.signInDomain.baseUrl(), clientId: marketplace.auth.client.userPoolClientId },
});
Validations.of(app).addPlugins(...nagPacks(app));
