import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  SETTING_TYPES,
  searchSettingOf,
  type Listing,
  type Setting,
  type SettingType,
  type SettingWithListings,
} from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { guarded } from '../errors.ts';
import { batchGet, batchPut, partitionItems } from '../batch.ts';
import { settingItems } from '../loader.ts';
import { NO_REGION } from './search.ts';
import type { Page } from '../page.ts';

/** One partition of an index to read in order; a listing of all settings walks several. */
interface Segment {
  indexName: 'gsi1' | 'gsi2' | 'gsi3';
  pk: string;
  skPrefix: string;
}

const READ_BATCH = 100;

export interface SettingsFilter {
  laCode?: string;
  type?: SettingType;
  /** One provider's settings (a trust's academies, or a single school's own). */
  provider?: string;
}

export function settingsRepository(db: DynamoDBDocumentClient, tableName: string) {
  /** The stored heads (no listings) of these settings, by URN, 100 keys a request. */
  async function heads(urns: string[]): Promise<Map<string, Setting>> {
    const items = await batchGet(
      db,
      tableName,
      urns.map((u) => keys.setting(u)),
    );
    return new Map(items.map((item) => [item.urn as string, stripLayout<Setting>(item)]));
  }

  function segmentsFor(filter: SettingsFilter): Segment[] {
    if (filter.provider !== undefined)
      return [{ indexName: 'gsi3', pk: `PROVIDER#${filter.provider}`, skPrefix: 'SETTING#' }];
    if (filter.laCode !== undefined) {
      return [{ indexName: 'gsi1', pk: `LA#${filter.laCode}`, skPrefix: keys.laSettingsPrefix(filter.type) }];
    }
    const types = filter.type === undefined ? SETTING_TYPES : [filter.type];
    return types.map((t) => ({ indexName: 'gsi2' as const, pk: `TYPE#${t}`, skPrefix: 'SETTING#' }));
  }

  return {
    /**
     * Creates or updates settings (an import), keeping their listings. An updated setting's
     * listings carry its LA, type and provider in their index keys, and a copy of it as search
     * shows it (`searchSetting`, from which the stream projects their search entries): where
     * either changed, only those are set, and the listing's version moved on, each update
     * conditioned on the listing still being there. So a place booked meanwhile is never written
     * back (a listing rewritten whole from an earlier read would undo the booking), and the
     * listing's stream record brings its search entries up to date.
     */
    async putSettings(settings: Setting[]): Promise<{ created: number; updated: number }> {
      const existing = await heads(settings.map((s) => s.urn));
      await batchPut(
        db,
        tableName,
        // No listings, so no search entries: no region needed.
        settings.flatMap((s) => settingItems({ ...s, listings: [] }, NO_REGION)),
      );
      const changed = settings.filter((s) => {
        const e = existing.get(s.urn);
        return (
          e !== undefined &&
          (e.laCode !== s.laCode ||
            e.type !== s.type ||
            e.providerId !== s.providerId ||
            JSON.stringify(searchSettingOf(e)) !== JSON.stringify(searchSettingOf(s)))
        );
      });
      for (const s of changed) {
        const listingIds = (
          await partitionItems(db, tableName, keys.settingPartition(s.urn), {
            skPrefix: 'LISTING#',
            attributes: 'listingId',
            consistent: true,
          })
        ).map((i) => i.listingId as string);
        for (const listingId of listingIds) {
          const indexes = Object.entries({ ...keys.settingIndexes(s, listingId), searchSetting: searchSettingOf(s) });
          try {
            await guarded(() =>
              db.send(
                new UpdateCommand({
                  TableName: tableName,
                  Key: keys.listing(s.urn, listingId),
                  // A new version: a save of the listing that read the setting before this import
                  // fails its version check and is made again, never writing the old setting back.
                  UpdateExpression: `SET ${indexes.map(([k]) => `${k} = :${k}`).join(', ')}, version = version + :one`,
                  ConditionExpression: 'attribute_exists(pk)',
                  ExpressionAttributeValues: {
                    ...Object.fromEntries(indexes.map(([k, v]) => [`:${k}`, v])),
                    ':one': 1,
                  },
                }),
              ),
            );
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error; // listings are never deleted
          }
        }
      }
      return {
        created: settings.filter((s) => !existing.has(s.urn)).length,
        updated: settings.filter((s) => existing.has(s.urn)).length,
      };
    },

    /** Listings by `urn#listingId`, read consistently, 100 keys a request (those missing are left out). */
    async getListings(wanted: { urn: string; listingId: string }[]): Promise<Map<string, Listing>> {
      const items = await batchGet(
        db,
        tableName,
        wanted.map((w) => keys.listing(w.urn, w.listingId)),
        { consistent: true },
      );
      return new Map(items.map((item) => [`${item.urn}#${item.listingId}`, stripLayout<Listing>(item)]));
    },

    /**
     * A setting with its listings, or undefined: one Query on the setting's partition.
     * Writers read consistently, so the version they condition on is the latest.
     */
    async getSetting(urn: string, options: { consistent?: boolean } = {}): Promise<SettingWithListings | undefined> {
      const items = await partitionItems(db, tableName, keys.settingPartition(urn), {
        consistent: options.consistent === true,
      });
      const head = items.find((i) => i.itemType === 'setting');
      if (head === undefined) return undefined;
      return {
        ...stripLayout<Setting>(head),
        listings: items.filter((i) => i.itemType === 'listing').map((i) => stripLayout<Listing>(i)),
      };
    },

    /**
     * A page of settings, each with its listings. The cursor is the key of the last item taken,
     * so settings added or changed while a client pages never appear twice or push others out.
     */
    async listSettings(filter: SettingsFilter, limit: number, cursor?: string): Promise<Page<SettingWithListings>> {
      const segments = segmentsFor(filter);
      const indexKeys = (s: Segment): [string, string] => [`${s.indexName}pk`, `${s.indexName}sk`];
      // A cursor is {seg} at a segment boundary, or {seg, table key, index key} inside one.
      const decoded = decodeCursor(
        cursor,
        [
          ['seg'],
          ['seg', 'pk', 'sk', 'gsi1pk', 'gsi1sk'],
          ['seg', 'pk', 'sk', 'gsi2pk', 'gsi2sk'],
          ['seg', 'pk', 'sk', 'gsi3pk', 'gsi3sk'],
        ],
        (c) => {
          const s = segments[Number(c.seg)];
          if (!Number.isInteger(c.seg) || s === undefined) return false;
          const [ipk] = indexKeys(s);
          return !('pk' in c) || c[ipk] === s.pk;
        },
      );
      let seg = decoded === undefined ? 0 : Number(decoded.seg);
      let start: Record<string, unknown> | undefined;
      if (decoded !== undefined && 'pk' in decoded) {
        const { seg: _seg, ...key } = decoded;
        start = key;
      }
      const page: SettingWithListings[] = [];
      let current: SettingWithListings | undefined;
      let lastTaken: Record<string, unknown> | undefined;

      while (seg < segments.length) {
        const s = segments[seg]!;
        const [ipk, isk] = indexKeys(s);
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: s.indexName,
              KeyConditionExpression: '#ipk = :pk AND begins_with(#isk, :prefix)',
              ExpressionAttributeNames: { '#ipk': ipk, '#isk': isk },
              ExpressionAttributeValues: { ':pk': s.pk, ':prefix': s.skPrefix },
              ExclusiveStartKey: start,
              Limit: READ_BATCH,
            }),
          ),
        );
        for (const item of res.Items ?? []) {
          if (item.itemType === 'setting') {
            if (page.length === limit) {
              return {
                items: page,
                nextCursor: encodeCursor({ seg, ...(lastTaken as Record<string, string> | undefined) }),
              };
            }
            current = { ...stripLayout<Setting>(item), listings: [] };
            page.push(current);
          } else if (item.itemType === 'listing' && current !== undefined && item.urn === current.urn) {
            current.listings.push(stripLayout<Listing>(item));
          }
          // A listing whose setting ended the previous page was returned there; it is passed over.
          lastTaken = { pk: item.pk, sk: item.sk, [ipk]: item[ipk], [isk]: item[isk] };
        }
        if (res.LastEvaluatedKey !== undefined) {
          start = res.LastEvaluatedKey;
          continue;
        }
        seg += 1;
        start = undefined;
        current = undefined;
        lastTaken = undefined;
      }
      return { items: page, nextCursor: null };
    },
  };
}

export type SettingsRepository = ReturnType<typeof settingsRepository>;
