import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Bulk writes with BatchWriteItem, for the loader and the repositories that load many items at
// once. Its own module, so the repositories that use it need not import the loader (which
// imports them: the loader.ts ↔ aggregates.ts cycle).

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
