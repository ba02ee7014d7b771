import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { counterChange, onShard, shardOf, type CounterDelta } from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { guarded } from '../errors.ts';
import { partitionItems } from '../batch.ts';
import { MAX_TRANSACTION_ACTIONS, transact } from '../transaction.ts';
import { counterActions } from './aggregates.ts';

/**
 * An allocation round run as a background job. Everything it needs to resume lives under the
 * round's partition (ROUND#org#id):
 *
 * | item                         | written                                                      |
 * |------------------------------|--------------------------------------------------------------|
 * | ROUND                        | the head: state, phase, run, progress, lease; gsi2 ROUNDS#ACTIVE while queued or running |
 * | INPUT#nnnnn                  | the request's case references, 2,000 an item (before the head) |
 * | PLAN#run#token#nnnnn         | a run's outcomes as the mechanism decided them, gzipped (`packed`; before its PLANHEAD) |
 * | PLANHEAD#run                 | the run's plan is complete (conditioned: one plan per run)   |
 * | COMMIT#run#nnnnn             | a planned commit (its listings' places) done: in the same transaction as those places; `failed` names cases to re-run, `counters` the regional counters' deltas |
 * | COUNTERS#run#nnnnn           | one batch of the run's merged counter deltas applied: in the same transaction as those counters |
 * | WAITING#token#nnnnn          | a group of the round's cases joined their waiting lists: in the same transaction as those cases; `counters` the deltas |
 * | COUNTERS#W#nnnnn             | one batch of the waiting-list groups' merged counter deltas applied, as COUNTERS#run# |
 * | OUTCOMES#nnnnn               | the report's outcomes, gzipped (`packed`), written before the head says done |
 */
export const ACTIVE_ROUNDS = 'ROUNDS#ACTIVE';

/** Outcomes a plan or report item holds at most; fewer when their gzipped JSON would pass PACKED_PART_BYTES. */
const OUTCOMES_PER_PART = 1000;
/** Well under DynamoDB's 400 KB an item. */
const PACKED_PART_BYTES = 300_000;

/**
 * A run's plan and the report's outcomes are kept gzipped, in one binary attribute (`packed`):
 * a 10,000-case round's are about 4 MB of JSON each, which DynamoDB writes, and its stream carries
 * to every consumer, at a tenth of the size or less (docs/allocation.md). A part too large packed
 * is halved until it fits.
 */
export function packOutcomes(outcomes: readonly unknown[], per = OUTCOMES_PER_PART): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < outcomes.length; i += per) {
    const slice = outcomes.slice(i, i + per);
    const packed = gzipSync(Buffer.from(JSON.stringify(slice)));
    if (packed.length > PACKED_PART_BYTES && slice.length > 1)
      parts.push(...packOutcomes(slice, Math.ceil(slice.length / 2)));
    else parts.push(packed);
  }
  return parts;
}

/** A plan or report item's outcomes; items written before they were packed hold them as `outcomes`. */
export function unpackOutcomes(item: Record<string, unknown>): unknown[] {
  if (item.packed !== undefined) return JSON.parse(gunzipSync(item.packed as Uint8Array).toString('utf8')) as unknown[];
  return (item.outcomes as unknown[] | undefined) ?? [];
}

export interface RoundLease {
  owner: string;
  until: number;
}

export function roundsRepository(db: DynamoDBDocumentClient, tableName: string) {
  const pkOf = (org: string, id: string) => keys.round(org, id).pk;

  async function itemsUnder(
    org: string,
    id: string,
    prefix: string,
    projection?: string,
  ): Promise<Record<string, unknown>[]> {
    return partitionItems(db, tableName, pkOf(org, id), {
      skPrefix: prefix,
      ...(projection ? { attributes: projection } : {}),
      consistent: true,
    });
  }

  const put = (Item: Record<string, unknown>) => guarded(() => db.send(new PutCommand({ TableName: tableName, Item })));
  async function putAll(items: Record<string, unknown>[]): Promise<void> {
    for (let i = 0; i < items.length; i += 8) await Promise.all(items.slice(i, i + 8).map(put));
  }

  /**
   * Sets fields of a round's head on a condition (the lease's); false when the condition fails,
   * so the caller knows another worker holds the round.
   */
  async function conditionalSet(
    org: string,
    id: string,
    set: Record<string, unknown>,
    remove: string[],
    condition: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
  ): Promise<boolean> {
    const names: Record<string, string> = { ...condition.names };
    const values: Record<string, unknown> = { ...condition.values };
    const sets: string[] = [];
    for (const [k, v] of Object.entries(set)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      sets.push(`#${k} = :${k}`);
    }
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: keys.round(org, id),
          UpdateExpression: `SET ${sets.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: condition.expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * The counters' deltas kept in the checkpoints under `from`, merged and applied in batches, each
   * batch in one transaction with its marker under `markers` (see applyRunCounters).
   */
  async function applyCounters(
    org: string,
    id: string,
    from: string,
    markers: string,
  ): Promise<{ counters: number; batches: number }> {
    const commits = await itemsUnder(org, id, from, 'counters');
    // All on the round's own shard (readers sum a key's shards): a third fewer items to update
    // than on each case's shard, measured at 10,000 cases.
    const shard = shardOf(id);
    const merged = counterChange(
      ...commits.map((c) => ({
        after: ((c.counters ?? []) as CounterDelta[]).map((d) => ({ ...d, key: onShard(d.key, shard) })),
      })),
    ).sort((a, b) => (`${a.la}|${a.key}` < `${b.la}|${b.key}` ? -1 : 1));
    const per = MAX_TRANSACTION_ACTIONS - 1;
    const done = new Set((await itemsUnder(org, id, markers, 'sk')).map((i) => i.sk as string));
    const batches: { sk: string; deltas: CounterDelta[] }[] = [];
    for (let i = 0; i < merged.length; i += per) {
      const sk = `${markers}${String(i / per).padStart(5, '0')}`;
      if (!done.has(sk)) batches.push({ sk, deltas: merged.slice(i, i + per) });
    }
    const applyOne = async ({ sk, deltas }: (typeof batches)[number]) => {
      const marker = { pk: pkOf(org, id), sk, itemType: 'round_counters', counters: deltas.length };
      try {
        await transact(
          db,
          [
            ...counterActions(tableName, deltas),
            { Put: { TableName: tableName, Item: marker, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
          () => new BatchAppliedError(),
        );
      } catch (error) {
        // Only the marker has a condition: another worker applied this batch.
        if (!(error instanceof BatchAppliedError)) throw error;
      }
    };
    for (let i = 0; i < batches.length; i += 4) await Promise.all(batches.slice(i, i + 4).map(applyOne));
    return { counters: merged.length, batches: batches.length };
  }
  return {
    /** The inputs first, then the head (whose stream record starts the worker): a head never lacks its inputs. */
    async create(org: string, id: string, head: Record<string, unknown>, refs: unknown[]): Promise<void> {
      const pk = pkOf(org, id);
      const parts: unknown[][] = [];
      for (let i = 0; i < refs.length; i += 2000) parts.push(refs.slice(i, i + 2000));
      await putAll(
        parts.map((refs, i) => ({ pk, sk: `INPUT#${String(i).padStart(5, '0')}`, itemType: 'round_input', refs })),
      );
      await guarded(() =>
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keys.round(org, id),
              gsi2pk: ACTIVE_ROUNDS,
              gsi2sk: `${head.createdAt}#${org}#${id}`,
              itemType: 'round',
              org,
              id,
              ...head,
              inputParts: parts.length,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    },

    async head(org: string, id: string): Promise<Record<string, unknown> | undefined> {
      const res = await guarded(() =>
        db.send(new GetCommand({ TableName: tableName, Key: keys.round(org, id), ConsistentRead: true })),
      );
      return res.Item === undefined ? undefined : stripLayout<Record<string, unknown>>(res.Item);
    },

    async inputs(org: string, id: string): Promise<unknown[]> {
      return (await itemsUnder(org, id, 'INPUT#')).flatMap((i) => i.refs as unknown[]);
    },

    /**
     * Takes (or renews) the round's lease: only one worker runs a round at a time. A lease left by
     * a worker that died runs out after `ms`, and the next worker resumes from the checkpoints.
     */
    async lease(
      org: string,
      id: string,
      owner: string,
      ms: number,
      set: Record<string, unknown> = {},
    ): Promise<boolean> {
      const now = Date.now();
      return conditionalSet(org, id, { leaseOwner: owner, leaseUntil: now + ms, ...set }, [], {
        expression:
          '#state IN (:queued, :running) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR #leaseOwner = :leaseOwner)',
        names: { '#state': 'state' },
        values: { ':now': now, ':queued': 'queued', ':running': 'running' },
      });
    },

    /** Updates the head, only while `owner` holds the lease; false when it no longer does. */
    async update(
      org: string,
      id: string,
      owner: string,
      set: Record<string, unknown>,
      remove: string[] = [],
    ): Promise<boolean> {
      return conditionalSet(org, id, set, remove, {
        expression: 'leaseOwner = :owner',
        names: {},
        values: { ':owner': owner },
      });
    },

    /** A run's plan: its parts under a token of their own, then the PLANHEAD naming that token (one plan per run wins). */
    async putPlan(
      org: string,
      id: string,
      run: number,
      token: string,
      outcomes: unknown[],
      meta: Record<string, unknown>,
    ): Promise<boolean> {
      const pk = pkOf(org, id);
      const parts = packOutcomes(outcomes);
      await putAll(
        parts.map((packed, i) => ({
          pk,
          sk: `PLAN#${run}#${token}#${String(i).padStart(5, '0')}`,
          itemType: 'round_plan',
          packed,
        })),
      );
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk, sk: `PLANHEAD#${run}`, itemType: 'round_plan_head', token, parts: parts.length, ...meta },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },

    async plan(
      org: string,
      id: string,
      run: number,
    ): Promise<{ meta: Record<string, unknown>; outcomes: unknown[] } | undefined> {
      const res = await guarded(() =>
        db.send(
          new GetCommand({
            TableName: tableName,
            Key: { pk: pkOf(org, id), sk: `PLANHEAD#${run}` },
            ConsistentRead: true,
          }),
        ),
      );
      if (res.Item === undefined) return undefined;
      const parts = await itemsUnder(org, id, `PLAN#${run}#${res.Item.token}#`);
      return { meta: res.Item, outcomes: parts.flatMap(unpackOutcomes) };
    },

    /** The commit checkpoints of a run: chunk key → committed, or failed with the cases to run again. */
    async commits(org: string, id: string, run: number): Promise<Map<string, { failed?: string[]; cases?: number }>> {
      const items = await itemsUnder(org, id, `COMMIT#${run}#`, 'sk, failed, cases');
      return new Map(
        items.map((i) => [
          i.sk as string,
          {
            ...(i.failed ? { failed: i.failed as string[] } : {}),
            ...(i.cases !== undefined ? { cases: i.cases as number } : {}),
          },
        ]),
      );
    },

    /**
     * The checkpoint item of a commit, to go into its transaction: how many cases it placed, and
     * the cases of its listings that were left out because they changed (to be run again).
     */
    commitItem: (org: string, id: string, sk: string, cases: number, failed: string[] = []) => ({
      pk: pkOf(org, id),
      sk,
      itemType: 'round_commit',
      cases,
      ...(failed.length > 0 ? { failed } : {}),
    }),

    /** A chunk whose commit failed (its listing or cases changed): its cases are run again. Never over a commit. */
    async markFailed(org: string, id: string, sk: string, caseIds: string[]): Promise<void> {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: pkOf(org, id), sk, itemType: 'round_commit', failed: caseIds },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    /**
     * Applies a run's regional counters once all its commits are checkpointed: the deltas each
     * commit kept in its checkpoint, merged across the run (the same counter items recur in many
     * commits) onto the round's own counter shard, in batches of 99 updates, each batch in one
     * transaction with its own marker. The batches are the same however often this runs (the
     * checkpoints are final, the merged deltas sorted), and a batch whose marker exists is not
     * applied again: a worker that stops half-way resumes with the next batch, and counters are
     * never counted twice.
     */
    applyRunCounters: (org: string, id: string, run: number) =>
      applyCounters(org, id, `COMMIT#${run}#`, `COUNTERS#${run}#`),

    /**
     * The checkpoint item of a group of the round's cases joining waiting lists, to go into the
     * group's transaction (which adds the counters' deltas): `part` is unique to the worker and group.
     */
    waitingItem: (org: string, id: string, part: string) => ({
      pk: pkOf(org, id),
      sk: `WAITING#${part}`,
      itemType: 'round_waiting',
    }),

    /**
     * Applies the counters of the round's waiting-list groups, as applyRunCounters a run's: once
     * every group has joined, so the checkpoints are final and the batches the same on a resume.
     */
    applyWaitingCounters: (org: string, id: string) => applyCounters(org, id, 'WAITING#', 'COUNTERS#W#'),

    async putOutcomes(org: string, id: string, outcomes: unknown[]): Promise<number> {
      const pk = pkOf(org, id);
      const parts = packOutcomes(outcomes);
      await putAll(
        parts.map((packed, i) => ({
          pk,
          sk: `OUTCOMES#${String(i).padStart(5, '0')}`,
          itemType: 'round_outcomes',
          packed,
        })),
      );
      return parts.length;
    },

    async outcomes(org: string, id: string): Promise<unknown[]> {
      return (await itemsUnder(org, id, 'OUTCOMES#')).flatMap(unpackOutcomes);
    },

    /** Rounds queued or running, oldest first: resumed when the local marketplace starts again. */
    async active(): Promise<{ org: string; id: string }[]> {
      const items = await partitionItems(db, tableName, ACTIVE_ROUNDS, { index: 'gsi2', attributes: 'org, id' });
      return items.map((i) => ({ org: i.org as string, id: i.id as string }));
    },
  };
}

export type RoundsRepository = ReturnType<typeof roundsRepository>;

class BatchAppliedError extends Error {}
