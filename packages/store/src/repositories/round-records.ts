import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
} from '@placements/domain';
import { keys } from '../keys.ts';
import { MAX_TRANSACTION_ACTIONS, transact, type TransactItem } from '../transaction.ts';
import { auditEvent, auditItem } from './audit.ts';
import { caseEntity, caseItem, placementItem } from './case-items.ts';

/** A round's chunk found its checkpoint already written: it was committed before. */
export class RoundChunkCommittedError extends Error {}

/**
 * Some parts of a round's commit were refused: their listing's places or one of their cases
 * changed since the round read them (the others were not written either, and may be committed
 * without them). `parts` holds their indexes.
 */
export class RoundPartsRefusedError extends Error {
  constructor(readonly parts: number[]) {
    super('refused');
  }
}

/** One listing's share of a round's commit: its places for these cases. */
export interface RoundListingPart {
  setting: Setting;
  listing: Listing;
  placements: RoundPlacement[];
}

/** One case's share of a round's commit on a listing. */
export interface RoundPlacement {
  placement: Placement;
  before: Case;
  after: Case;
}

export function roundRecordsRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /**
     * A round's places on one or more listings, all or nothing: each listing gives its part's
     * places (it must still have them), and each case, still open at the version the round read,
     * gets its placement and audit event, and the round's checkpoint last, holding the regional
     * counters' deltas of all of them merged (applied later for the whole run: applyRunCounters).
     * Several small listings go in one transaction (planRoundChunks fills them towards
     * TransactWriteItems' 100 actions): DynamoDB spends far less on an action in a large
     * transaction than in a small one. When conditions
     * fail, RoundPartsRefusedError names the parts whose listing or cases changed, so the caller
     * can commit the others without them.
     */
    async commitRoundListings(args: {
      parts: RoundListingPart[];
      actor: Actor;
      at: string;
      today: string;
      roundId: string;
      /** The round's checkpoint for this commit, written in the same transaction (never twice). */
      checkpoint: Record<string, unknown>;
    }): Promise<void> {
      const { parts, actor, at, today } = args;
      const items: TransactItem[] = [];
      /** The part each action belongs to (counters and the checkpoint belong to none). */
      const owner: number[] = [];
      const counted: Parameters<typeof counterChange> = [];
      parts.forEach(({ setting, listing, placements }, part) => {
        const n = placements.length;
        // Members' places from the partnership's block (the caller marks at most what is left), the rest availableToAll.
        const r = placements.filter((p) => p.placement.blockPartnershipId !== undefined).length;
        items.push({
          Update: {
            TableName: tableName,
            Key: keys.listing(setting.urn, listing.listingId),
            UpdateExpression:
              'SET available = available - :n, held = held + :n, availableToAll = availableToAll - :open, version = version + :one, updatedAt = :at' +
              (r > 0 ? ', blockUsed = blockUsed + :r' : ''),
            ConditionExpression:
              'available >= :n AND availableFrom <= :today AND availableToAll >= :open AND band = :band AND needs = :needs' +
              (r > 0 ? ' AND blockFor.places = :places AND blockUsed <= :maxUsed' : ''),
            ExpressionAttributeValues: {
              ':n': n,
              ':open': n - r,
              ':one': 1,
              ':today': today,
              ':at': at,
              ':band': listing.band,
              ':needs': listing.needs,
              ...(r > 0
                ? { ':r': r, ':places': listing.blockFor?.places ?? 0, ':maxUsed': (listing.blockFor?.places ?? 0) - r }
                : {}),
            },
          },
        });
        owner.push(part);
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
          owner.push(part, part, part);
        }
        const heldListing = { ...listing, available: listing.available - n, held: listing.held + n };
        counted.push(
          {
            before: listingContribution(setting.laCode, listing),
            after: listingContribution(setting.laCode, heldListing),
          },
          ...placements.flatMap((p) => [
            { before: caseContribution(p.before), after: caseContribution(p.after) },
            { after: placementContribution(p.placement) },
          ]),
        );
      });
      // The regional counters' deltas ride in the checkpoint, applied once the run's commits are
      // all done (applyRunCounters): merged across the run they are a fraction of the updates.
      items.push({
        Put: {
          TableName: tableName,
          Item: { ...args.checkpoint, counters: counterChange(...counted) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
      if (items.length > MAX_TRANSACTION_ACTIONS)
        throw new Error(`a round commit of ${parts.length} listings needs ${items.length} actions; pass fewer`);
      await transact(db, items, (reasons) => {
        const failed = reasons.filter((r) => r.code === 'ConditionalCheckFailed').map((r) => r.index);
        // The checkpoint is there already: another worker committed this chunk.
        if (failed.includes(items.length - 1)) return new RoundChunkCommittedError('committed');
        return new RoundPartsRefusedError([
          ...new Set(failed.map((i) => owner[i]).filter((p): p is number => p !== undefined)),
        ]);
      });
      // The listings' search entries and the placed cases' queue entries follow from the stream.
    },
  };
}

/**
 * Cuts a run's allocations into the transactions that commit them, once, at planning: a resumed
 * worker must find the same commits to know which are checkpointed. Returns each allocated case's
 * commit (numbered from 0 in the run).
 *
 * A transaction holds 100 actions: each listing's update, three per case (placement, case,
 * audit) and the checkpoint (which carries the regional counters' deltas rather than updating
 * them: see applyRunCounters). A listing too big for one transaction is cut into chunks of its own
 * (committed one after another); smaller listings share transactions, filled towards the limit,
 * since DynamoDB spends far less on an action in a large transaction.
 */
export function planRoundChunks(
  planned: readonly { caseId: string; assignment?: { urn: string; listingId: string } }[],
  maxActions = MAX_TRANSACTION_ACTIONS,
): Map<string, number> {
  const limit = Math.min(maxActions, MAX_TRANSACTION_ACTIONS);
  const byListing = new Map<string, { urn: string; listingId: string; caseIds: string[] }>();
  for (const o of planned) {
    if (o.assignment === undefined) continue;
    const k = `${o.assignment.urn}#${o.assignment.listingId}`;
    const l = byListing.get(k) ?? { urn: o.assignment.urn, listingId: o.assignment.listingId, caseIds: [] };
    l.caseIds.push(o.caseId);
    byListing.set(k, l);
  }
  /** Actions of a transaction: its listings, three per case, and the checkpoint. */
  interface Piece {
    listings: number;
    caseIds: string[];
  }
  const actions = (p: Piece) => p.listings + 3 * p.caseIds.length + 1;
  const chunkOf = new Map<string, number>();
  let next = 0;
  let shared: { index: number; piece: Piece } | undefined;
  for (const { caseIds } of byListing.values()) {
    const pieces: Piece[] = [];
    let piece: Piece = { listings: 1, caseIds: [] };
    for (const caseId of caseIds) {
      const grown = { listings: 1, caseIds: [...piece.caseIds, caseId] };
      if (piece.caseIds.length > 0 && actions(grown) > limit) {
        pieces.push(piece);
        piece = { listings: 1, caseIds: [caseId] };
      } else piece = grown;
    }
    pieces.push(piece);
    if (pieces.length > 1) {
      // A big listing: its chunks alone, committed in order.
      for (const p of pieces) {
        const index = next++;
        for (const caseId of p.caseIds) chunkOf.set(caseId, index);
      }
      continue;
    }
    const merged = shared && {
      listings: shared.piece.listings + 1,
      caseIds: [...shared.piece.caseIds, ...piece.caseIds],
    };
    if (shared && merged && actions(merged) <= limit) shared.piece = merged;
    else shared = { index: next++, piece };
    for (const caseId of piece.caseIds) chunkOf.set(caseId, shared.index);
  }
  return chunkOf;
}
