import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  ResourceNotFoundException,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marketplaceTable, type TableDefinition } from './table.ts';
import { createDocumentClient } from './client.ts';

/** The CreateTable request for a table definition: the local mirror of what infra/ deploys. */
export function createTableInput(
  tableName: string,
  def: TableDefinition = marketplaceTable,
  options: { stream?: boolean } = {},
): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  for (const k of [
    def.partitionKey,
    def.sortKey,
    ...def.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    attributes.set(k.name, k.type);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    // The stream drives everything derived from a committed change (see stream/local-stream.ts).
    ...(options.stream === false ? {} : { StreamSpecification: STREAM }),
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((i) => ({
      IndexName: i.indexName,
      KeySchema: [
        { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: i.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

const STREAM = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

/**
 * Turns the table's stream on (if it is not). A bulk load is written before the stream exists
 * (it writes its own search entries), so the consumer starts with nothing to catch up on.
 */
export async function enableStream(db: DynamoDBDocumentClient, tableName: string): Promise<void> {
  const d = await db.send(new DescribeTableCommand({ TableName: tableName }));
  if (d.Table?.StreamSpecification?.StreamEnabled === true) return;
  await db.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: STREAM }));
}

/**
 * Creates the table if it is not there yet; returns true when it was created now. With
 * `stream: false` a new table is created without its stream (call enableStream after loading).
 */
export async function ensureTable(
  db: DynamoDBDocumentClient,
  tableName: string,
  def: TableDefinition = marketplaceTable,
  options: { stream?: boolean } = {},
): Promise<boolean> {
  try {
    await db.send(new DescribeTableCommand({ TableName: tableName }));
    // A table kept from before the stream consumer existed gets its stream now.
    if (options.stream !== false) await enableStream(db, tableName);
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await db.send(new CreateTableCommand(createTableInput(tableName, def, options)));
  for (let i = 0; i < 100; i++) {
    const d = await db.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE') {
      await db.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true },
        }),
      );
      return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Table ${tableName} did not become active`);
}

export async function dropTable(db: DynamoDBDocumentClient, tableName: string): Promise<void> {
  try {
    await db.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}

/** Liveness of the store for GET /health. */
export async function storeReachable(db: DynamoDBDocumentClient, tableName: string): Promise<boolean> {
  try {
    const d = await db.send(new DescribeTableCommand({ TableName: tableName }));
    return d.Table?.TableStatus === 'ACTIVE';
  } catch {
    return false;
  }
}

/** Whether a DynamoDB endpoint answers at all (used while DynamoDB Local starts). */
export async function endpointAnswers(endpoint: string): Promise<boolean> {
  const probe = createDocumentClient({ tableName: 'probe', endpoint, requestTimeoutMs: 1000, maxAttempts: 1 });
  try {
    await probe.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    probe.destroy();
  }
}
