import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, type Actor, type Case, type Direction, type Listing, type Placement, type Setting } from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { guarded } from '../errors.ts';
import { transact, type TransactItem } from '../transaction.ts';
import { auditEvent, auditItem } from './listings.ts';
import { searchRepository } from './search.ts';
import { settingsRepository } from './settings.ts';

/** Why an allocation's transaction was refused, from its positional cancellation reasons. */
export class PlaceTakenError extends Error {}
export class CaseNotOpenError extends ConflictError {}
export class IdempotentReplayError extends Error {}

export const caseEntity = (laCode: string, id: string) => `case:${laCode}:${id}`;


function caseItem(c: Case): Record<string, unknown> {
  return { ...keys.caseItem(c.laCode, c.id), itemType: 'case', ...c };
}

function placementItem(p: Placement): Record<string, unknown> {
  return { ...keys.placement(p.id), ...keys.placementIndexes(p), itemType: 'placement', ...p };
}

/** A second request with the same token but other contents is a concurrent replay of one key. */
async function transactOnce(...args: Parameters<typeof transact>): Promise<void> {
  try {
    await transact(...args);
  } catch (error) {
    if ((error as { name?: string }).name === 'IdempotentParameterMismatchException') throw new IdempotentReplayError('replay');
    throw error;
  }
}

export function casesRepository(db: DynamoDBDocumentClient, tableName: string) {
  const search = searchRepository(db, tableName);
  const get = async <T>(key: { pk: string; sk: string }, consistent = true): Promise<T | undefined> => {
    const res = await guarded(() => db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: consistent })));
    return res.Item === undefined ? undefined : stripLayout<T>(res.Item);
  };

  return {
    /** Opens a case with its first audit event; the LA's key comes from the caller's token. */
    async createCase(c: Case, actor: Actor): Promise<void> {
      await transact(
        db,
        [
          { Put: { TableName: tableName, Item: caseItem(c), ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: tableName, Item: auditItem(auditEvent(caseEntity(c.laCode, c.id), 'case.opened', actor, c.openedAt, undefined, c), c.version), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
        () => new ConflictError('case_exists', 'A case with this id exists already; try again.'),
      );
    },

    /** A case of this LA; another LA's case is simply not found. */
    getCase: (laCode: string, id: string) => get<Case>(keys.caseItem(laCode, id)),
    getPlacement: (id: string) => get<Placement>(keys.placement(id)),

    /** Replaces a case conditioned on its version, with an audit event, in one transaction. */
    async updateCase(before: Case, after: Case, action: string, actor: Actor, at: string): Promise<void> {
      await transact(
        db,
        [
          { Put: { TableName: tableName, Item: caseItem(after), ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': before.version } } },
          { Put: { TableName: tableName, Item: auditItem(auditEvent(caseEntity(after.laCode, after.id), action, actor, at, before, after), after.version), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
        () => new ConflictError('case_changed', 'The case was changed by someone else a moment ago; reload it and try again.'),
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
    async allocate(args: { setting: Setting; listing: Listing; placement: Placement; before: Case; after: Case; actor: Actor; at: string; today: string; idempotency?: { key: string; response: unknown }; clientRequestToken: string }): Promise<Listing> {
      const { setting, listing, placement, before, after, actor, at, today } = args;
      const items: TransactItem[] = [
        {
          Update: {
            TableName: tableName,
            Key: keys.listing(setting.urn, listing.listingId),
            UpdateExpression: 'SET available = available - :one, held = held + :one, version = version + :one, updatedAt = :at',
            ConditionExpression: 'available >= :one AND availableFrom <= :today',
            ExpressionAttributeValues: { ':one': 1, ':today': today, ':at': at },
          },
        },
        { Put: { TableName: tableName, Item: placementItem(placement), ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: tableName, Item: caseItem(after), ConditionExpression: '#state = :open AND #v = :v', ExpressionAttributeNames: { '#state': 'state', '#v': 'version' }, ExpressionAttributeValues: { ':open': 'open', ':v': before.version } } },
        { Put: { TableName: tableName, Item: auditItem(auditEvent(caseEntity(after.laCode, after.id), 'case.allocated', actor, at, before, { case: after, placement }), after.version), ConditionExpression: 'attribute_not_exists(pk)' } },
      ];
      if (args.idempotency !== undefined) {
        items.push({ Put: { TableName: tableName, Item: { ...keys.idempotency(actor.org, args.idempotency.key), itemType: 'idempotency', response: args.idempotency.response, at }, ConditionExpression: 'attribute_not_exists(pk)' } });
      }
      // The client request token makes the SDK's own retry after a timeout safe: if the first
      // attempt committed, DynamoDB answers the retry with success instead of applying it twice.
      await transactOnce(
        db,
        items,
        (reasons) => {
          const failed = new Set(reasons.filter((r) => r.code === 'ConditionalCheckFailed').map((r) => r.index));
          if (failed.has(4)) return new IdempotentReplayError('replay');
          if (failed.has(2)) return new CaseNotOpenError('case_not_open', 'The case is no longer open: it already holds a place or was changed a moment ago.');
          if (failed.has(0)) return new PlaceTakenError('taken');
          return new ConflictError('allocation_conflict', 'The allocation could not be completed; try again.');
        },
        args.clientRequestToken,
      );
      const held: Listing = { ...listing, available: listing.available - 1, held: listing.held + 1, version: listing.version + 1, updatedAt: at };
      await search.project(setting, held, listing);
      return held;
    },

    /** The stored response for an idempotency key, if the request was made before. */
    async idempotentResponse<T>(org: string, key: string): Promise<T | undefined> {
      const item = await get<{ response: T }>(keys.idempotency(org, key));
      return item?.response;
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
  action: string;
  actor: Actor;
  at: string;
}

export function placementTransitions(db: DynamoDBDocumentClient, tableName: string) {
  const search = searchRepository(db, tableName);
  return {
    async apply(t: PlacementTransition): Promise<void> {
      const { placement, kase, listing, direction, action, actor, at } = t;
      const versioned = (v: number) => ({ ConditionExpression: '#v = :v', ExpressionAttributeNames: { '#v': 'version' }, ExpressionAttributeValues: { ':v': v } });
      const items: TransactItem[] = [{ Put: { TableName: tableName, Item: placementItem(placement.after), ...versioned(placement.before.version) } }];
      items.push({ Put: { TableName: tableName, Item: caseItem(kase.after), ...versioned(kase.before.version) } });
      if (listing) {
        items.push({
          Update: {
            TableName: tableName,
            Key: keys.listing(placement.after.urn, placement.after.listingId),
            UpdateExpression: 'SET held = held + :h, available = available + :a, filled = filled + :f, version = version + :one, updatedAt = :at',
            // A release needs a held place to release; nothing ever goes below zero.
            ConditionExpression: 'held >= :needHeld',
            ExpressionAttributeValues: { ':h': listing.held, ':a': listing.available, ':f': listing.filled, ':one': 1, ':at': at, ':needHeld': listing.held < 0 ? -listing.held : 0 },
          },
        });
      }
      if (direction) {
        const item = { ...keys.direction(direction.after.id), itemType: 'direction', ...direction.after };
        items.push({ Put: { TableName: tableName, Item: item, ...(direction.before ? versioned(direction.before.version) : { ConditionExpression: 'attribute_not_exists(pk)' }) } });
      }
      const subject = caseEntity(kase.after.laCode, kase.after.id);
      const sequence = kase.after.version;
      items.push({ Put: { TableName: tableName, Item: auditItem(auditEvent(subject, action, actor, at, { placement: placement.before, ...(direction?.before ? { direction: direction.before } : {}) }, { placement: placement.after, ...(direction ? { direction: direction.after } : {}) }), sequence), ConditionExpression: 'attribute_not_exists(pk)' } });
      await transact(db, items, () => new ConflictError('state_changed', 'The placement or case changed a moment ago; reload it and try again.'));
      if (listing) {
        const setting = await settingWithListing(db, tableName, placement.after.urn);
        const l = setting?.listings.find((x) => x.listingId === placement.after.listingId);
        if (setting && l) await search.project(setting, l);
      }
    },
    getDirection: async (id: string) => {
      const res = await guarded(() => db.send(new GetCommand({ TableName: tableName, Key: keys.direction(id), ConsistentRead: true })));
      return res.Item === undefined ? undefined : stripLayout<Direction>(res.Item);
    },
  };
}

function settingWithListing(db: DynamoDBDocumentClient, tableName: string, urn: string) {
  return settingsRepository(db, tableName).getSetting(urn, { consistent: true });
}
