import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  caseContribution,
  ConflictError,
  counterChange,
  listingContribution,
  placementContribution,
  type Actor,
  type Case,
  type Direction,
  type Listing,
  type Placement,
  type Setting,
} from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { decodeCursor, encodeCursor, type Cursor } from '../cursor.ts';
import type { Page } from '../page.ts';
import { batchPut } from '../loader.ts';
import { guarded } from '../errors.ts';
import { transact, type TransactItem } from '../transaction.ts';
import { auditEvent, auditItem } from './listings.ts';
import { counterActions } from './aggregates.ts';
import { settingsRepository } from './settings.ts';

/** Why an allocation's transaction was refused, from its positional cancellation reasons. */
export class PlaceTakenError extends Error {}
export class CaseNotOpenError extends ConflictError {}
export class IdempotentReplayError extends Error {}
/** A round's chunk found its checkpoint already written: it was committed before. */
export class RoundChunkCommittedError extends Error {}

/** Idempotency records are kept 24 hours (the table's TTL attribute), then the key may be used again. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const idempotencyExpiry = (at: string) => Math.floor(Date.parse(at) / 1000) + IDEMPOTENCY_TTL_SECONDS;

export const caseEntity = (laCode: string, id: string) => `case:${laCode}:${id}`;

function caseItem(c: Case): Record<string, unknown> {
  return { ...keys.caseItem(c.laCode, c.id), ...keys.caseIndexes(c), itemType: 'case', ...c };
}

/** A case waiting on a listing, in the listing's queue. */
export interface WaitingEntry {
  urn: string;
  listingId: string;
  caseId: string;
  laCode: string;
  joinedAt: string;
}

const waitingKey = (w: Pick<WaitingEntry, 'urn' | 'listingId'>) => `${w.urn}#${w.listingId}`;

/** One case's share of a round's commit on a listing. */
export interface RoundPlacement {
  placement: Placement;
  before: Case;
  after: Case;
}

function placementItem(p: Placement): Record<string, unknown> {
  return { ...keys.placement(p.id), ...keys.placementIndexes(p), itemType: 'placement', ...withoutText(p) };
}

/**
 * Free text written by people (a decline's detail, a naming note, a refusal's reason, appeal
 * grounds) lives in its own item beside the placement or direction, never in the placement item
 * or an audit event: audit events are immutable, and text may one day have to be erased.
 */
export const PLACEMENT_TEXT_FIELDS = ['declineDetail', 'namingNote', 'refusalReason'] as const;
export const DIRECTION_TEXT_FIELDS = ['appealGrounds'] as const;
export type PlacementTextField = (typeof PLACEMENT_TEXT_FIELDS)[number];
const TEXT_FIELDS: readonly string[] = [...PLACEMENT_TEXT_FIELDS, ...DIRECTION_TEXT_FIELDS];
/** What a redacted text reads as from then on. */
export const REDACTED = '[redacted]';

function withoutEvidence(refusal: Record<string, unknown>): Record<string, unknown> {
  const { evidence: _e, ...rest } = refusal;
  return rest;
}

function withoutText<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!TEXT_FIELDS.includes(k)) out[k] = v;
  return out as T;
}
function textOf(o: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (TEXT_FIELDS.includes(k) && typeof v === 'string') out[k] = v;
  return out;
}
/** The text item of a placement or direction, if its text changed: written in the same transaction. */
function textPut(tableName: string, entity: string, before: object | undefined, after: object): TransactItem[] {
  const [b, a] = [textOf(before ?? {}), textOf(after)];
  if (JSON.stringify(b) === JSON.stringify(a)) return [];
  return [{ Put: { TableName: tableName, Item: { ...keys.text(entity), itemType: 'text', entity, ...a } } }];
}

/** A second request with the same token but other contents is a concurrent replay of one key. */
async function transactOnce(...args: Parameters<typeof transact>): Promise<void> {
  try {
    await transact(...args);
  } catch (error) {
    if ((error as { name?: string }).name === 'IdempotentParameterMismatchException')
      throw new IdempotentReplayError('replay');
    throw error;
  }
}

export function casesRepository(db: DynamoDBDocumentClient, tableName: string) {
  const get = async <T>(key: { pk: string; sk: string }, consistent = true): Promise<T | undefined> => {
    const res = await guarded(() =>
      db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: consistent })),
    );
    return res.Item === undefined ? undefined : stripLayout<T>(res.Item);
  };

  /** Directions with their free text (appeal grounds) read back from its own item, as getDirection does. */
  async function withDirectionTexts(page: Page<Direction>): Promise<Page<Direction>> {
    const items = await Promise.all(
      page.items.map(async (d) => {
        const text = await get<Record<string, unknown>>(keys.text(`direction:${d.id}`));
        return text === undefined ? d : { ...d, ...textOf(text) };
      }),
    );
    return { items, nextCursor: page.nextCursor };
  }

  /**
   * A page of one gsi1 partition (optionally under a sort-key prefix, filtered by state), read
   * until the page is full: a state filter can leave a DynamoDB page short.
   */
  async function gsi1Page<T>(q: {
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
  }

  return {
    /** Opens a case with its first audit event; the LA's key comes from the caller's token. */
    async createCase(c: Case, actor: Actor): Promise<void> {
      await transact(
        db,
        [
          { Put: { TableName: tableName, Item: caseItem(c), ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Put: {
              TableName: tableName,
              Item: auditItem(
                auditEvent(caseEntity(c.laCode, c.id), 'case.opened', actor, c.openedAt, undefined, c),
                c.version,
              ),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...counterActions(tableName, counterChange({ after: caseContribution(c) })),
        ],
        () => new ConflictError('case_exists', 'A case with this id exists already; try again.'),
      );
    },

    /**
     * Loads many cases at once (a migration from a case-management system, or a benchmark), each
     * with its "opened" audit event. Not conditional: for loading into an empty table only.
     */
    async importCases(cases: Case[], actor: Actor): Promise<void> {
      await guarded(() =>
        batchPut(
          db,
          tableName,
          cases.flatMap((c) => [
            caseItem(c),
            auditItem(
              auditEvent(caseEntity(c.laCode, c.id), 'case.opened', actor, c.openedAt, undefined, c),
              c.version,
            ),
          ]),
        ),
      );
      // Their demand is added to the counters (ADD, so several imports accumulate).
      for (const action of counterActions(
        tableName,
        counterChange(...cases.map((c) => ({ after: caseContribution(c) }))),
      )) {
        await guarded(() =>
          db.send(new UpdateCommand(action.Update as ConstructorParameters<typeof UpdateCommand>[0])),
        );
      }
    },

    /** A case of this LA; another LA's case is simply not found. */
    getCase: (laCode: string, id: string) => get<Case>(keys.caseItem(laCode, id)),
    /** A placement with its free text (kept in its own item). */
    async getPlacement(id: string): Promise<Placement | undefined> {
      const [p, text] = await Promise.all([
        get<Placement>(keys.placement(id)),
        get<Record<string, unknown>>(keys.text(`placement:${id}`)),
      ]);
      return p === undefined ? undefined : { ...p, ...(text ? textOf(text) : {}) };
    },

    /** Replaces a case conditioned on its version, with an audit event, in one transaction. */
    async updateCase(before: Case, after: Case, action: string, actor: Actor, at: string): Promise<void> {
      await transact(
        db,
        [
          {
            Put: {
              TableName: tableName,
              Item: caseItem(after),
              ConditionExpression: '#v = :v',
              ExpressionAttributeNames: { '#v': 'version' },
              ExpressionAttributeValues: { ':v': before.version },
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: auditItem(
                auditEvent(caseEntity(after.laCode, after.id), action, actor, at, before, after),
                after.version,
              ),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...counterActions(
            tableName,
            counterChange({ before: caseContribution(before), after: caseContribution(after) }),
          ),
        ],
        () =>
          new ConflictError(
            'case_changed',
            'The case was changed by someone else a moment ago; reload it and try again.',
          ),
      );
    },

    /**
     * Holds a place for a case in one TransactWriteItems, so no place is ever given twice and no
     * case holds two:
     *   listing   ── available ≥ 1 (and free by today): take it, one more held, new version
     *   placement ── new
     *   case      ── still open at the version read: becomes allocated
     *   audit     ── the allocation, after the case's new version
     *   idempotency record ── the response, so a retry with the same key returns it
     */
    async allocate(args: {
      setting: Setting;
      listing: Listing;
      placement: Placement;
      before: Case;
      after: Case;
      actor: Actor;
      at: string;
      today: string;
      idempotency?: { key: string; fingerprint: string; response: unknown };
      clientRequestToken: string;
    }): Promise<Listing> {
      const { setting, listing, placement, before, after, actor, at, today } = args;
      const block = placement.blockPartnershipId !== undefined;
      const items: TransactItem[] = [
        {
          Update: {
            TableName: tableName,
            Key: keys.listing(setting.urn, listing.listingId),
            // A member's place comes out of the partnership's block while it lasts; anyone else's
            // (and a member's once the block is used) out of the unreserved places.
            UpdateExpression: `SET available = available - :one, held = held + :one, ${block ? 'reservedUsed = reservedUsed + :one' : 'unreserved = unreserved - :one'}, version = version + :one, updatedAt = :at`,
            ConditionExpression: [
              'available >= :one AND availableFrom <= :today',
              block ? 'reservedFor.partnershipId = :pid AND reservedUsed < :places' : 'unreserved >= :one',
              // The counters move under the band and needs read: they must not have changed.
              'band = :band AND needs = :needs',
            ].join(' AND '),
            ExpressionAttributeValues: {
              ':one': 1,
              ':today': today,
              ':at': at,
              ':band': listing.band,
              ':needs': listing.needs,
              ...(block ? { ':pid': placement.blockPartnershipId, ':places': listing.reservedFor?.places ?? 0 } : {}),
            },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: placementItem(placement),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: caseItem(after),
            ConditionExpression: '#state = :open AND #v = :v',
            ExpressionAttributeNames: { '#state': 'state', '#v': 'version' },
            ExpressionAttributeValues: { ':open': 'open', ':v': before.version },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: auditItem(
              auditEvent(caseEntity(after.laCode, after.id), 'case.allocated', actor, at, before, {
                case: after,
                placement,
              }),
              after.version,
            ),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
      if (args.idempotency !== undefined) {
        items.push({
          Put: {
            TableName: tableName,
            Item: {
              ...keys.idempotency(actor.org, args.idempotency.key),
              itemType: 'idempotency',
              // What the key was used for: the same key for another case is refused, never answered with this.
              fingerprint: args.idempotency.fingerprint,
              response: args.idempotency.response,
              at,
              expiresAt: idempotencyExpiry(at),
            },
            // A record past its time (TTL deletion lags by up to two days) no longer holds the key.
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
            ExpressionAttributeValues: { ':now': Math.floor(Date.parse(at) / 1000) },
          },
        });
      }
      // A case with a place waits nowhere: the stream consumer removes its queue entries (its
      // new version no longer lists them), so the transaction stays small on a contended listing.
      const heldListing = { ...listing, available: listing.available - 1, held: listing.held + 1 };
      items.push(
        ...counterActions(
          tableName,
          counterChange(
            {
              before: listingContribution(setting.laCode, listing),
              after: listingContribution(setting.laCode, heldListing),
            },
            { before: caseContribution(before), after: caseContribution(after) },
            { after: placementContribution(placement) },
          ),
        ),
      );
      // The client request token makes the SDK's own retry after a timeout safe: if the first
      // attempt committed, DynamoDB answers the retry with success instead of applying it twice.
      await transactOnce(
        db,
        items,
        (reasons) => {
          const failed = new Set(reasons.filter((r) => r.code === 'ConditionalCheckFailed').map((r) => r.index));
          if (failed.has(4)) return new IdempotentReplayError('replay');
          if (failed.has(2))
            return new CaseNotOpenError(
              'case_not_open',
              'The case is no longer open: it already holds a place or was changed a moment ago.',
            );
          if (failed.has(0)) return new PlaceTakenError('taken');
          return new ConflictError('allocation_conflict', 'The allocation could not be completed; try again.');
        },
        args.clientRequestToken,
      );
      const held: Listing = {
        ...listing,
        available: listing.available - 1,
        held: listing.held + 1,
        ...(block
          ? { reservedUsed: (listing.reservedUsed ?? 0) + 1 }
          : { unreserved: (listing.unreserved ?? listing.available) - 1 }),
        version: listing.version + 1,
        updatedAt: at,
      };
      // Its search entries follow from the stream (packages/api/src/stream).
      return held;
    },

    /** Cases of an LA, active ones (open, allocated, named) first, each group by opening time. */
    async listCases(
      laCode: string,
      options: { activeOnly?: boolean; state?: string; limit: number; cursor?: string },
    ): Promise<Page<Case>> {
      return gsi1Page<Case>({
        pk: keys.casesOfLa(laCode),
        ...(options.activeOnly ? { skPrefix: 'A#' } : {}),
        ...options,
      });
    },

    /**
     * How many of an LA's active cases are in a state (a count, read on the LA's own index
     * partition): allocation checks the places an LA holds but has not named against its cap.
     */
    async countActiveCases(laCode: string, state: string): Promise<number> {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi1',
              KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :active)',
              FilterExpression: '#state = :state',
              ExpressionAttributeNames: { '#state': 'state' },
              ExpressionAttributeValues: { ':pk': keys.casesOfLa(laCode), ':active': 'A#', ':state': state },
              Select: 'COUNT',
              ExclusiveStartKey: start,
            }),
          ),
        );
        count += res.Count ?? 0;
        start = res.LastEvaluatedKey;
      } while (start !== undefined);
      return count;
    },

    /** Cases by key, 100 a request (a batch round reads many). */
    async getCases(refs: { laCode: string; id: string }[]): Promise<Map<string, Case>> {
      const found = new Map<string, Case>();
      for (let i = 0; i < refs.length; i += 100) {
        let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
          [tableName]: { Keys: refs.slice(i, i + 100).map((r) => keys.caseItem(r.laCode, r.id)), ConsistentRead: true },
        };
        for (let attempt = 0; request !== undefined && Object.keys(request).length > 0; attempt++) {
          if (attempt > 8) throw new Error('DynamoDB kept keys unprocessed after 8 retries');
          if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
          const res = await guarded(() => db.send(new BatchGetCommand({ RequestItems: request })));
          for (const item of res.Responses?.[tableName] ?? [])
            found.set(`${item.laCode}#${item.id}`, stripLayout<Case>(item));
          request = res.UnprocessedKeys as typeof request;
        }
      }
      return found;
    },

    /** Placements addressed to a setting, newest first. */
    async listPlacements(
      urn: string,
      options: { state?: string; limit: number; cursor?: string },
    ): Promise<Page<Placement>> {
      return gsi1Page<Placement>({ pk: keys.placementsOfSetting(urn), newestFirst: true, ...options });
    },

    /** Backstop directions addressed to a trust's academies, newest first. */
    async listDirectionsOfTrust(
      trustId: string,
      options: { limit: number; cursor?: string },
    ): Promise<Page<Direction>> {
      return withDirectionTexts(
        await gsi1Page<Direction>({ pk: keys.directionsOfTrust(trustId), newestFirst: true, ...options }),
      );
    },

    /** Appeals lodged with the Schools Adjudicator (gsi2 pk=APPEALS), oldest first: the longest waiting first. */
    async listAppeals(options: { limit: number; cursor?: string }): Promise<Page<Direction>> {
      const start = decodeCursor(
        options.cursor,
        [['pk', 'sk', 'gsi2pk', 'gsi2sk']],
        (c) => c.gsi2pk === keys.appeals(),
      );
      const res = await guarded(() =>
        db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.appeals() },
            Limit: options.limit,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      return withDirectionTexts({
        items: (res.Items ?? []).map((i) => stripLayout<Direction>(i)),
        nextCursor: encodeCursor(res.LastEvaluatedKey as Cursor | undefined),
      });
    },

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
      await transact(
        db,
        [
          {
            Put: {
              TableName: tableName,
              Item: caseItem(after),
              ConditionExpression: '#state = :open AND #v = :v',
              ExpressionAttributeNames: { '#state': 'state', '#v': 'version' },
              ExpressionAttributeValues: { ':open': 'open', ':v': before.version },
            },
          },
          ...entries.map((e) => ({
            Put: {
              TableName: tableName,
              Item: { ...keys.waiting(e.urn, e.listingId, e.joinedAt, e.caseId), itemType: 'waiting', ...e },
            },
          })),
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
          ...counterActions(
            tableName,
            counterChange({ before: caseContribution(before), after: caseContribution(after) }),
          ),
        ],
        () =>
          new ConflictError(
            'case_changed',
            'The case was changed by someone else a moment ago; reload it and try again.',
          ),
      );
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
      // Members' places from the partnership's block (the caller marks at most what is left), the rest unreserved.
      const r = placements.filter((p) => p.placement.blockPartnershipId !== undefined).length;
      const items: TransactItem[] = [
        {
          Update: {
            TableName: tableName,
            Key: keys.listing(setting.urn, listingId),
            UpdateExpression:
              'SET available = available - :n, held = held + :n, unreserved = unreserved - :open, version = version + :one, updatedAt = :at' +
              (r > 0 ? ', reservedUsed = reservedUsed + :r' : ''),
            ConditionExpression:
              'available >= :n AND availableFrom <= :today AND unreserved >= :open AND band = :band AND needs = :needs' +
              (r > 0 ? ' AND reservedUsed <= :maxUsed' : ''),
            ExpressionAttributeValues: {
              ':n': n,
              ':open': n - r,
              ':one': 1,
              ':today': today,
              ':at': at,
              ':band': listing.band,
              ':needs': listing.needs,
              ...(r > 0 ? { ':r': r, ':maxUsed': (listing.reservedFor?.places ?? 0) - r } : {}),
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
      if (items.length > 100)
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

    /**
     * The stored record of an idempotency key, if the request was made in the last 24 hours: its
     * response and the fingerprint of the request it answered (the case id).
     */
    async idempotentRecord<T>(
      org: string,
      key: string,
      now: Date,
    ): Promise<{ response: T; fingerprint?: string } | undefined> {
      const item = await get<{ response: T; fingerprint?: string; expiresAt?: number }>(keys.idempotency(org, key));
      // TTL deletion lags; an expired record is treated as gone.
      if (item === undefined || (item.expiresAt !== undefined && item.expiresAt < now.getTime() / 1000))
        return undefined;
      return { response: item.response, ...(item.fingerprint !== undefined ? { fingerprint: item.fingerprint } : {}) };
    },
  };
}

export type CasesRepository = ReturnType<typeof casesRepository>;

/** A change of placement state, with whatever else moves with it, as one transaction. */
export interface PlacementTransition {
  placement: { before: Placement; after: Placement };
  /**
   * The case moves with every transition, if only to its next version: that orders its history
   * (the audit sequence) and stops two transitions of one case interleaving.
   */
  kase: { before: Case; after: Case };
  /** Places moving between held, available and filled on the placement's listing. */
  listing?: { held: number; available: number; filled: number };
  direction?: { before?: Direction; after: Direction };
  /** What else the audit event records with the transition (a mainstream refusal with the naming). */
  recorded?: Record<string, unknown>;
  action: string;
  actor: Actor;
  at: string;
  /** Recorded in the audit event beside the change (a redaction: which field, and why). */
  note?: Record<string, unknown>;
}

export function placementTransitions(db: DynamoDBDocumentClient, tableName: string) {
  return {
    async apply(t: PlacementTransition): Promise<void> {
      const { placement, kase, listing, direction, recorded, action, actor, at } = t;
      const versioned = (v: number) => ({
        ConditionExpression: '#v = :v',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': v },
      });
      const items: TransactItem[] = [
        { Put: { TableName: tableName, Item: placementItem(placement.after), ...versioned(placement.before.version) } },
      ];
      items.push({ Put: { TableName: tableName, Item: caseItem(kase.after), ...versioned(kase.before.version) } });
      let counted: CounterDeltas = [
        { before: caseContribution(kase.before), after: caseContribution(kase.after) },
        { before: placementContribution(placement.before), after: placementContribution(placement.after) },
      ];
      if (listing) {
        // Read for its band and needs (the counters move under them) and conditioned on them not changing.
        const current = await getListing(db, tableName, placement.after.urn, placement.after.listingId);
        if (current === undefined)
          throw new ConflictError('state_changed', 'The placement’s listing no longer exists.');
        const hostLa =
          placement.after.hostLaCode ?? (await settingWithListing(db, tableName, placement.after.urn))?.laCode ?? '';
        // A released place goes back to the partnership's block if it came from it; otherwise it is free to anyone.
        const block = placement.before.blockPartnershipId !== undefined;
        const unreservedSet =
          listing.available === 0
            ? ''
            : block
              ? ', reservedUsed = reservedUsed - :a'
              : ', unreserved = unreserved + :a';
        items.push({
          Update: {
            TableName: tableName,
            Key: keys.listing(placement.after.urn, placement.after.listingId),
            UpdateExpression: `SET held = held + :h, available = available + :a, filled = filled + :f, version = version + :one, updatedAt = :at${unreservedSet}`,
            // A release needs a held place to release; nothing ever goes below zero.
            ConditionExpression: 'held >= :needHeld AND band = :band AND needs = :needs',
            ExpressionAttributeValues: {
              ':h': listing.held,
              ':a': listing.available,
              ':f': listing.filled,
              ':one': 1,
              ':at': at,
              ':needHeld': listing.held < 0 ? -listing.held : 0,
              ':band': current.band,
              ':needs': current.needs,
            },
          },
        });
        const moved = {
          ...current,
          held: current.held + listing.held,
          available: current.available + listing.available,
          filled: current.filled + listing.filled,
        };
        counted = [
          ...counted,
          { before: listingContribution(hostLa, current), after: listingContribution(hostLa, moved) },
        ];
      }
      items.push(...textPut(tableName, `placement:${placement.after.id}`, placement.before, placement.after));
      if (direction) {
        items.push(...textPut(tableName, `direction:${direction.after.id}`, direction.before, direction.after));
        const item = {
          ...keys.direction(direction.after.id),
          ...keys.directionIndexes(direction.after),
          itemType: 'direction',
          ...withoutText(direction.after),
        };
        items.push({
          Put: {
            TableName: tableName,
            Item: item,
            ...(direction.before
              ? versioned(direction.before.version)
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        });
      }
      const subject = caseEntity(kase.after.laCode, kase.after.id);
      const sequence = kase.after.version;
      items.push({
        Put: {
          TableName: tableName,
          Item: auditItem(
            auditEvent(
              subject,
              action,
              actor,
              at,
              {
                placement: withoutText(placement.before),
                ...(direction?.before ? { direction: withoutText(direction.before) } : {}),
              },
              {
                placement: withoutText(placement.after),
                ...(direction ? { direction: withoutText(direction.after) } : {}),
                ...(t.note ? { note: t.note } : {}),
                // A refusal's evidence is free text: it stays on the case (where it can be redacted), not in the audit event.
                ...(recorded?.mainstreamRefusal
                  ? { mainstreamRefusal: withoutEvidence(recorded.mainstreamRefusal as Record<string, unknown>) }
                  : {}),
              },
            ),
            sequence,
          ),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
      items.push(...counterActions(tableName, counterChange(...counted)));
      await transact(
        db,
        items,
        () =>
          new ConflictError('state_changed', 'The placement or case changed a moment ago; reload it and try again.'),
      );
      // A listing whose places moved gets its search entries and offers from the stream.
    },
    getDirection: async (id: string) => {
      const [res, text] = await Promise.all([
        guarded(() => db.send(new GetCommand({ TableName: tableName, Key: keys.direction(id), ConsistentRead: true }))),
        guarded(() =>
          db.send(new GetCommand({ TableName: tableName, Key: keys.text(`direction:${id}`), ConsistentRead: true })),
        ),
      ]);
      return res.Item === undefined
        ? undefined
        : { ...stripLayout<Direction>(res.Item), ...(text.Item ? textOf(text.Item) : {}) };
    },
  };
}

type CounterDeltas = Parameters<typeof counterChange>;

async function getListing(
  db: DynamoDBDocumentClient,
  tableName: string,
  urn: string,
  listingId: string,
): Promise<Listing | undefined> {
  const res = await guarded(() =>
    db.send(new GetCommand({ TableName: tableName, Key: keys.listing(urn, listingId), ConsistentRead: true })),
  );
  return res.Item === undefined ? undefined : stripLayout<Listing>(res.Item);
}

function settingWithListing(db: DynamoDBDocumentClient, tableName: string, urn: string) {
  return settingsRepository(db, tableName).getSetting(urn, { consistent: true });
}
