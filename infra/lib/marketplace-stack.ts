import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, CorsHttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { marketplaceTable, type KeyAttribute } from '@placements/store/table';
import { ContextFunction } from './context-function.ts';
import { WebApp } from './web.ts';

export type Stage = 'dev' | 'prod';

export interface MarketplaceStackProps extends StackProps {
  stage: Stage;
}

const attr = (k: KeyAttribute) => ({ name: k.name, type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER });

/** The routes each bounded context's Lambda serves, and whether it may write the table. */
export const CONTEXTS: Record<string, { routes: [HttpMethod, string][]; writes: boolean }> = {
  platform: { routes: [[HttpMethod.GET, '/health'], [HttpMethod.GET, '/openapi.json']], writes: false },
  framework: {
    routes: [[HttpMethod.GET, '/bands'], [HttpMethod.GET, '/bands/{version}'], [HttpMethod.PUT, '/bands/{version}'], [HttpMethod.GET, '/las'], [HttpMethod.GET, '/las/{gssCode}']],
    writes: true,
  },
  partnership: { routes: [[HttpMethod.GET, '/partnerships'], [HttpMethod.GET, '/partnerships/{id}']], writes: false },
  capacity: {
    routes: [
      [HttpMethod.GET, '/settings'],
      [HttpMethod.GET, '/settings/{urn}'],
      [HttpMethod.PUT, '/settings/{urn}/listings/{listingId}'],
      [HttpMethod.POST, '/settings/{urn}/listings:bulk'],
    ],
    writes: true,
  },
  audit: { routes: [[HttpMethod.GET, '/audit']], writes: false },
  cases: {
    routes: [
      [HttpMethod.POST, '/cases'],
      [HttpMethod.GET, '/cases/{id}'],
      [HttpMethod.PUT, '/cases/{id}/preferences'],
      [HttpMethod.POST, '/cases/{id}/allocate'],
      [HttpMethod.GET, '/cases/{id}/tailored-list'],
      [HttpMethod.GET, '/cases'],
      [HttpMethod.GET, '/settings/{urn}/listings/{listingId}/waiting-list'],
    ],
    writes: true,
  },
  rounds: { routes: [[HttpMethod.POST, '/allocation-rounds'], [HttpMethod.GET, '/allocation-rounds/{id}']], writes: true },
  placements: {
    routes: [
      [HttpMethod.GET, '/placements/{id}'],
      [HttpMethod.GET, '/settings/{urn}/placements'],
      [HttpMethod.POST, '/placements/{id}/response'],
      [HttpMethod.POST, '/placements/{id}/naming'],
      [HttpMethod.POST, '/placements/{id}/admission'],
      [HttpMethod.POST, '/placements/{id}/directions'],
      [HttpMethod.POST, '/directions/{id}/appeal'],
      [HttpMethod.POST, '/directions/{id}/determination'],
    ],
    writes: true,
  },
  // Search reads; its one write is the search snapshot, allowed below and nowhere else.
  search: { routes: [[HttpMethod.GET, '/places/search'], [HttpMethod.GET, '/places/tailored-list']], writes: false },
  geography: { routes: [[HttpMethod.GET, '/districts/{district}']], writes: false },
};

export class MarketplaceStack extends Stack {
  readonly table: TableV2;
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: MarketplaceStackProps) {
    super(scope, id, props);
    const prod = props.stage === 'prod';
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

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
    });

    this.api = new HttpApi(this, 'Api', {
      description: `SEND placement marketplace API (${props.stage})`,
      corsPreflight: { allowOrigins: ['*'], allowMethods: [CorsHttpMethod.ANY], allowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'] },
    });

    for (const [context, { routes, writes }] of Object.entries(CONTEXTS)) {
      const { fn } = new ContextFunction(this, `${context[0]!.toUpperCase()}${context.slice(1)}`, {
        entry: context,
        environment: { TABLE_NAME: this.table.tableName, STAGE: props.stage },
        timeout: Duration.seconds(10),
        logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
        removalPolicy,
      });
      // Least privilege: contexts that only read get read-only access to the table.
      if (writes) this.table.grantReadWriteData(fn);
      else this.table.grantReadData(fn);
      if (context === 'search') {
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:PutItem'],
            resources: [this.table.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SNAPSHOT#*'] } },
          }),
        );
      }
      const integration = new HttpLambdaIntegration(`${context}Integration`, fn);
      for (const [method, path] of routes) this.api.addRoutes({ path, methods: [method], integration });
    }

    // The browser app (issue 8); pass `auth` (Cognito hosted sign-in) once the user pool exists.
    const web = new WebApp(this, 'Web', { apiUrl: this.api.apiEndpoint, removalPolicy });
    new CfnOutput(this, 'WebUrl', { value: web.url, description: 'The web app (CloudFront)' });
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the marketplace API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }
}
