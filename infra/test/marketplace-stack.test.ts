import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ROLES } from '@placements/domain/roles';
import { marketplaceTable } from '@placements/store/table';
import { createTableInput } from '@placements/store';
import { ALLOCATION_LATENCY_P95_MS, API_LATENCY_P99_MS, AUTH_REFUSALS_PER_5_MIN } from '../lib/alarms.ts';
import { RESOURCE_SERVER, scopeOf } from '../lib/auth.ts';
import {
  ALLOCATION_THROTTLE,
  allRoutes,
  BULK_THROTTLE,
  CONTEXTS,
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  FEED_THROTTLE,
  SCHEDULES,
  STAGE_THROTTLE,
  STREAM_CONSUMERS,
  TABLE_ACTIONS,
} from '../lib/contexts.ts';
import { ROUND_ITEM_TYPES, STREAM_ITEM_TYPES } from '../../packages/api/src/stream/handlers.ts';
import {
  actionsOf,
  functionId,
  PROD_ORIGIN,
  SAMPLE_SCHEDULE,
  stackFor,
  statementsOf,
  templateFor,
  withHelpers,
} from './synth.ts';

const dev = templateFor('dev');
const prod = templateFor('prod');
const helpers = templateFor('dev', withHelpers);
const pascal = (s: string) => s[0]!.toUpperCase() + s.slice(1);

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
    for (const t of [dev, prod]) {
      t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        TimeToLiveSpecification: { AttributeName: marketplaceTable.timeToLiveAttribute, Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      });
    }
  });

  it('is protected from deletion and retained in prod, disposable in dev', () => {
    prod.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
    });
    dev.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });

  it('streams new and old images to its consumers (and only when there is one)', () => {
    for (const t of [dev, prod, helpers]) {
      t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      });
    }
    templateFor('dev', { streamConsumers: {} }).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      StreamSpecification: Match.absent(),
    });
  });
});

describe('the Lambdas', () => {
  it('run one function per bounded context and scheduled job, plus the Cognito trigger, on Node 22 and ARM64 with tracing', () => {
    const fns = dev.findResources('AWS::Lambda::Function');
    expect(Object.keys(fns)).toHaveLength(
      Object.keys(CONTEXTS).length + Object.keys(SCHEDULES).length + Object.keys(STREAM_CONSUMERS).length + 1,
    );
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('each have explicit memory and timeout, from the context spec or the defaults', () => {
    const fns = dev.findResources('AWS::Lambda::Function');
    for (const [name, spec] of Object.entries(CONTEXTS)) {
      const fn = fns[functionId(dev, pascal(name))]!;
      expect(fn.Properties, name).toMatchObject({
        MemorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
        Timeout: spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      });
      expect(fn.Properties.Environment.Variables).toHaveProperty('TABLE_NAME');
    }
    expect(fns[functionId(dev, 'AuthPreTokenGeneration')]!.Properties).toMatchObject({ MemorySize: 256, Timeout: 5 });
  });

  it('log to their own log group, kept a month in dev and a year in prod', () => {
    for (const fn of Object.values(dev.findResources('AWS::Lambda::Function')))
      expect(fn.Properties.LoggingConfig.LogGroup.Ref).toMatch(/Logs/);
    dev.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    prod.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('each have a role of their own with no managed policy (no AWSLambdaBasicExecutionRole)', () => {
    const roles = Object.values(dev.findResources('AWS::IAM::Role'));
    const lambdaRoles = roles.filter((r) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
    );
    expect(lambdaRoles).toHaveLength(
      Object.keys(CONTEXTS).length + Object.keys(SCHEDULES).length + Object.keys(STREAM_CONSUMERS).length + 1,
    );
    for (const role of lambdaRoles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('least privilege on the table', () => {
  const tableActions = (rolePrefix: string, t = dev) =>
    statementsOf(t, rolePrefix).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));

  it('grants each context exactly the actions of its access level, never Scan or BatchWriteItem', () => {
    for (const [name, spec] of Object.entries(CONTEXTS)) {
      const statements = tableActions(`${pascal(name)}Role`);
      const granted = new Set(actionsOf(statements.filter((s) => s.Condition === undefined)));
      expect([...granted].sort(), name).toEqual([...TABLE_ACTIONS[spec.table]].sort());
      for (const forbidden of ['dynamodb:Scan', 'dynamodb:BatchWriteItem', 'dynamodb:*'])
        expect(granted.has(forbidden), `${name} ${forbidden}`).toBe(false);
    }
  });

  it('keeps search read-only: its one write is PutItem under SNAPSHOT# keys', () => {
    const statements = tableActions('SearchRole');
    const writes = statements.filter((s) => actionsOf([s]).some((a) => /Put|Update|Delete/.test(a)));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      Action: 'dynamodb:PutItem',
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SNAPSHOT#*'] } },
    });
  });

  it('lets the stream consumer batch-write only queue entries (WAIT# keys), projected from cases', () => {
    const batch = tableActions('StreamRole').filter((s) => actionsOf([s]).includes('dynamodb:BatchWriteItem'));
    expect(batch).toHaveLength(1);
    expect(batch[0]).toMatchObject({
      Action: 'dynamodb:BatchWriteItem',
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WAIT#*'] } },
    });
    for (const other of ['RoundWorkerRole', 'NotificationsStreamRole'])
      expect(actionsOf(tableActions(other)), other).not.toContain('dynamodb:BatchWriteItem');
  });

  it('lets the platform function only describe the table (for /health)', () => {
    expect(actionsOf(tableActions('PlatformRole'))).toEqual(['dynamodb:DescribeTable']);
  });

  it('names every index it may query instead of index/*', () => {
    const queries = tableActions('CasesRole').filter((s) => actionsOf([s]).includes('dynamodb:Query'));
    const resources = JSON.stringify(queries.map((s) => s.Resource));
    for (const index of marketplaceTable.globalSecondaryIndexes)
      expect(resources).toContain(`/index/${index.indexName}`);
    expect(resources).not.toContain('index/*');
  });

  it('gives the Cognito trigger no table access at all', () => {
    expect(tableActions('AuthPreTokenGenerationRole')).toEqual([]);
  });

  it("writes logs only to each function's own log group", () => {
    for (const name of Object.keys(CONTEXTS)) {
      const logs = statementsOf(dev, `${pascal(name)}Role`).filter((s) =>
        actionsOf([s]).some((a) => a.startsWith('logs:')),
      );
      expect(logs, name).toEqual([
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${pascal(name)}Logs`)), 'Arn'] },
        },
      ]);
    }
  });
});

describe('the HTTP API', () => {
  const routes = Object.values(dev.findResources('AWS::ApiGatewayV2::Route'));
  const routeByKey = (key: string) => routes.find((r) => r.Properties.RouteKey === key)!;

  it('routes every path of every context, and never the local-only token route', () => {
    const keys = routes.map((r) => r.Properties.RouteKey as string);
    expect(keys.sort()).toEqual(
      allRoutes()
        .map((r) => r.key)
        .sort(),
    );
    expect(keys.some((r) => r.includes('/dev/token'))).toBe(false);
  });

  it('lets browsers call it only from the web UI’s origin in prod, from anywhere in dev', () => {
    prod.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: [new URL(PROD_ORIGIN).origin] }),
    });
    dev.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['*'], ExposeHeaders: ['etag', 'retry-after'] }),
    });
  });

  it('verifies Cognito access tokens with a JWT authorizer for the user pool and its client', () => {
    dev.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: Match.stringLikeRegexp('^AuthUsersWeb') }],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.amazonaws.com/',
              { Ref: Match.stringLikeRegexp('^AuthUsers') },
            ],
          ],
        },
      },
    });
  });

  it('requires the scopes of the allowed roles on every route but the public reads, which have no authorizer', () => {
    for (const route of allRoutes()) {
      const deployed = routeByKey(route.key).Properties;
      if (route.roles === 'public') {
        expect(deployed.AuthorizationType, route.key).toBe('NONE');
        expect(route.method, `${route.key} is public, so it must be a read`).toBe('GET');
      } else {
        expect(deployed, route.key).toMatchObject({
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: expect.stringMatching(/^ApiCognito/) },
        });
        expect(deployed.AuthorizationScopes, route.key).toEqual(route.roles.map((r) => `${RESOURCE_SERVER}/${r}`));
      }
    }
  });

  it('throttles every route by default, and allocation and bulk upload tighter', () => {
    dev.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: STAGE_THROTTLE.rate,
        ThrottlingBurstLimit: STAGE_THROTTLE.burst,
        DetailedMetricsEnabled: true,
      },
      RouteSettings: {
        'POST /cases/{id}/allocate': {
          ThrottlingRateLimit: ALLOCATION_THROTTLE.rate,
          ThrottlingBurstLimit: ALLOCATION_THROTTLE.burst,
        },
        'POST /settings/{urn}/listings:bulk': {
          ThrottlingRateLimit: BULK_THROTTLE.rate,
          ThrottlingBurstLimit: BULK_THROTTLE.burst,
        },
        'POST /cases:bulk': {
          ThrottlingRateLimit: BULK_THROTTLE.rate,
          ThrottlingBurstLimit: BULK_THROTTLE.burst,
        },
      },
    });
    expect(ALLOCATION_THROTTLE.rate).toBeLessThan(STAGE_THROTTLE.rate);
  });

  it('updates the stage after the routes its settings name exist', () => {
    const stage = Object.values(dev.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const routeIds = Object.keys(dev.findResources('AWS::ApiGatewayV2::Route'));
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('writes JSON access logs with the request id, route, status and latency, and no token', () => {
    const stage = Object.values(dev.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      route: '$context.routeKey',
      status: '$context.status',
      latencyMs: '$context.responseLatency',
    });
    expect(JSON.stringify(format)).not.toMatch(/header|authorization|body/i);
  });

  it('outputs the API URL, the user pool and its client', () => {
    for (const t of [dev, prod])
      for (const output of ['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'AlarmTopicArn']) t.hasOutput(output, {});
  });
});

describe('Cognito', () => {
  it('has admin-created users only, strong passwords and required TOTP MFA', () => {
    dev.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
  });

  it('has one group per role', () => {
    const groups = Object.values(dev.findResources('AWS::Cognito::UserPoolGroup')).map((g) => g.Properties.GroupName);
    expect(groups.sort()).toEqual([...ROLES].sort());
  });

  it('keeps the org in a string custom attribute that users can read but not change', () => {
    dev.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([
        {
          AttributeDataType: 'String',
          Mutable: true,
          Name: 'org',
          StringAttributeConstraints: { MinLength: '1', MaxLength: '64' },
        },
      ]),
    });
    const client = Object.values(dev.findResources('AWS::Cognito::UserPoolClient'))[0]!.Properties;
    expect(client.ReadAttributes).toContain('custom:org');
    expect(client.WriteAttributes).not.toContain('custom:org');
  });

  it('defines a scope per role, which the client cannot request: only the token trigger adds them', () => {
    dev.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: RESOURCE_SERVER,
      Scopes: ROLES.map((r) => ({ ScopeName: r, ScopeDescription: Match.anyValue() })),
    });
    const client = Object.values(dev.findResources('AWS::Cognito::UserPoolClient'))[0]!.Properties;
    for (const role of ROLES) expect(client.AllowedOAuthScopes).not.toContain(scopeOf(role));
    dev.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreTokenGenerationConfig: {
          LambdaVersion: 'V2_0',
          LambdaArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuthPreTokenGenerationFunction'), 'Arn'] },
        },
      },
    });
  });

  it('issues tokens to the pre token generation trigger with the resource server it scopes', () => {
    const fn = dev.findResources('AWS::Lambda::Function')[functionId(dev, 'AuthPreTokenGeneration')]!;
    expect(fn.Properties.Environment.Variables.RESOURCE_SERVER).toBe(RESOURCE_SERVER);
    dev.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'cognito-idp.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuthPreTokenGenerationFunction'), 'Arn'] },
    });
  });

  it('returns sign-ins only to the web UI in prod, which must be given', () => {
    const client = Object.values(prod.findResources('AWS::Cognito::UserPoolClient'))[0]!.Properties;
    expect(client.CallbackURLs).toEqual([PROD_ORIGIN]);
    expect(() => stackFor('prod', { callbackUrls: [] })).toThrow(/webOrigin/);
  });

  it('is on Plus with threat protection enforced, deletion-protected and retained in prod; allows CLI passwords in dev only', () => {
    prod.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        DeletionProtection: 'ACTIVE',
      }),
    });
    dev.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolTier: 'ESSENTIALS' });
    const flows = (t: typeof dev) =>
      Object.values(t.findResources('AWS::Cognito::UserPoolClient'))[0]!.Properties.ExplicitAuthFlows;
    expect(flows(dev)).toContain('ALLOW_USER_PASSWORD_AUTH');
    expect(flows(prod)).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    expect(flows(prod)).toContain('ALLOW_USER_SRP_AUTH');
  });
});

describe('alarms', () => {
  const alarms = Object.values(dev.findResources('AWS::CloudWatch::Alarm'));
  const named = (metric: string, dims: (d: { Name: string; Value: any }[]) => boolean) =>
    alarms.filter((a) => a.Properties.MetricName === metric && dims(a.Properties.Dimensions ?? []));

  it('alarm on errors, throttles and near-timeout duration of every function', () => {
    for (const id of Object.keys(dev.findResources('AWS::Lambda::Function'))) {
      const ofFn = (d: { Name: string; Value: any }[]) =>
        d.some((x) => x.Name === 'FunctionName' && x.Value.Ref === id);
      expect(named('Errors', ofFn), id).toHaveLength(1);
      expect(named('Throttles', ofFn), id).toHaveLength(1);
      const [duration] = named('Duration', ofFn);
      const timeout = dev.findResources('AWS::Lambda::Function')[id]!.Properties.Timeout;
      expect(duration!.Properties).toMatchObject({
        ExtendedStatistic: 'p99',
        Threshold: Math.round(timeout * 1000 * 0.8),
      });
    }
  });

  it('alarm on API 5xx and latency, with a tighter one for allocation', () => {
    expect(named('5xx', (d) => d.some((x) => x.Name === 'ApiId'))).toHaveLength(1);
    const latency = named('Latency', (d) => !d.some((x) => x.Name === 'Route'));
    expect(latency[0]!.Properties).toMatchObject({ ExtendedStatistic: 'p99', Threshold: API_LATENCY_P99_MS });
    const allocation = named('Latency', (d) =>
      d.some((x) => x.Name === 'Route' && x.Value === 'POST /cases/{id}/allocate'),
    );
    expect(allocation[0]!.Properties).toMatchObject({ ExtendedStatistic: 'p95', Threshold: ALLOCATION_LATENCY_P95_MS });
  });

  it('alarm on DynamoDB throttling and system errors', () => {
    const math = alarms.filter((a) => a.Properties.Metrics !== undefined).map((a) => a.Properties.AlarmDescription);
    expect(math).toEqual(
      expect.arrayContaining([expect.stringMatching(/throttled/), expect.stringMatching(/internal server errors/)]),
    );
  });

  it('alarm on a failed waiting-list offer, from the functions’ own metric', () => {
    const [failed] = alarms.filter((a) => a.Properties.MetricName === 'WaitingListOffersFailed');
    expect(failed!.Properties).toMatchObject({
      Namespace: 'Placements',
      Dimensions: [{ Name: 'service', Value: 'placements' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('put the business metrics and the API on one dashboard', () => {
    const dashboards = Object.values(dev.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const name of [
      'AllocationsPlaced',
      'Conflicts',
      'TransactionRetries',
      'WaitingListOffersMade',
      'WaitingListOffersFailed',
      'ConsultationsOverdue',
      'RoundDuration',
      'StreamLag',
    ])
      expect(body, name).toContain(name);
    expect(body).toContain('AWS/ApiGateway');
  });

  it('all notify the KMS-encrypted alarm topic when they fire and when they clear', () => {
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
      expect(a.Properties.TreatMissingData).toBe('notBreaching');
    }
    dev.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsTopicKey'), 'Arn'] },
    });
    dev.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('the scheduled-function helper (for the escalation job)', () => {
  const fnId = functionId(helpers, 'Nightly');

  it('runs the function on its schedule, retrying twice, with a dead-letter queue on the rule and the function', () => {
    helpers.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: SAMPLE_SCHEDULE.nightly!.schedule,
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NightlyDeadLetters'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        }),
      ],
    });
    helpers.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NightlyDeadLetters'), 'Arn'] } },
      },
    });
    expect(helpers.findResources('AWS::Lambda::Function')[fnId]!.Properties).toMatchObject({
      Timeout: 60,
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^NightlyDeadLetters/), 'Arn'] } },
    });
  });

  it('keeps failed events in an encrypted, TLS-only queue with an alarm', () => {
    helpers.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    helpers.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    helpers.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NightlyDeadLetters'), 'QueueName'] } },
      ],
    });
  });
});

describe('the escalation job', () => {
  it('runs hourly on an EventBridge schedule, with write access to the table and five minutes to finish', () => {
    const fnId = functionId(dev, 'Escalation');
    dev.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
    });
    expect(dev.findResources('AWS::Lambda::Function')[fnId]!.Properties).toMatchObject({
      Timeout: 300,
      Environment: { Variables: expect.objectContaining({ TABLE_NAME: expect.anything() }) },
    });
  });
});

describe('the stream-consumer helper', () => {
  it('reads the table stream in filtered batches, splitting failing batches and keeping records that fail', () => {
    helpers.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(helpers, 'Watcher') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Table'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WatcherDeadLetters'), 'Arn'] } },
      },
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify({ dynamodb: { NewImage: { itemType: { S: ['listing', 'placement'] } } } }) },
        ],
      },
    });
  });

  it('grants the consumer only its own table access level plus reading the stream', () => {
    const actions = actionsOf(statementsOf(helpers, 'WatcherRole'));
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream']),
    );
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'])
      expect(actions).not.toContain(write);
  });
});

describe('abuse resistance (issue 16)', () => {
  it('gives the public feed its own tight throttle', () => {
    dev.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: {
        'GET /partnerships/{id}/oruk/services': {
          ThrottlingRateLimit: FEED_THROTTLE.rate,
          ThrottlingBurstLimit: FEED_THROTTLE.burst,
        },
      },
    });
    expect(FEED_THROTTLE.rate).toBeLessThan(STAGE_THROTTLE.rate);
  });

  it('reserves (and caps) concurrency for allocation, rounds and the feed’s context', () => {
    for (const [name, spec] of Object.entries(CONTEXTS)) {
      const fn = dev.toJSON().Resources[functionId(dev, pascal(name))];
      expect(fn.Properties.ReservedConcurrentExecutions, name).toBe(spec.reservedConcurrency);
    }
    expect(CONTEXTS.cases!.reservedConcurrency).toBeGreaterThan(0);
    expect(CONTEXTS.partnership!.reservedConcurrency).toBeGreaterThan(0);
  });

  it('tells each API function which app client and scopes to accept', () => {
    const fn = dev.toJSON().Resources[functionId(dev, 'Cases')];
    expect(fn.Properties.Environment.Variables).toMatchObject({
      RESOURCE_SERVER,
      COGNITO_CLIENT_IDS: { Ref: expect.stringMatching(/^AuthUsers/) },
    });
  });

  it('alarms on a burst of 401 and 403 answers, counted from the access logs', () => {
    const filters = Object.values(dev.findResources('AWS::Logs::MetricFilter'));
    const refusals = filters.find((f: any) => f.Properties.MetricTransformations[0].MetricName === 'AuthRefusals')!;
    expect(refusals.Properties.FilterPattern).toMatch(/401/);
    expect(refusals.Properties.FilterPattern).toMatch(/403/);
    dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'AuthRefusals',
      Namespace: 'Placements',
      Threshold: AUTH_REFUSALS_PER_5_MIN,
    });
  });
});

describe('the table stream consumers (work that outlives a request)', () => {
  it('feed the derived-data consumer the item types its handlers read, in bounded, bisected, retried batches', () => {
    expect(STREAM_CONSUMERS.stream!.itemTypes).toEqual([...STREAM_ITEM_TYPES]);
    expect(STREAM_CONSUMERS['round-worker']!.itemTypes).toEqual([...ROUND_ITEM_TYPES]);
    dev.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(dev, 'Stream') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Table'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamDeadLetters'), 'Arn'] } },
      },
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ dynamodb: { NewImage: { itemType: { S: ['listing', 'case'] } } } }) }],
      },
    });
  });

  it('run allocation rounds one record at a time, only while queued or running, with a 15-minute timeout', () => {
    dev.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId(dev, 'RoundWorker') },
      BatchSize: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoundWorkerDeadLetters'), 'Arn'] } },
      },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              dynamodb: { NewImage: { itemType: { S: ['round'] }, state: { S: ['queued', 'running'] } } },
            }),
          },
        ],
      },
    });
    expect(dev.findResources('AWS::Lambda::Function')[functionId(dev, 'RoundWorker')]!.Properties).toMatchObject({
      Timeout: 900,
      MemorySize: 1024,
    });
  });

  it('alarm when a consumer falls behind (iterator age) or fails, and when records land in its on-failure queue', () => {
    for (const [name, max] of [
      ['Stream', 60],
      ['RoundWorker', 1800],
    ] as const) {
      dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IteratorAge',
        Namespace: 'AWS/Lambda',
        Statistic: 'Maximum',
        Threshold: max * 1000,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(dev, name) } }],
      });
      dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(dev, name) } }],
      });
      dev.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${name}DeadLetters`), 'QueueName'] } },
        ],
      });
    }
  });
});
