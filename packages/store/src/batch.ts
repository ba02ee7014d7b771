import { BatchGetCommand, BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { guarded } from './errors.ts';

// Bulk reads and writes with BatchGetItem, BatchWriteItem and whole-partition Query, for the
// loader and the repositories that load many items at once. Its own module, so the repositories
// that use it need not import the loader (which imports them: the loader.ts ↔ aggregates.ts cycle).

const BATCH = 25;
const CONCURRENCY = 16;

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

/** Puts and deletes with BatchWriteItem, 25 at a time and a few batches in flight, retrying leftovers. */
export async function batchWrite(
  db: DynamoDBDocumentClient,
  tableName: string,
  all: WriteRequest[],
  concurrency = CONCURRENCY,
): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < all.length; i += BATCH) batches.push(all.slice(i, i + BATCH));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let requests = batches[next++]!;
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error('DynamoDB kept items unprocessed after 8 retries');
        const res = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (res.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
        if (requests.length > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Writes items with BatchWriteItem (see batchWrite). */
export const batchPut = (
  db: DynamoDBDocumentClient,
  tableName: string,
  items: Record<string, unknown>[],
  concurrency = CONCURRENCY,
) =>
  batchWrite(
    db,
    tableName,
    items.map((Item) => ({ PutRequest: { Item } })),
    concurrency,
  );

/**
 * Items by key with BatchGetItem, 100 keys a request and a few requests in flight, keys left
 * unprocessed retried with backoff; keys with no item are left out. Store errors become the
 * domain's (guarded), as any read of a repository.
 */
export async function batchGet(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: Record<string, unknown>[],
  options: {
    consistent?: boolean;
    projection?: string;
    names?: Record<string, string>;
    concurrency?: number;
  } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const shape = {
    ...(options.consistent ? { ConsistentRead: true } : {}),
    ...(options.projection ? { ProjectionExpression: options.projection } : {}),
    ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
  };
  const read = async (batch: Record<string, unknown>[]) => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error('DynamoDB kept keys unprocessed after 8 retries');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const res = await guarded(() =>
        db.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ...shape } } })),
      );
      items.push(...(res.Responses?.[tableName] ?? []));
      pending = (res.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
  };
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < keys.length; i += 100) batches.push(keys.slice(i, i + 100));
  const concurrency = options.concurrency ?? 8;
  for (let i = 0; i < batches.length; i += concurrency) await Promise.all(batches.slice(i, i + concurrency).map(read));
  return items;
}

/**
 * Every item of a table or index partition (or those whose sort key begins with `skPrefix`), page
 * by page: some attributes only, or read consistently (the table only), as asked.
 */
export async function partitionItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  options: {
    index?: 'gsi1' | 'gsi2' | 'gsi3' | 'gsi4';
    skPrefix?: string;
    attributes?: string;
    consistent?: boolean;
  } = {},
): Promise<Record<string, unknown>[]> {
  // An index's keys are named after it (gsi2pk, gsi2sk); the table's are pk and sk.
  const [pkName, skName] = options.index === undefined ? ['pk', 'sk'] : [`${options.index}pk`, `${options.index}sk`];
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await guarded(() =>
      db.send(
        new QueryCommand({
          TableName: tableName,
          ...(options.index !== undefined ? { IndexName: options.index } : {}),
          KeyConditionExpression:
            options.skPrefix === undefined ? `${pkName} = :pk` : `${pkName} = :pk AND begins_with(${skName}, :prefix)`,
          ExpressionAttributeValues: {
            ':pk': pk,
            ...(options.skPrefix === undefined ? {} : { ':prefix': options.skPrefix }),
          },
          ...(options.attributes !== undefined ? { ProjectionExpression: options.attributes } : {}),
          ...(options.consistent === true ? { ConsistentRead: true } : {}),
          ExclusiveStartKey: start,
        }),
      ),
    );
    items.push(...(res.Items ?? []));
    start = res.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}
