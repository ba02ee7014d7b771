import { DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { caseContribution, ConflictError, counterChange, type Actor, type Case } from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { decodeCursor, encodeCursor, type Cursor } from '../cursor.ts';
import type { Page } from '../page.ts';
import { guarded } from '../errors.ts';
import { transact } from '../transaction.ts';
import { batchPut } from '../batch.ts';
import { auditEvent, auditItem } from './audit.ts';
import { counterActions } from './aggregates.ts';
import { caseEntity, caseItem } from './case-items.ts';

/** A case waiting on a listing, in the listing's queue. */
export interface WaitingEntry {
  urn: string;
  listingId: string;
  caseId: string;
  laCode: string;
  joinedAt: string;
}

const waitingItem = (e: WaitingEntry) => ({
  ...keys.waiting(e.urn, e.listingId, e.joinedAt, e.caseId),
  itemType: 'waiting',
  ...e,
});

const waitingKey = (w: Pick<WaitingEntry, 'urn' | 'listingId'>) => `${w.urn}#${w.listingId}`;

export function waitingListsRepository(db: DynamoDBDocumentClient, tableName: string) {
  /**
   * Cases join their queues in one transaction: each case's new version (conditioned on the one
   * read), its queue entries and audit event, and the counters of all of them merged (one action
   * per counter item). All or nothing; `conflict` says what changed when a condition fails.
   */
  async function joinTogether(
    joins: { before: Case; after: Case; entries: WaitingEntry[] }[],
    actor: Actor,
    at: string,
    conflict: string,
    withEntries: boolean,
    checkpoint?: Record<string, unknown>,
  ): Promise<void> {
    const counters = counterChange(
      ...joins.map(({ before, after }) => ({
        before: caseContribution(before),
        after: caseContribution(after),
      })),
    );
    await transact(
      db,
      [
        ...joins.flatMap(({ before, after, entries }) => [
          {
            Put: {
              TableName: tableName,
              Item: caseItem(after),
              ConditionExpression: '#state = :open AND #v = :v',
              ExpressionAttributeNames: { '#state': 'state', '#v': 'version' },
              ExpressionAttributeValues: { ':open': 'open', ':v': before.version },
            },
          },
          ...(withEntries ? entries.map((e) => ({ Put: { TableName: tableName, Item: waitingItem(e) } })) : []),
          {
            Put: {
              TableName: tableName,
              Item: auditItem(
                auditEvent(caseEntity(after.laCode, after.id), 'case.waiting', actor, at, undefined, {
                  waitingOn: entries.map(waitingKey),
                }),
                after.version,
              ),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ]),
        // A round's group keeps its counters' deltas in its checkpoint, applied with the round's
        // others once every group has joined; a case joining on its own updates them here.
        ...(checkpoint === undefined
          ? counterActions(tableName, counters)
          : [
              {
                Put: {
                  TableName: tableName,
                  Item: { ...checkpoint, counters },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ]),
      ],
      () => new ConflictError('case_changed', conflict),
    );
  }

  return {
    /**
     * The case joins the queues of listings it could not get, in one transaction with its new
     * version (which records where it waits) and an audit event. Joining twice is a no-op: the
     * caller passes only listings the case is not yet waiting on.
     */
    async joinWaitingLists(
      before: Case,
      after: Case,
      entries: WaitingEntry[],
      actor: Actor,
      at: string,
    ): Promise<void> {
      await joinTogether(
        [{ before, after, entries }],
        actor,
        at,
        'The case was changed by someone else a moment ago; reload it and try again.',
        true,
      );
    },

    /**
     * Several cases join their queues in one transaction (a round's cases left without a place):
     * each case's new version (its `waitingOn` names the queues and join time) and audit event,
     * with the counters of all of them merged (one action per counter item), but not the queue
     * entries themselves: those are the stream's projection of `waitingOn` (putWaiting, from the
     * case's record), written with BatchWriteItem, which costs DynamoDB a fraction of a
     * transaction's actions. All or nothing: if any case changed since it was read, nothing is
     * written and the caller joins them one by one. The caller keeps the actions within 100.
     * With a `checkpoint` item (a round's, rounds.waitingItem) the counters' deltas go into it
     * instead of onto the counters, for the round to apply once merged (rounds.applyWaitingCounters).
     */
    async joinWaitingListsTogether(
      joins: { before: Case; after: Case; entries: WaitingEntry[] }[],
      actor: Actor,
      at: string,
      checkpoint?: Record<string, unknown>,
    ): Promise<void> {
      await joinTogether(joins, actor, at, 'A case of the group changed a moment ago.', false, checkpoint);
    },

    /**
     * Writes queue entries (idempotent puts keyed by queue, join time and case): the stream's
     * projection of a case's `waitingOn`. The caller puts only entries the case (read after its
     * change committed) still names; a case that leaves a queue later has the entry deleted by the
     * record of that later change, which the stream hands on after this one.
     */
    async putWaiting(entries: WaitingEntry[]): Promise<void> {
      if (entries.length === 0) return;
      await guarded(() => batchPut(db, tableName, entries.map(waitingItem), 4));
    },

    /** A listing's waiting list in order (first to be offered first). */
    async waitingList(urn: string, listingId: string, limit: number, cursor?: string): Promise<Page<WaitingEntry>> {
      const pk = keys.waitingPartition(urn, listingId);
      const start = decodeCursor(cursor, [['pk', 'sk']], (c) => c.pk === pk);
      const res = await guarded(() =>
        db.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ExclusiveStartKey: start,
            Limit: limit,
            ConsistentRead: true,
          }),
        ),
      );
      return {
        items: (res.Items ?? []).map((i) => stripLayout<WaitingEntry>(i)),
        nextCursor: encodeCursor(res.LastEvaluatedKey as Cursor | undefined),
      };
    },

    /** 1-based place in a listing's queue: how many joined before, plus one. */
    async waitingPosition(urn: string, listingId: string, joinedAt: string, caseId: string): Promise<number> {
      const { pk, sk } = keys.waiting(urn, listingId, joinedAt, caseId);
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk AND sk < :sk',
              ExpressionAttributeValues: { ':pk': pk, ':sk': sk },
              Select: 'COUNT',
              ExclusiveStartKey: start,
            }),
          ),
        );
        count += res.Count ?? 0;
        start = res.LastEvaluatedKey;
      } while (start !== undefined);
      return count + 1;
    },

    /** Every listing that has a queue (urn#listingId), for the job that offers freed places. */
    async listingsWithQueues(): Promise<{ urn: string; listingId: string }[]> {
      const found = new Set<string>();
      let start: Record<string, unknown> | undefined;
      do {
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi2',
              KeyConditionExpression: 'gsi2pk = :pk',
              ExpressionAttributeValues: { ':pk': 'WAITING' },
              ProjectionExpression: 'urn, listingId',
              ExclusiveStartKey: start,
            }),
          ),
        );
        for (const i of res.Items ?? []) found.add(`${i.urn}#${i.listingId}`);
        start = res.LastEvaluatedKey;
      } while (start !== undefined);
      return [...found].map((k) => {
        const [urn, listingId] = k.split('#') as [string, string];
        return { urn, listingId };
      });
    },

    /** Removes queue entries whose case has moved on (placed elsewhere, or no longer wants the listing). */
    async removeWaiting(entries: WaitingEntry[]): Promise<void> {
      // Single deletes, a few at a time: request paths never use BatchWriteItem (least privilege in AWS).
      for (let i = 0; i < entries.length; i += 8) {
        await Promise.all(
          entries.slice(i, i + 8).map((e) => {
            const { pk, sk } = keys.waiting(e.urn, e.listingId, e.joinedAt, e.caseId);
            return guarded(() => db.send(new DeleteCommand({ TableName: tableName, Key: { pk, sk } })));
          }),
        );
      }
    },
  };
}
