import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { stripLayout } from '../keys.ts';
import { decodeCursor, encodeCursor, type Cursor } from '../cursor.ts';
import type { Page } from '../page.ts';
import { guarded } from '../errors.ts';

// Reads the case aggregates share: one item by key, and pages of a gsi1 partition.

/** One item by key (consistent unless asked otherwise), without its layout attributes. */
export function getItem(db: DynamoDBDocumentClient, tableName: string) {
  return async <T>(key: { pk: string; sk: string }, consistent = true): Promise<T | undefined> => {
    const res = await guarded(() =>
      db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: consistent })),
    );
    return res.Item === undefined ? undefined : stripLayout<T>(res.Item);
  };
}

export function gsi1Pages(db: DynamoDBDocumentClient, tableName: string) {
  /**
   * A page of one gsi1 partition (optionally under a sort-key prefix, filtered by state), read
   * until the page is full: a state filter can leave a DynamoDB page short.
   */
  return async function gsi1Page<T>(q: {
    pk: string;
    skPrefix?: string;
    state?: string;
    newestFirst?: boolean;
    limit: number;
    cursor?: string;
  }): Promise<Page<T>> {
    let next: Record<string, unknown> | undefined = decodeCursor(
      q.cursor,
      [['pk', 'sk', 'gsi1pk', 'gsi1sk']],
      (c) => c.gsi1pk === q.pk,
    );
    const items: T[] = [];
    do {
      const res = await guarded(() =>
        db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: q.skPrefix ? 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)' : 'gsi1pk = :pk',
            ...(q.state
              ? { FilterExpression: '#state = :state', ExpressionAttributeNames: { '#state': 'state' } }
              : {}),
            ExpressionAttributeValues: {
              ':pk': q.pk,
              ...(q.skPrefix ? { ':prefix': q.skPrefix } : {}),
              ...(q.state ? { ':state': q.state } : {}),
            },
            ...(q.newestFirst ? { ScanIndexForward: false } : {}),
            ExclusiveStartKey: next,
            Limit: q.limit - items.length,
          }),
        ),
      );
      items.push(...(res.Items ?? []).map((i) => stripLayout<T>(i)));
      next = res.LastEvaluatedKey;
    } while (next !== undefined && items.length < q.limit);
    return { items, nextCursor: encodeCursor(next as Cursor | undefined) };
  };
}
