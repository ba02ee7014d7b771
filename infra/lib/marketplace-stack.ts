import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  DomainName,
  SecurityPolicy,
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  type HttpRoute,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, StreamViewType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { marketplaceTable, type KeyAttribute } from '@placements/store/table';
import { MarketplaceAlarms } from './alarms.ts';
import { MarketplaceAuth, RESOURCE_SERVER, scopeOf } from './auth.ts';
import { NotificationEmail } from './notifications.ts';
import { ContextFunction, type ContextFunctionProps } from './context-function.ts';
import {
  CONTEXTS,
  DEFAULT_MEMORY_MB,
  DEFAULT_TIMEOUT_SECONDS,
  routeKey,
  SCHEDULES,
  STAGE_THROTTLE,
  STREAM_CONSUMERS,
  TABLE_ACTIONS,
  type ContextSpec,
  type ScheduleSpec,
  type StreamConsumerSpec,
  type TableAccess,
} from './contexts.ts';
import { acknowledge } from './nag.ts';
import type { DomainSettings } from './edge.ts';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';

export { CONTEXTS } from './contexts.ts';

export type Stage = 'dev' | 'prod';

interface StageConfig {
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Hosted sign-in may return here (the web UI's origins). */
  callbackUrls: string[];
  /** USER_PASSWORD_AUTH for operators' CLI tokens. */
  passwordAuth: boolean;
}

/** What differs between stages; everything else is the same code. */
export const STAGES: Record<Stage, StageConfig> = {
  dev: {
    logRetention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
    callbackUrls: ['http://localhost:3000/'],
    passwordAuth: true,
  },
  // Prod signs in only to the web UI's own origin, given at deploy time (-c webOrigin=...).
  prod: {
    logRetention: RetentionDays.ONE_YEAR,
    removalPolicy: RemovalPolicy.RETAIN,
    callbackUrls: [],
    passwordAuth: false,
  },
};

export interface MarketplaceStackProps extends StackProps {
  stage: Stage;
  /** The web UI's origins for sign-in callbacks, e.g. its CloudFront URL (`-c webOrigin=...`). */
  callbackUrls?: string[];
  /** Defaults to CONTEXTS, SCHEDULES and STREAM_CONSUMERS; tests pass their own. */
  contexts?: Record<string, ContextSpec>;
  schedules?: Record<string, ScheduleSpec>;
  streamConsumers?: Record<string, StreamConsumerSpec>;
  /** JSON of notification kind → GOV.UK Notify template id (`-c notifyTemplates=…`); see README. */
  notifyTemplates?: string;
  /**
   * The API's custom domain (regional ACM certificate), CloudFront's origin (see edge.ts). With
   * it the execute-api endpoint is disabled, so nothing reaches the API but through the domain.
   */
  apiDomain?: DomainSettings;
}

const attr = (k: KeyAttribute) => ({
  name: k.name,
  type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});
const pascal = (name: string) => name.replace(/(^|[-_])([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
const seconds = (s: number | undefined) => Duration.seconds(s ?? DEFAULT_TIMEOUT_SECONDS);

export class MarketplaceStack extends Stack {
  readonly table: TableV2;
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly auth: MarketplaceAuth;
  readonly alarms: MarketplaceAlarms;
  readonly functions: Record<string, ContextFunction> = {};
  private readonly config: StageConfig;
  private readonly stageName: Stage;

  constructor(scope: Construct, id: string, props: MarketplaceStackProps) {
    super(scope, id, props);
    this.stageName = props.stage;
    this.config = STAGES[props.stage];
    const prod = props.stage === 'prod';
    const { removalPolicy, logRetention } = this.config;
    const contexts = props.contexts ?? CONTEXTS;
    const streamConsumers = props.streamConsumers ?? STREAM_CONSUMERS;

    // The same definition the local bootstrap creates in DynamoDB Local.
    this.table = new TableV2(this, 'Table', {
      partitionKey: attr(marketplaceTable.partitionKey),
      sortKey: attr(marketplaceTable.sortKey),
      globalSecondaryIndexes: marketplaceTable.globalSecondaryIndexes.map((i) => ({
        indexName: i.indexName,
        partitionKey: attr(i.partitionKey),
        sortKey: attr(i.sortKey),
      })),
      timeToLiveAttribute: marketplaceTable.timeToLiveAttribute,
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: prod,
      removalPolicy,
      // Streamed only when something consumes the stream.
      ...(Object.keys(streamConsumers).length > 0 ? { dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES } : {}),
    });

    this.alarms = new MarketplaceAlarms(this, 'Alarms', { removalPolicy });
    this.alarms.forTable(this.table);

    const callbackUrls = props.callbackUrls ?? this.config.callbackUrls;
    if (callbackUrls.length === 0)
      throw new Error(
        `The ${props.stage} stage needs the web UI's origin for sign-in: cdk deploy -c stage=${props.stage} -c webOrigin=https://...`,
      );
    this.auth = new MarketplaceAuth(this, 'Auth', {
      stage: props.stage,
      removalPolicy,
      logRetention,
      callbackUrls,
      passwordAuth: this.config.passwordAuth,
    });
    this.alarms.forFunction('PreTokenGeneration', this.auth.preTokenGeneration.fn, Duration.seconds(5));

    this.api = new HttpApi(this, 'Api', {
      description: `SEND placement marketplace API (${props.stage})`,
      createDefaultStage: false,
      // Only the custom domain (CloudFront's origin) answers once there is one.
      disableExecuteApiEndpoint: props.apiDomain !== undefined,
      // Browsers may call the API only from the web UI's origin in prod; in dev from anywhere, as
      // developers do from localhost and tools (the tokens are bearer tokens, never cookies).
      corsPreflight: {
        allowOrigins: props.stage === 'prod' ? [...new Set(callbackUrls.map((u) => new URL(u).origin))] : ['*'],
        allowMethods: [CorsHttpMethod.ANY],
        allowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
        exposeHeaders: ['etag', 'retry-after'],
      },
    });
    this.apiStage = this.createStage(logRetention, removalPolicy);
    if (props.apiDomain) {
      const domainName = new DomainName(this, 'ApiDomain', {
        domainName: props.apiDomain.name,
        certificate: Certificate.fromCertificateArn(this, 'ApiCertificate', props.apiDomain.certificateArn),
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
      new ApiMapping(this, 'ApiMapping', { api: this.api, domainName, stage: this.apiStage });
    }
    const authorizer = new HttpUserPoolAuthorizer('Cognito', this.auth.userPool, {
      userPoolClients: [this.auth.client],
      authorizerName: 'cognito',
    });

    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const routes: HttpRoute[] = [];
    for (const [name, spec] of Object.entries(contexts)) {
      const fn = this.addFunction(name, {
        entry: name,
        description: `Routes of the ${name} context`,
        table: spec.table,
        memoryMb: spec.memoryMb,
        timeoutSeconds: spec.timeoutSeconds,
        reservedConcurrency: spec.reservedConcurrency,
        invokedBy: 'api',
      });
      if (spec.putOnlyUnder) this.grantPutUnder(fn.role, spec.putOnlyUnder);
      const integration = new HttpLambdaIntegration(`${pascal(name)}Integration`, fn.fn);
      for (const route of spec.routes) {
        const isPublic = route.roles === 'public';
        routes.push(
          ...this.api.addRoutes({
            path: route.path,
            methods: [HttpMethod[route.method]],
            integration,
            // Public reads have no authorizer; every other route needs a Cognito access token
            // carrying the scope of one of its roles.
            authorizer: isPublic ? new HttpNoneAuthorizer() : authorizer,
            ...(isPublic ? {} : { authorizationScopes: (route.roles as string[]).map((r) => scopeOf(r as never)) }),
          }),
        );
        if (isPublic) {
          acknowledge(
            routes.at(-1)!,
            'AwsSolutions-APIG4',
            'A public read by design (api.md: "anyone"): published framework, reference data, settings and listings, health and the OpenAPI document; it carries no tenant data and has no authorizer.',
          );
        }
        if (route.throttle)
          routeSettings[routeKey(route)] = {
            ThrottlingRateLimit: route.throttle.rate,
            ThrottlingBurstLimit: route.throttle.burst,
          };
      }
    }
    // Route settings name routes by key; the stage must be updated after they exist.
    (this.apiStage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    for (const route of routes) this.apiStage.node.addDependency(route);
    this.alarms.forApi(this.apiStage, 'POST /cases/{id}/allocate');
    this.alarms.forBusiness();
    this.alarms.dashboard(this.apiStage);

    for (const [name, spec] of Object.entries(props.schedules ?? SCHEDULES)) this.addScheduledFunction(name, spec);
    for (const [name, spec] of Object.entries(streamConsumers)) this.addStreamConsumer(name, spec);

    // The functions that tell people get the Notify key, the email dead-letter queue and the directory.
    const notifying = [...Object.entries(props.schedules ?? SCHEDULES), ...Object.entries(streamConsumers)]
      .filter(([, spec]) => spec.notifies)
      .map(([name]) => name);
    if (notifying.length > 0) {
      const email = new NotificationEmail(this, 'NotificationEmail', {
        alarms: this.alarms,
        userPool: this.auth.userPool,
        appUrl: new URL(callbackUrls[0]!).origin,
        templates: props.notifyTemplates ?? '{}',
        removalPolicy,
      });
      for (const name of notifying) email.grant(this.functions[name]!);
      new CfnOutput(this, 'NotifyApiKeySecretArn', {
        value: email.apiKey.secretArn,
        description: 'Put the GOV.UK Notify API key here (aws secretsmanager put-secret-value)',
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.apiStage.url, description: 'Base URL of the marketplace API' });
    new CfnOutput(this, 'UserPoolId', {
      value: this.auth.userPool.userPoolId,
      description: 'Cognito user pool: create users here, each in one role group with custom:org',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.auth.client.userPoolClientId,
      description: 'App client the API accepts access tokens from',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'Subscribe to receive alarms',
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }

  /** The $default stage: JSON access logs, default and per-route throttles, per-route metrics. */
  private createStage(logRetention: RetentionDays, removalPolicy: RemovalPolicy): HttpStage {
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy });
    this.alarms.forAuthRefusals(accessLogs);
    // Who called what and how it went; never a body or a token.
    const format = AccessLogFormat.custom(
      JSON.stringify({
        requestId: '$context.requestId',
        time: '$context.requestTime',
        ip: '$context.identity.sourceIp',
        route: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationMs: '$context.integrationLatency',
        responseBytes: '$context.responseLength',
        sub: '$context.authorizer.claims.sub',
        authorizerError: '$context.authorizer.error',
        integrationError: '$context.integrationErrorMessage',
      }),
    );
    return new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: STAGE_THROTTLE.rate, burstLimit: STAGE_THROTTLE.burst },
      detailedMetricsEnabled: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format },
    });
  }

  /** A function with the stage's defaults, its table grant and its alarms. */
  addFunction(
    name: string,
    spec: {
      entry: string;
      description: string;
      table: TableAccess;
      invokedBy: ContextFunctionProps['invokedBy'];
      memoryMb?: number | undefined;
      timeoutSeconds?: number | undefined;
      reservedConcurrency?: number | undefined;
      deadLetterQueue?: Queue;
    },
  ): ContextFunction {
    const timeout = seconds(spec.timeoutSeconds);
    const fn = new ContextFunction(this, pascal(name), {
      entry: spec.entry,
      description: spec.description,
      environment: {
        TABLE_NAME: this.table.tableName,
        STAGE: this.stageName,
        // The API's own check beside the authorizer: access tokens of this app client, with their role's scope.
        ...(spec.invokedBy === 'api' ? { COGNITO_CLIENT_IDS: this.auth.client.userPoolClientId, RESOURCE_SERVER } : {}),
      },
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      timeout,
      logRetention: this.config.logRetention,
      removalPolicy: this.config.removalPolicy,
      invokedBy: spec.invokedBy,
      ...(spec.reservedConcurrency ? { reservedConcurrency: spec.reservedConcurrency } : {}),
      ...(spec.deadLetterQueue ? { deadLetterQueue: spec.deadLetterQueue } : {}),
    });
    this.grantTable(fn.role, spec.table);
    this.alarms.forFunction(pascal(name), fn.fn, timeout);
    this.functions[name] = fn;
    return fn;
  }

  /**
   * Least privilege on the table: exactly the access level's actions, on the table, and Query on
   * the named indexes (no `index/*` wildcard). Never Scan, never BatchWriteItem.
   */
  private grantTable(grantee: IGrantable, access: TableAccess): void {
    const actions = TABLE_ACTIONS[access];
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [...actions], resources: [this.table.tableArn] }),
    );
    if (actions.includes('dynamodb:Query')) {
      const indexes = marketplaceTable.globalSecondaryIndexes.map((i) => `${this.table.tableArn}/index/${i.indexName}`);
      grantee.grantPrincipal.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['dynamodb:Query'], resources: indexes }),
      );
    }
  }

  /** PutItem only on items whose partition key starts with one of the prefixes. */
  private grantPutUnder(grantee: IGrantable, prefixes: string[]): void {
    this.grantUnder(grantee, 'dynamodb:PutItem', prefixes);
  }

  /** One action only on items whose partition key starts with one of the prefixes. */
  private grantUnder(grantee: IGrantable, action: string, prefixes: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [action],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}*`) } },
      }),
    );
  }

  /**
   * An encrypted, TLS-only queue for events that failed every retry, alarmed when not empty.
   * cdk-nag recognises a Lambda's DLQ as one (`recognised`), but not an event source mapping's.
   */
  private deadLetterQueue(name: string, recognised: boolean): Queue {
    const queue = new Queue(this, `${pascal(name)}DeadLetters`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const reason =
      'This queue is itself a dead-letter queue (failed events of a Lambda or its event source); giving it a dead-letter queue of its own would only move the same failed events again.';
    if (!recognised) acknowledge(queue, 'AwsSolutions-SQS3', reason);
    acknowledge(queue, 'Serverless-SQSRedrivePolicy', reason);
    this.alarms.forDeadLetterQueue(pascal(name), queue);
    return queue;
  }

  /**
   * A job on a timetable: EventBridge invokes the function asynchronously; a failed run is
   * retried twice, then kept in its dead-letter queue (alarmed).
   */
  addScheduledFunction(name: string, spec: ScheduleSpec): ContextFunction {
    const dlq = this.deadLetterQueue(name, true);
    const fn = this.addFunction(name, { ...spec, invokedBy: 'schedule', deadLetterQueue: dlq });
    fn.fn.configureAsyncInvoke({
      onFailure: new SqsDestination(dlq),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });
    new Rule(this, `${pascal(name)}Schedule`, {
      description: spec.description,
      schedule: Schedule.expression(spec.schedule),
      targets: [new LambdaFunction(fn.fn, { deadLetterQueue: dlq, retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
    return fn;
  }

  /**
   * A consumer of the table's stream: batches of changes, filtered by item type, a failing batch
   * split to find the bad record, records that keep failing sent to its dead-letter queue.
   */
  addStreamConsumer(name: string, spec: StreamConsumerSpec): ContextFunction {
    const dlq = this.deadLetterQueue(name, false);
    const fn = this.addFunction(name, { ...spec, invokedBy: 'stream' });
    if (spec.batchWriteUnder) this.grantUnder(fn.role, 'dynamodb:BatchWriteItem', spec.batchWriteUnder);
    fn.fn.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: spec.batchSize ?? 25,
        bisectBatchOnError: true,
        retryAttempts: 3,
        maxRecordAge: Duration.hours(6),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(dlq),
        ...(spec.itemTypes
          ? {
              filters: [
                FilterCriteria.filter({
                  dynamodb: {
                    NewImage: {
                      itemType: { S: FilterRule.or(...spec.itemTypes) },
                      ...(spec.states ? { state: { S: FilterRule.or(...spec.states) } } : {}),
                    },
                  },
                }),
              ],
            }
          : {}),
      }),
    );
    this.alarms.forStreamConsumer(pascal(name), fn.fn, spec.maxIteratorAgeSeconds ?? 300);
    return fn;
  }
}
