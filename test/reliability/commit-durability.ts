import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '@placements/local';
import { createDocumentClient, ensureTable } from '@placements/store';

export interface CommitKill {
  acknowledged: number;
  /** Acknowledged transactions not in the table once DynamoDB Local is back. */
  lost: number;
}

const TABLE = 'commit-durability';
const ITEMS_A_KILL = 200;

/**
 * DynamoDB Local on disk and, for each number in `killAfter`: 24 writers each committing two-item
 * transactions (a listing-like item's version moved on, an audit-like item added), java SIGKILLed
 * the moment that many are acknowledged, DynamoDB Local started again over the same file and every
 * acknowledged transaction read back. `awaitLocalCommits: false` is the bare SDK client, as
 * DynamoDB Local answers it; true is the store's client.
 */
export async function killAfterAcknowledgedTransactions(options: {
  awaitLocalCommits: boolean;
  killAfter: number[];
}): Promise<CommitKill[]> {
  const dbPath = mkdtempSync(join(tmpdir(), 'commit-durability-'));
  const ddb = await startDynamoDbLocal({ dbPath });
  try {
    const db = createDocumentClient({
      tableName: TABLE,
      endpoint: ddb.endpoint,
      maxAttempts: 1,
      awaitLocalCommits: options.awaitLocalCommits,
    });
    await ensureTable(db, TABLE);
    const kills: CommitKill[] = [];
    for (const [k, killAfter] of options.killAfter.entries()) {
      const key = (i: number) => ({ pk: `LISTING#${k}#${i}`, sk: 'LISTING' });
      for (let i = 0; i < ITEMS_A_KILL; i += 25)
        await db.send(
          new BatchWriteCommand({
            RequestItems: {
              [TABLE]: Array.from({ length: 25 }, (_, j) => ({ PutRequest: { Item: { ...key(i + j), version: 1 } } })),
            },
          }),
        );
      const acknowledged = new Set<number>();
      let killed = false;
      let next = 0;
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          while (!killed && next < ITEMS_A_KILL) {
            const i = next++;
            try {
              await db.send(
                new TransactWriteCommand({
                  TransactItems: [
                    {
                      Update: {
                        TableName: TABLE,
                        Key: key(i),
                        UpdateExpression: 'SET version = :next',
                        ConditionExpression: 'version = :current',
                        ExpressionAttributeValues: { ':next': 2, ':current': 1 },
                      },
                    },
                    { Put: { TableName: TABLE, Item: { pk: key(i).pk, sk: 'AUDIT#2' } } },
                  ],
                }),
              );
            } catch {
              continue; // killed mid-request: its outcome is unknown and not counted
            }
            if (killed) return;
            acknowledged.add(i);
            if (acknowledged.size >= killAfter) {
              killed = true;
              await ddb.kill();
            }
          }
        }),
      );
      await ddb.restart();
      let lost = 0;
      for (const i of acknowledged) {
        const listing = await db.send(new GetCommand({ TableName: TABLE, Key: key(i), ConsistentRead: true }));
        if (listing.Item?.version !== 2) lost++;
      }
      kills.push({ acknowledged: acknowledged.size, lost });
    }
    return kills;
  } finally {
    await ddb.stop();
    rmSync(dbPath, { recursive: true, force: true });
  }
}
