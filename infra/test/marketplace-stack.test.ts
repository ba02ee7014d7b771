import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { marketplaceTable } from '@placements/store/table';
import { createTableInput } from '@placements/store';
import { CONTEXTS, MarketplaceStack, type Stage } from '../lib/marketplace-stack.ts';

/** Synthesised offline in seconds: bundling skipped, as the assertions are about the template. */
function synth(stage: Stage): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new MarketplaceStack(app, `Test-${stage}`, { stage }));
}

const dev = synth('dev');
const prod = synth('prod');

describe('the marketplace table', () => {
  it('has the keys and GSIs of the single table definition the local bootstrap also uses', () => {
    const local = createTableInput('placements');
    dev.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: local.KeySchema,
      AttributeDefinitions: Match.arrayEquals(local.AttributeDefinitions!),
      GlobalSecondaryIndexes: marketplaceTable.globalSecondaryIndexes.map((i) =>
        Match.objectLike({
          IndexName: i.indexName,
          KeySchema: [
            { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: i.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ),
    });
  });

  it('is on-demand, encrypted and point-in-time recoverable, and expires search snapshots', () => {
    dev.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TimeToLiveSpecification: { AttributeName: marketplaceTable.timeToLiveAttribute, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('is protected from deletion and retained in prod, disposable in dev', () => {
    prod.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }) });
    dev.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });
});

describe('the Lambdas', () => {
  it('run one function per bounded context on Node 22, ARM64, with bounded memory and time and tracing', () => {
    // CDK's own custom-resource handlers (the web app's deployment) are not context Lambdas.
    const fns = Object.fromEntries(Object.entries(dev.findResources('AWS::Lambda::Function')).filter(([id]) => !id.startsWith('Custom')));
    expect(Object.keys(fns)).toHaveLength(Object.keys(CONTEXTS).length);
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], MemorySize: 512, Timeout: 10, TracingConfig: { Mode: 'Active' } });
      expect(fn.Properties.Environment.Variables).toHaveProperty('TABLE_NAME');
    }
  });

  it('keep their logs for a month in dev and a year in prod', () => {
    dev.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    prod.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('grants write actions only to the contexts that write; the others may only read', () => {
    const policies = Object.values(dev.findResources('AWS::IAM::Policy'));
    const actionsOf = (context: string) => {
      const prefix = `${context[0]!.toUpperCase()}${context.slice(1)}Function`;
      const policy = policies.find((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith(prefix)));
      expect(policy, `a policy for ${context}`).toBeDefined();
      return policy!.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()) as string[];
    };
    for (const [context, { writes }] of Object.entries(CONTEXTS)) {
      const actions = actionsOf(context);
      expect(actions).toContain('dynamodb:Query');
      expect(actions).not.toContain('dynamodb:*');
      if (writes) expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:BatchWriteItem']));
      else for (const write of ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', ...(context === 'search' ? [] : ['dynamodb:PutItem'])]) expect(actions).not.toContain(write);
    }
  });

  it('lets search write only its result snapshots', () => {
    const policies = Object.values(dev.findResources('AWS::IAM::Policy'));
    const search = policies.find((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref.startsWith('SearchFunction')))!;
    const puts = search.Properties.PolicyDocument.Statement.filter((s: { Action: string | string[] }) => [s.Action].flat().includes('dynamodb:PutItem'));
    expect(puts).toHaveLength(1);
    expect(puts[0].Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SNAPSHOT#*'] } });
  });
});

describe('the HTTP API', () => {
  it('routes every path to its context Lambda', () => {
    const routes = Object.values(dev.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    for (const { routes: served } of Object.values(CONTEXTS)) for (const [method, path] of served) expect(routes).toContain(`${method} ${path}`);
    // The local-only token route is never deployed.
    expect(routes.some((r: string) => r.includes('/dev/token'))).toBe(false);
  });

  it('outputs the API URL', () => {
    dev.hasOutput('ApiUrl', {});
  });
});
