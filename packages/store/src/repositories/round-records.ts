import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  caseContribution,
  counterChange,
  listingContribution,
  placementContribution,
  type Actor,
  type Case,
  type Listing,
  type Placement,
  type Setting,
  type SettingWithListings,
  shardOf,
} from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { guarded } from '../errors.ts';
import { MAX_TRANSACTION_ACTIONS, transact, type TransactItem } from '../transaction.ts';
import { auditEvent, auditItem } from './audit.ts';
import { counterActions } from './aggregates.ts';
import { caseEntity, caseItem, CaseNotOpenError, placementItem } from './case-items.ts';
import { PlaceTakenError } from './placements.ts';

/** A round's chunk found its checkpoint already written: it was committed before. */
export class RoundChunkCommittedError extends Error {}

/** One case's share of a round's commit on a listing. */
export interface RoundPlacement {
  placement: Placement;
  before: Case;
  after: Case;
}

export function roundRecordsRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /**
     * A round's places on one listing, all or nothing: the listing gives `placements.length`
     * places (it must still have them), and each case, still open at the version the round read,
     * gets its placement and audit event, with the regional counters. TransactWriteItems holds
     * 100 actions, so callers pass at most ROUND_CASES_PER_COMMIT cases at a time.
     */
    async commitRoundListing(args: {
      setting: Setting;
      listing: Listing;
      placements: RoundPlacement[];
      actor: Actor;
      at: string;
      today: string;
      roundId: string;
      /** The round's checkpoint for this chunk, written in the same transaction (never twice). */
      checkpoint?: Record<string, unknown>;
    }): Promise<void> {
      const { setting, listing, placements, actor, at, today } = args;
      const listingId = listing.listingId;
      const n = placements.length;
      // Members' places from the partnership's block (the caller marks at most what is left), the rest availableToAll.
      const r = placements.filter((p) => p.placement.blockPartnershipId !== undefined).length;
      const items: TransactItem[] = [
        {
          Update: {
            TableName: tableName,
            Key: keys.listing(setting.urn, listingId),
            UpdateExpression:
              'SET available = available - :n, held = held + :n, availableToAll = availableToAll - :open, version = version + :one, updatedAt = :at' +
              (r > 0 ? ', blockUsed = blockUsed + :r' : ''),
            ConditionExpression:
              'available >= :n AND availableFrom <= :today AND availableToAll >= :open AND band = :band AND needs = :needs' +
              (r > 0 ? ' AND blockUsed <= :maxUsed' : ''),
            ExpressionAttributeValues: {
              ':n': n,
              ':open': n - r,
              ':one': 1,
              ':today': today,
              ':at': at,
              ':band': listing.band,
              ':needs': listing.needs,
              ...(r > 0 ? { ':r': r, ':maxUsed': (listing.blockFor?.places ?? 0) - r } : {}),
            },
          },
        },
      ];
      for (const p of placements) {
        items.push(
          {
            Put: {
              TableName: tableName,
              Item: placementItem(p.placement),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: caseItem(p.after),
              ConditionExpression: '#state = :open AND #v = :v',
              ExpressionAttributeNames: { '#state': 'state', '#v': 'version' },
              ExpressionAttributeValues: { ':open': 'open', ':v': p.before.version },
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: auditItem(
                auditEvent(caseEntity(p.after.laCode, p.after.id), 'case.allocated', actor, at, p.before, {
                  case: p.after,
                  placement: p.placement,
                  roundId: args.roundId,
                }),
                p.after.version,
              ),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        );
      }
      const heldListing = { ...listing, available: listing.available - n, held: listing.held + n };
      items.push(
        ...counterActions(
          tableName,
          counterChange(
            {
              before: listingContribution(setting.laCode, listing),
              after: listingContribution(setting.laCode, heldListing),
            },
            ...placements.flatMap((p) => [
              { before: caseContribution(p.before), after: caseContribution(p.after) },
              { after: placementContribution(p.placement) },
            ]),
          ),
        ),
      );
      if (args.checkpoint) {
        items.push({
          Put: { TableName: tableName, Item: args.checkpoint, ConditionExpression: 'attribute_not_exists(pk)' },
        });
      }
      if (items.length > MAX_TRANSACTION_ACTIONS)
        throw new Error(`a round commit of ${n} cases needs ${items.length} actions; pass fewer cases`);
      await transact(db, items, (reasons) => {
        const failed = reasons.filter((r) => r.code === 'ConditionalCheckFailed').map((r) => r.index);
        // The checkpoint is there already: another worker committed this chunk.
        if (args.checkpoint && failed.includes(items.length - 1)) return new RoundChunkCommittedError('committed');
        if (failed.includes(0)) return new PlaceTakenError('taken');
        return new CaseNotOpenError('case_not_open', 'A case in the round changed while it ran.');
      });
      // The listing's search entries and the placed cases' queue entries follow from the stream.
    },

    /** A round's record: its inputs, order and outcomes, split into parts under the item size limit. */
    async putRound(org: string, id: string, head: Record<string, unknown>, outcomes: unknown[]): Promise<void> {
      const parts: unknown[][] = [];
      for (let i = 0; i < outcomes.length; i += 500) parts.push(outcomes.slice(i, i + 500));
      const { pk } = keys.round(org, id);
      const items = [
        { ...keys.round(org, id), itemType: 'round', ...head, parts: parts.length },
        ...parts.map((outcomes, i) => ({
          pk,
          sk: `OUTCOMES#${String(i).padStart(5, '0')}`,
          itemType: 'round_outcomes',
          outcomes,
        })),
      ];
      for (let i = 0; i < items.length; i += 8)
        await Promise.all(
          items.slice(i, i + 8).map((Item) => guarded(() => db.send(new PutCommand({ TableName: tableName, Item })))),
        );
    },

    async getRound(
      org: string,
      id: string,
    ): Promise<{ head: Record<string, unknown>; outcomes: unknown[] } | undefined> {
      const { pk } = keys.round(org, id);
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': pk },
              ExclusiveStartKey: start,
              ConsistentRead: true,
            }),
          ),
        );
        items.push(...(res.Items ?? []));
        start = res.LastEvaluatedKey;
      } while (start !== undefined);
      const head = items.find((i) => i.sk === 'ROUND');
      if (head === undefined) return undefined;
      return {
        head: stripLayout<Record<string, unknown>>(head),
        outcomes: items.filter((i) => i.itemType === 'round_outcomes').flatMap((i) => i.outcomes as unknown[]),
      };
    },
  };
}

/**
 * Cuts each listing's cases into the chunks committed one transaction each, once, at planning:
 * a resumed worker must find the same chunks to know which are checkpointed. A transaction holds
 * 100 actions: the listing, its capacity counters (one per need and the band) and the checkpoint;
 * three per case (placement, case, audit) and the demand, placement, price and block counters of
 * each LA, counter shard, band and need among them (a block counter is allowed for every case).
 * The counter keys here stand for the counter items the commit touches (counterChange in the
 * domain), so the plan never exceeds what commitRoundListing can write in one transaction.
 */
export function planRoundChunks(
  planned: readonly { caseId: string; assignment?: { urn: string; listingId: string } }[],
  cases: Map<string, Case>,
  settings: Map<string, SettingWithListings | undefined>,
): Map<string, number> {
  const chunkOf = new Map<string, number>();
  const state = new Map<string, { index: number; size: number; counters: Set<string> }>();
  for (const o of planned) {
    if (o.assignment === undefined) continue;
    const k = `${o.assignment.urn}#${o.assignment.listingId}`;
    const listing = settings.get(o.assignment.urn)?.listings.find((l) => l.listingId === o.assignment!.listingId);
    const fixed = 3 + (listing?.needs.length ?? 8);
    const c = cases.get(o.caseId)!;
    const at = `${c.laCode}#${shardOf(c.id)}`;
    const mine = [`D#${at}#${c.band}#${c.needs[0]}`, `P#${at}#${c.band}#${c.needs[0]}`, `R#${at}`, `B#${at}`];
    let s = state.get(k) ?? { index: 0, size: 0, counters: new Set<string>() };
    const added = mine.filter((x) => !s.counters.has(x)).length;
    if (s.size > 0 && fixed + 3 * (s.size + 1) + s.counters.size + added > MAX_TRANSACTION_ACTIONS)
      s = { index: s.index + 1, size: 0, counters: new Set() };
    s.size++;
    for (const x of mine) s.counters.add(x);
    state.set(k, s);
    chunkOf.set(o.caseId, s.index);
  }
  return chunkOf;
}
