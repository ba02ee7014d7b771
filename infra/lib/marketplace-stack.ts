import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, CorsHttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { marketplaceTable, type KeyAttribute } from '@placements/store/table';
import { ContextFunction } from './context-function.ts';

export type Stage = 'dev' | 'prod';

export interface MarketplaceStackProps extends StackProps {
  stage: Stage;
}

const attr = (k: KeyAttribute) => ({ name: k.name, type: k.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER });

/** Public read routes served by each bounded context's Lambda. */
export const ROUTES: Record<string, string[]> = {
  platform: ['/health', '/openapi.json'],
  framework: ['/bands', '/las', '/las/{gssCode}'],
  partnership: ['/partnerships', '/partnerships/{id}'],
  capacity: ['/settings', '/settings/{urn}'],
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

    for (const [context, paths] of Object.entries(ROUTES)) {
      const { fn } = new ContextFunction(this, `${context[0]!.toUpperCase()}${context.slice(1)}`, {
        entry: context,
        environment: { TABLE_NAME: this.table.tableName, STAGE: props.stage },
        timeout: Duration.seconds(10),
        logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
        removalPolicy,
      });
      // These routes only read published data.
      this.table.grantReadData(fn);
      const integration = new HttpLambdaIntegration(`${context}Integration`, fn);
      for (const path of paths) this.api.addRoutes({ path, methods: [HttpMethod.GET], integration });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'Base URL of the marketplace API' });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }
}
