import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, type Cursor } from '../cursor.ts';
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
import type { Page } from '../page.ts';
import { guarded } from '../errors.ts';
import { transact, type TransactItem } from '../transaction.ts';
import { auditEvent, auditItem } from './audit.ts';
import { counterActions } from './aggregates.ts';
import { settingsRepository } from './settings.ts';
import {
  caseEntity,
  caseItem,
  CaseNotOpenError,
  placementItem,
  textOf,
  textPut,
  withoutEvidence,
  withoutText,
} from './case-items.ts';
import { getItem, gsi1Pages } from './gsi1-page.ts';
import { IdempotentReplayError, idempotencyPut, transactOnce } from './idempotency.ts';

/** Why an allocation's transaction was refused, from its positional cancellation reasons. */
export class PlaceTakenError extends Error {}

/** Placements: allocation (which holds the place) and reads; state changes are placementTransitions. */
export function placementsRepository(db: DynamoDBDocumentClient, tableName: string) {
  const get = getItem(db, tableName);
  const gsi1Page = gsi1Pages(db, tableName);
  return {
    /** A placement with its free text (kept in its own item). */
    async getPlacement(id: string): Promise<Placement | undefined> {
      const [p, text] = await Promise.all([
        get<Placement>(keys.placement(id)),
        get<Record<string, unknown>>(keys.text(`placement:${id}`)),
      ]);
      return p === undefined ? undefined : { ...p, ...(text ? textOf(text) : {}) };
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
            // (and a member's once the block is used) out of the availableToAll places.
            UpdateExpression: `SET available = available - :one, held = held + :one, ${block ? 'blockUsed = blockUsed + :one' : 'availableToAll = availableToAll - :one'}, version = version + :one, updatedAt = :at`,
            ConditionExpression: [
              'available >= :one AND availableFrom <= :today',
              // The block as read: one resized since (a smaller block accepted) must be read again.
              block
                ? 'blockFor.partnershipId = :pid AND blockFor.places = :places AND blockUsed < :places'
                : 'availableToAll >= :one',
              // The counters move under the band and needs read: they must not have changed.
              'band = :band AND needs = :needs',
            ].join(' AND '),
            ExpressionAttributeValues: {
              ':one': 1,
              ':today': today,
              ':at': at,
              ':band': listing.band,
              ':needs': listing.needs,
              ...(block ? { ':pid': placement.blockPartnershipId, ':places': listing.blockFor?.places ?? 0 } : {}),
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
      if (args.idempotency !== undefined) items.push(idempotencyPut(tableName, actor.org, args.idempotency, at));
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
          ? { blockUsed: (listing.blockUsed ?? 0) + 1 }
          : { availableToAll: (listing.availableToAll ?? listing.available) - 1 }),
        version: listing.version + 1,
        updatedAt: at,
      };
      // Its search entries follow from the stream (packages/api/src/stream).
      return held;
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
}

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
        const hostLaCode =
          placement.after.hostLaCode ?? (await settingWithListing(db, tableName, placement.after.urn))?.laCode ?? '';
        // A released place goes back to the partnership's block if it came from it; otherwise it is free to anyone.
        const block = placement.before.blockPartnershipId !== undefined;
        const unreservedSet =
          listing.available === 0
            ? ''
            : block
              ? ', blockUsed = blockUsed - :a'
              : ', availableToAll = availableToAll + :a';
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
          { before: listingContribution(hostLaCode, current), after: listingContribution(hostLaCode, moved) },
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
