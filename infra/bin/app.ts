import { App } from 'aws-cdk-lib';
import { MarketplaceStack, type Stage } from '../lib/marketplace-stack.ts';

/** `cdk synth` / `cdk deploy -c stage=prod`: one stack per stage. */
const app = new App();
const stage = (app.node.tryGetContext('stage') ?? 'dev') as Stage;
if (stage !== 'dev' && stage !== 'prod') throw new Error(`stage must be dev or prod, not ${stage}`);
new MarketplaceStack(app, `Placements-${stage}`, {
  stage,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-2' },
});
