import { DynamoDBClient, GetItemCommand, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marketplaceTable } from './table.ts';

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
  /**
   * Against DynamoDB Local, answer a transaction only once its COMMIT has run (see
   * awaitLocalCommits). On unless turned off, which only the check that shows why does.
   */
  awaitLocalCommits?: boolean;
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
  withoutSdkLogging(client);
  if (local && config.awaitLocalCommits !== false) awaitLocalCommits(client);
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/**
 * Takes the SDK's logger middleware off a client. With no logger given, the SDK logs to a no-op
 * logger, yet the middleware still copies every request and response through its sensitive-data
 * filter (`schemaLogFilter`, walking each item attribute by attribute) to hand it over: 8% of the
 * server's CPU under the reliability load, profiled (docs/benchmarks.md, "The SDK's logger"). Our
 * own logs (Powertools) say what each request did; the SDK's were never read.
 */
export function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/**
 * DynamoDB Local answers a TransactWriteItems before its COMMIT has run: its SQLite layer queues
 * the COMMIT on sqlite4java's single-threaded, first-in-first-out job queue and returns without
 * waiting for it (`SQLiteDBAccess.commitTransaction`, DynamoDB Local 3.3). Killed in that window, it
 * loses a transaction it has acknowledged (`npm run check:dynamodb-local-commits` shows it; AWS's
 * DynamoDB acknowledges a transaction only once it is durable). A consistent read queued after it
 * runs only once the COMMIT has, so the caller hears of success only when the write is on disk.
 * One extra read a transaction, against DynamoDB Local only.
 */
function awaitLocalCommits(client: DynamoDBClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') {
        const first = (args.input as TransactWriteItemsCommandInput).TransactItems?.[0];
        const tableName = (first?.Put ?? first?.Update ?? first?.Delete ?? first?.ConditionCheck)?.TableName;
        if (tableName !== undefined) await client.send(new GetItemCommand(commitBarrier(tableName)));
      }
      return result;
    },
    { step: 'initialize', name: 'awaitDynamoDbLocalCommit' },
  );
}

/** A consistent read of a key no item has: it costs one SQLite lookup and reads nothing. */
function commitBarrier(tableName: string) {
  return {
    TableName: tableName,
    Key: {
      [marketplaceTable.partitionKey.name]: { S: '#commit-barrier' },
      [marketplaceTable.sortKey.name]: { S: '#commit-barrier' },
    },
    ConsistentRead: true,
  };
}
