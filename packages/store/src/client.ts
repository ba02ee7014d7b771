import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface StoreConfig {
  tableName: string;
  region?: string;
  /** Set for DynamoDB Local; unset in AWS. */
  endpoint?: string;
  /**
   * Per-attempt timeout, so a hung store becomes a clear 503 rather than a hung request.
   * Defaults to 3 s in AWS and 10 s against DynamoDB Local, which is slower on a busy laptop.
   */
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

export function createDocumentClient(config: StoreConfig): DynamoDBDocumentClient {
  const local = config.endpoint !== undefined;
  const client = new DynamoDBClient({
    region: config.region ?? process.env.AWS_REGION ?? 'eu-west-2',
    ...(local
      ? {
          endpoint: config.endpoint,
          // DynamoDB Local accepts any credentials; fixed ones keep a developer's real keys out of it.
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    maxAttempts: config.maxAttempts ?? 3,
    // DynamoDB Local accepts connections slowly when hundreds open at once; AWS does not.
    requestHandler: {
      requestTimeout: config.requestTimeoutMs ?? (local ? 10_000 : 3_000),
      throwOnRequestTimeout: true,
      connectionTimeout: local ? 5_000 : 1_000,
    },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
