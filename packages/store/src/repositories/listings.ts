import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  ConflictError,
  counterChange,
  listingContribution,
  placesAvailableToAll,
  searchSettingOf,
  PreconditionFailedError,
  listingEntity,
  type Actor,
  type Listing,
  type Setting,
} from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { MAX_TRANSACTION_ACTIONS, transact, type TransactItem } from '../transaction.ts';
import { counterActions } from './aggregates.ts';
import { auditEvent, auditEvents, auditItem } from './audit.ts';

/** One listing write: the new listing and, when it replaces one, the listing it was read as. */
export interface ListingChange {
  listing: Listing;
  before?: Listing;
}

/**
 * TransactWriteItems holds 100 actions; each change is a listing and its audit event, and the
 * regional counters of the bands and needs they touch take the rest.
 */
export const MAX_CHANGES_PER_TRANSACTION = 30;

/** The stored listing; its availableToAll places are derived here, so no writer can leave them stale. */
export function listingItem(setting: Setting, listing: Listing): Record<string, unknown> {
  return {
    ...keys.listing(setting.urn, listing.listingId),
    ...keys.settingIndexes(setting, listing.listingId),
    itemType: 'listing',
    ...listing,
    availableToAll: placesAvailableToAll(listing),
    searchSetting: searchSettingOf(setting),
  };
}

/**
 * The listing's put, conditioned so no edit is lost:
 *   create  ── attribute_not_exists(pk): nobody created it in between
 *   replace ── version = the version the change was built from: nobody saved in between
 * and its audit event, which can never overwrite another.
 */
function changeActions(tableName: string, setting: Setting, change: ListingChange, actor: Actor): TransactItem[] {
  const { listing, before } = change;
  const condition =
    before === undefined
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': before.version },
        };
  const event = auditEvent(
    listingEntity(setting.urn, listing.listingId),
    before === undefined ? 'listing.created' : 'listing.replaced',
    actor,
    listing.updatedAt,
    before,
    listing,
  );
  return [
    {
      Put: {
        TableName: tableName,
        Item: listingItem(setting, listing),
        ...condition,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: auditItem(event, listing.version),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

/**
 * The setting is still as this write read it: the listing copies its LA, type, provider and
 * search fields, so one written after an import moved the setting would keep the old LA's keys
 * (the import re-keys only the listings it found). A create has no version to check; this does it.
 */
function settingAsRead(tableName: string, setting: Setting): TransactItem {
  // phase named even when absent (searchSettingOf leaves it out then): it must still be absent.
  const fields = Object.entries({ ...searchSettingOf(setting), phase: setting.phase, providerId: setting.providerId });
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const equal = fields.map(([field, value], i) => {
    names[`#f${i}`] = field;
    if (value === undefined) return `attribute_not_exists(#f${i})`;
    values[`:v${i}`] = value;
    return `#f${i} = :v${i}`;
  });
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.setting(setting.urn),
      ConditionExpression: equal.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

export function listingsRepository(db: DynamoDBDocumentClient, tableName: string) {
  /**
   * Writes the changes and their audit events in one transaction: all of them, or none. Then
   * the table's stream brings the search index up to date; like any index it may lag a moment, and a booking always
   * checks the listing itself.
   */
  async function write(setting: Setting, changes: ListingChange[], actor: Actor): Promise<void> {
    if (changes.length === 0) return;
    if (changes.length > MAX_CHANGES_PER_TRANSACTION) {
      throw new ConflictError(
        'too_many_changes',
        `At most ${MAX_CHANGES_PER_TRANSACTION} listings of one setting can change in one request.`,
      );
    }
    // The host LA's capacity counters move by the difference, in the same transaction.
    const counters = counterChange(
      ...changes.map((c) => ({
        ...(c.before ? { before: listingContribution(setting.laCode, c.before) } : {}),
        after: listingContribution(setting.laCode, c.listing),
      })),
    );
    // +1: the check that the setting is still as read (settingAsRead).
    if (changes.length * 2 + counters.length + 1 > MAX_TRANSACTION_ACTIONS) {
      throw new ConflictError(
        'too_many_changes',
        `These changes touch ${counters.length} band and need totals; change fewer listings of this setting at once.`,
      );
    }
    await transact(
      db,
      [
        ...changes.flatMap((c) => changeActions(tableName, setting, c, actor)),
        ...counterActions(tableName, counters),
        settingAsRead(tableName, setting),
      ],
      (reasons) => {
        const settingIndex = changes.length * 2 + counters.length;
        if (reasons.some((r) => r.code === 'ConditionalCheckFailed' && r.index === settingIndex)) {
          return new PreconditionFailedError(
            `The setting ${setting.urn} changed (an import) since it was read for this change; nothing was saved. Reload and apply your change again.`,
            null,
          );
        }
        const stale = reasons
          .filter((r) => r.code === 'ConditionalCheckFailed' && r.index % 2 === 0)
          .map((r) => {
            const change = changes[r.index / 2]!;
            const current = r.item === undefined ? undefined : stripLayout<Listing>(r.item);
            return {
              listingId: change.listing.listingId,
              expectedVersion: change.before?.version ?? null,
              current: current ?? null,
            };
          });
        const only = stale.length === 1 ? stale[0]! : undefined;
        const message =
          only === undefined
            ? `${stale.length} listings were changed by someone else since they were read; nothing was saved. Reload them and apply your changes again.`
            : only.current === null
              ? `Listing ${only.listingId} no longer exists; nothing was saved.`
              : only.expectedVersion === null
                ? `Listing ${only.listingId} was created by someone else a moment ago (version ${(only.current as Listing).version}); nothing was saved. Send If-Match with that version to replace it.`
                : `Listing ${only.listingId} is at version ${(only.current as Listing).version}, not ${only.expectedVersion}: someone else saved it since you read it. Nothing was saved; reload and apply your change again.`;
        return new PreconditionFailedError(message, only ? only.current : stale);
      },
    );
    // Search entries follow from the table's stream once this commits (packages/api/src/stream).
  }

  return {
    /** Creates or replaces one listing (with its audit event), or throws PreconditionFailedError. */
    putListing: (setting: Setting, change: ListingChange, actor: Actor) => write(setting, [change], actor),
    /** All-or-nothing for one setting: every change lands with its audit event, or none does. */
    putListings: write,

    /** An entity's audit events, oldest first (the audit trail, audit.ts). */
    auditEvents: auditEvents(db, tableName),
  };
}

export type ListingsRepository = ReturnType<typeof listingsRepository>;
