import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  ConflictError,
  listingEntity,
  PreconditionFailedError,
  reservationEntity,
  type Actor,
  type Listing,
  type Reservation,
  type Setting,
} from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { transact, type CancelReason, type TransactItem } from '../transaction.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { guarded } from '../errors.ts';
import type { Page } from '../page.ts';
import { auditEvent, auditItem } from './audit.ts';
import { REDACTED } from './case-items.ts';
import { listingItem } from './listings.ts';

/** The listing changed under the acceptance: the caller reads it again and retries. */
export class ListingMovedError extends PreconditionFailedError {}

/** The free text of a decline, apart from the reservation and its audit events (redactable). */
function withoutReason(r: Reservation): Reservation {
  const { declineReason: _d, ...rest } = r;
  return rest;
}

function reservationItem(r: Reservation): Record<string, unknown> {
  return { ...keys.reservation(r.id), ...keys.reservationIndexes(r), itemType: 'reservation', ...withoutReason(r) };
}

/**
 * Reservations of block places. Every step is one transaction: the reservation (conditioned on
 * the state it was read in), its audit event, and on acceptance or withdrawal of a block the
 * listing itself (conditioned on its version), so a block takes effect exactly when the
 * partnership's acceptance is recorded, and never half.
 */
export function reservationsRepository(db: DynamoDBDocumentClient, tableName: string) {
  const reservationPut = (r: Reservation, expected?: Reservation): TransactItem => ({
    Put: {
      TableName: tableName,
      Item: reservationItem(r),
      ...(expected === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#state = :state AND #version = :version',
            ExpressionAttributeNames: { '#state': 'state', '#version': 'version' },
            ExpressionAttributeValues: { ':state': expected.state, ':version': expected.version },
          }),
    },
  });
  const reservationAudit = (
    action: string,
    actor: Actor,
    at: string,
    before: Reservation | undefined,
    after: Reservation,
  ) =>
    ({
      Put: {
        TableName: tableName,
        Item: auditItem(
          auditEvent(
            reservationEntity(after.id),
            action,
            actor,
            at,
            before && withoutReason(before),
            withoutReason(after),
          ),
          after.version,
        ),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }) satisfies TransactItem;
  const listingPut = (
    setting: Setting,
    before: Listing,
    after: Listing,
    action: string,
    actor: Actor,
  ): TransactItem[] => [
    {
      Put: {
        TableName: tableName,
        Item: listingItem(setting, after),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': before.version },
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: auditItem(
          auditEvent(listingEntity(setting.urn, after.listingId), action, actor, after.updatedAt, before, after),
          after.version,
        ),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
  const releaseOpen = (r: Reservation): TransactItem => ({
    Delete: { TableName: tableName, Key: keys.openOffer(r.urn, r.listingId) },
  });
  const textPut = (r: Reservation): TransactItem[] =>
    r.declineReason === undefined
      ? []
      : [
          {
            Put: {
              TableName: tableName,
              Item: {
                ...keys.text(reservationEntity(r.id)),
                itemType: 'text',
                entity: reservationEntity(r.id),
                declineReason: r.declineReason,
              },
            },
          },
        ];

  /** Which condition failed, as the error a person can act on. */
  const answerFailed =
    (r: Reservation, listingIndex?: number) =>
    (reasons: CancelReason[]): Error => {
      const failed = reasons.filter((x) => x.code === 'ConditionalCheckFailed').map((x) => x.index);
      if (listingIndex !== undefined && failed.includes(listingIndex))
        return new ListingMovedError(`Listing ${r.listingId} changed while the reservation was being recorded.`, null);
      if (failed.includes(0))
        return new ConflictError(
          'reservation_changed',
          `Reservation ${r.id} was answered or withdrawn a moment ago; read it again.`,
        );
      return new ConflictError('reservation_changed', `Reservation ${r.id} could not be recorded; read it again.`);
    };

  async function get(id: string): Promise<Reservation | undefined> {
    const res = await guarded(() =>
      db.send(new GetCommand({ TableName: tableName, Key: keys.reservation(id), ConsistentRead: true })),
    );
    if (res.Item === undefined) return undefined;
    const r = stripLayout<Reservation>(res.Item);
    const text = await guarded(() =>
      db.send(new GetCommand({ TableName: tableName, Key: keys.text(reservationEntity(id)), ConsistentRead: true })),
    );
    return typeof text.Item?.declineReason === 'string' ? { ...r, declineReason: text.Item.declineReason } : r;
  }

  async function page(index: 'gsi1' | 'gsi2', pk: string, limit: number, cursor?: string): Promise<Page<Reservation>> {
    const [pkName, skName] = index === 'gsi1' ? ['gsi1pk', 'gsi1sk'] : ['gsi2pk', 'gsi2sk'];
    const start = decodeCursor(cursor, [['pk', 'sk', pkName, skName]], (c) => c[pkName] === pk);
    const res = await guarded(() =>
      db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': pkName },
          ExpressionAttributeValues: { ':pk': pk },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: start,
        }),
      ),
    );
    return {
      items: (res.Items ?? []).map((i) => stripLayout<Reservation>(i)),
      nextCursor: encodeCursor(res.LastEvaluatedKey as Record<string, string> | undefined),
    };
  }

  return {
    get,
    ofProvider: (providerId: string, limit: number, cursor?: string) =>
      page('gsi1', keys.reservationsOfProvider(providerId), limit, cursor),
    ofPartnership: (partnershipId: string, limit: number, cursor?: string) =>
      page('gsi2', keys.reservationsOfPartnership(partnershipId), limit, cursor),

    /** Records an offer; refused while the listing has another offer awaiting its answer. */
    async offer(r: Reservation, actor: Actor): Promise<void> {
      await transact(
        db,
        [
          {
            Put: {
              TableName: tableName,
              Item: { ...keys.openOffer(r.urn, r.listingId), itemType: 'reservation_open', reservationId: r.id },
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          reservationPut(r),
          reservationAudit('reservation.offered', actor, r.offeredAt, undefined, r),
        ],
        (reasons) => {
          const open = reasons[0]?.item?.reservationId;
          return new ConflictError(
            'offer_awaiting_answer',
            `Listing ${r.listingId} already has an offer of block places awaiting the partnership's answer${open ? ` (reservation ${open})` : ''}; withdraw it (POST /reservations/${open ?? '{id}'}/withdrawal) before offering again.`,
          );
        },
      );
    },

    /**
     * The acceptance and the block in one transaction: the reservation still offered, the
     * listing still at the version the block was built from, any block it replaces marked
     * superseded. ListingMovedError when the listing moved (the caller rebuilds and retries).
     */
    async accept(
      before: Reservation,
      after: Reservation,
      setting: Setting,
      listing: { before: Listing; after: Listing },
      superseded: { before: Reservation; after: Reservation } | undefined,
      actor: Actor,
    ): Promise<void> {
      const items: TransactItem[] = [
        reservationPut(after, before),
        ...listingPut(setting, listing.before, listing.after, 'listing.block_accepted', actor),
        reservationAudit('reservation.accepted', actor, after.answeredAt!, before, after),
        releaseOpen(after),
      ];
      if (superseded !== undefined)
        items.push(
          reservationPut(superseded.after, superseded.before),
          reservationAudit(
            'reservation.superseded',
            actor,
            superseded.after.endedAt!,
            superseded.before,
            superseded.after,
          ),
        );
      await transact(db, items, answerFailed(after, 1));
    },

    /** A decline (its reason, if any, in its own text item) or a withdrawn offer: the listing is untouched. */
    async close(before: Reservation, after: Reservation, action: string, actor: Actor): Promise<void> {
      await transact(
        db,
        [
          reservationPut(after, before),
          reservationAudit(action, actor, after.answeredAt ?? after.endedAt!, before, after),
          releaseOpen(after),
          ...textPut(after),
        ],
        answerFailed(after),
      );
    },

    /**
     * The partnership erases its decline reason: the text item becomes "[redacted]" (it must still
     * be there), and the reservation's audit trail records who, when and why, never the text. The
     * reservation's version moves on, so two redactions at once record one.
     */
    async redactDeclineReason(
      before: Reservation,
      after: Reservation,
      actor: Actor,
      at: string,
      reason: string,
    ): Promise<void> {
      const event = {
        ...auditEvent(reservationEntity(after.id), 'reservation.text_redacted', actor, at),
        note: { redacted: 'declineReason', reason },
      };
      await transact(
        db,
        [
          reservationPut(withoutReason(after), before),
          {
            Put: {
              TableName: tableName,
              Item: auditItem(event, after.version),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: tableName,
              Key: keys.text(reservationEntity(after.id)),
              UpdateExpression: 'SET declineReason = :redacted',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':redacted': REDACTED },
            },
          },
        ],
        answerFailed(after),
      );
    },

    /** A withdrawn block: the listing loses it in the same transaction (conditioned on its version). */
    async withdrawBlock(
      before: Reservation,
      after: Reservation,
      setting: Setting,
      listing: { before: Listing; after: Listing },
      actor: Actor,
    ): Promise<void> {
      await transact(
        db,
        [
          reservationPut(after, before),
          ...listingPut(setting, listing.before, listing.after, 'listing.block_withdrawn', actor),
          reservationAudit('reservation.withdrawn', actor, after.endedAt!, before, after),
        ],
        answerFailed(after, 1),
      );
    },
  };
}

export type ReservationsRepository = ReturnType<typeof reservationsRepository>;
