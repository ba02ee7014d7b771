import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  FINE_CELLS_PER_COARSE,
  fineKey,
  bucketsForRange,
  mapCellOf,
  placeCandidate,
  searchSettingOf,
  type AgeBucket,
  type Listing,
  type LocalAuthority,
  type NeedCode,
  type PlaceCandidate,
  type SearchSetting,
  type Setting,
} from '@placements/domain';
import { FULL_AVAILABLE_KEY, keys, type SearchIndexOrder } from '../keys.ts';
import { guarded } from '../errors.ts';
import { partitionItems } from '../batch.ts';
import { MAX_TRANSACTION_ACTIONS, TransactionContentionError, transact } from '../transaction.ts';

/** One index partition a search reads, and the availability date bound (A-entries only) if any. */
export interface SearchPartition {
  scope: 'la' | 'national';
  need: NeedCode;
  bucket: AgeBucket;
  laCode?: string;
  /** Read the band's own partition (gsi2: nationally, or in an LA) rather than every band's. */
  band?: string;
  /** YYYY-MM-DD: read only entries with a place free on or before this date. */
  availableBy?: string;
}

/**
 * One ordered range a first page is read from: an index partition kept in a result order (see
 * keys.searchOrderSort), and the part of it that can match (places free only, when the search asks).
 */
export interface OrderedRange {
  index: 'gsi1' | 'gsi2' | 'gsi3' | 'gsi4';
  pk: string;
  /** Read only sort keys that begin with this. */
  prefix?: string;
  /** Read only sort keys below this. */
  below?: string;
  /** Read only sort keys from the first to the second, both included. */
  between?: [string, string];
  /**
   * Kept in another order than the one asked for (a band within an LA, kept most places first
   * only): it can be merged only once read to its end.
   */
  whole?: true;
}

/** The ranges holding a partition's entries in an order: merged, they give the partition in that order. */
export function orderedRanges(p: SearchPartition, order: SearchIndexOrder): OrderedRange[] {
  const freeOnly = p.availableBy !== undefined;
  const placesFree = freeOnly ? { below: String(FULL_AVAILABLE_KEY) } : {};
  // A band's partitions are kept most places first only (each entry has one gsi2 key). In an LA
  // they are a handful of entries: cheapest first reads them whole.
  if (p.band !== undefined && p.scope === 'la')
    return [
      {
        index: 'gsi2',
        pk: keys.searchBandLa(p.need, p.bucket, p.band, p.laCode!),
        ...placesFree,
        ...(order === 'available' ? {} : { whole: true as const }),
      },
    ];
  if (p.band !== undefined && order === 'available')
    return [{ index: 'gsi2', pk: keys.searchBandNational(p.need, p.bucket, p.band), ...placesFree }];
  // Nationally, cheapest first for a band reads every band's cheapest first, the band checked after reading.
  const [index, pk] =
    p.scope === 'la'
      ? (['gsi3', keys.searchOrderedLa(order, p.need, p.bucket, p.laCode!)] as const)
      : (['gsi4', keys.searchOrderedNational(order, p.need, p.bucket)] as const);
  if (order === 'available') return [{ index, pk, ...placesFree }];
  return freeOnly
    ? [{ index, pk, prefix: 'A#' }]
    : [
        { index, pk, prefix: 'A#' },
        { index, pk, prefix: 'F#' },
      ];
}

/**
 * The range holding a map cell's entries for a need and age bucket: a whole coarse cell (every
 * region's), or one region's part of it, or of a fine cell; every listing's (SG), or only those
 * with a place free (SGA) when the search asks.
 */
export function cellRange(
  need: NeedCode,
  bucket: AgeBucket,
  cell: { coarse: string; region?: string; fine?: string },
  freeOnly: boolean,
): OrderedRange {
  const pk = (freeOnly ? keys.searchFreeCell : keys.searchCell)(need, bucket, cell.coarse);
  if (cell.region === undefined) return { index: 'gsi1', pk };
  return { index: 'gsi1', pk, prefix: cell.fine === undefined ? `${cell.region}#` : `${cell.region}#${cell.fine}#` };
}

/** Above every character of an entry's sort key: `<fine>#\uffff` is past every entry of the fine cell. */
const END = '\uffff';

/**
 * The ranges holding some fine map cells' entries in a region for a need and age bucket: fine
 * cells of one region's part of a coarse cell whose keys follow one another (in Morton order, so
 * a 2 × 2 or 4 × 4 block of neighbours, or the whole coarse cell) are one range, read in one
 * query, since a query costs DynamoDB Local as much as some 50 entries. With "a place free" the
 * ranges are of the places-free cells (SGA), so a run reads no full listing.
 */
export function cellRanges(
  need: NeedCode,
  bucket: AgeBucket,
  cells: readonly { coarse: string; region: string; fine: string }[],
  freeOnly: boolean,
): OrderedRange[] {
  const byPart = new Map<string, { coarse: string; region: string; fines: number[] }>();
  for (const c of cells) {
    const part = byPart.get(`${c.coarse}|${c.region}`) ?? { coarse: c.coarse, region: c.region, fines: [] };
    byPart.set(`${c.coarse}|${c.region}`, part);
    part.fines.push(Number(c.fine));
  }
  const ranges: OrderedRange[] = [];
  for (const { coarse, region, fines } of byPart.values()) {
    const sorted = [...new Set(fines)].sort((a, b) => a - b);
    const part = cellRange(need, bucket, { coarse, region }, freeOnly);
    let first = 0;
    for (let i = 1; i <= sorted.length; i++) {
      if (i < sorted.length && sorted[i] === sorted[i - 1]! + 1) continue;
      const [lo, hi] = [sorted[first]!, sorted[i - 1]!];
      ranges.push(
        lo === 0 && hi === FINE_CELLS_PER_COARSE - 1
          ? part
          : lo === hi
            ? { ...part, prefix: `${region}#${fineKey(lo)}#` }
            : {
                index: part.index,
                pk: part.pk,
                between: [`${region}#${fineKey(lo)}#`, `${region}#${fineKey(hi)}#${END}`],
              },
      );
      first = i;
    }
  }
  return ranges;
}

/**
 * The search entries for a listing, each a full PlaceCandidate: per (need, age bucket) it covers,
 * one entry in each result order the index keeps (most places first: SN, cheapest first: SP), by
 * LA (gsi3) and nationally (gsi4), so a first page reads only the top of a partition; under its
 * band (gsi2), most places first, nationally (the most-places entry) and in its LA (the
 * cheapest-first entry), so a band search reads only its band's entries; and under its map cell
 * (gsi1), within its LA's `region` (so a search reads only the regions its scope has there), so
 * nearest-first search reads cells nearest first, and, while a place is free, the
 * cheapest-first one under its map cell of places free (gsi1 too: each entry has one cell key), so
 * a search for a place free reads neighbouring cells in one query. A search that needs every match (a
 * second page, the tailored list) reads SN partitions whole. Four indexes on two items: no more
 * puts per listing change than one entry per order (each index an entry is in costs a write). This is the projection: the only place that
 * decides which entries a listing has and their keys.
 */
export function searchEntryItems(setting: SearchSetting, listing: Listing, region: string): Record<string, unknown>[] {
  const common = { itemType: 'search_entry', listingVersion: listing.version, ...placeCandidate(setting, listing) };
  const cell = mapCellOf(setting);
  const placesOrder = keys.searchOrderSort('available', listing, setting.urn, listing.listingId);
  return listing.needs.flatMap((need) =>
    bucketsForRange(listing.ageMin, listing.ageMax).flatMap((bucket) =>
      SEARCH_INDEX_ORDERS.map((order) => {
        const orderSort = keys.searchOrderSort(order, listing, setting.urn, listing.listingId);
        return {
          ...keys.searchEntry(setting.urn, listing.listingId, need, bucket, order),
          ...(order === 'available'
            ? {
                gsi1pk: keys.searchCell(need, bucket, cell.coarse),
                gsi1sk: keys.searchCellSort(region, cell.fine, setting.urn, listing.listingId),
                gsi2pk: keys.searchBandNational(need, bucket, listing.band),
                gsi2sk: orderSort,
              }
            : {
                ...(listing.available > 0
                  ? {
                      gsi1pk: keys.searchFreeCell(need, bucket, cell.coarse),
                      gsi1sk: keys.searchCellSort(region, cell.fine, setting.urn, listing.listingId),
                    }
                  : {}),
                // The band in its LA, most places first, though this is the cheapest-first entry.
                gsi2pk: keys.searchBandLa(need, bucket, listing.band, setting.laCode),
                gsi2sk: placesOrder,
              }),
          gsi3pk: keys.searchOrderedLa(order, need, bucket, setting.laCode),
          gsi3sk: orderSort,
          gsi4pk: keys.searchOrderedNational(order, need, bucket),
          gsi4sk: orderSort,
          ...common,
        };
      }),
    ),
  );
}

const SEARCH_INDEX_ORDERS: SearchIndexOrder[] = ['available', 'price'];

const SNAPSHOT_TTL_SECONDS = 30 * 60;

function snapshotItem(id: string, snapshot: unknown, now: Date): Record<string, unknown> {
  return {
    ...keys.snapshot(id),
    itemType: 'search_snapshot',
    snapshot: gzipSync(Buffer.from(JSON.stringify(snapshot))),
    // A first page's snapshot, to be completed by the second page.
    ...((snapshot as { pending?: unknown }).pending !== undefined ? { pending: true } : {}),
    expiresAt: Math.floor(now.getTime() / 1000) + SNAPSHOT_TTL_SECONDS,
  };
}

async function pool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

/** An LA the reference data does not hold (none is in any search's scope): its entries' region. */
export const NO_REGION = '-';

/** Each LA's region by its code, from the reference data's LAs: what the projection files entries under. */
export function regionsOf(las: readonly LocalAuthority[]): (laCode: string) => string {
  const byLa = new Map(las.map((la) => [la.laCode, la.regionCode]));
  return (laCode) => byLa.get(laCode) ?? NO_REGION;
}

export function searchRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /**
     * Brings a listing's search entries up to date after its write commits: puts the current
     * entries and deletes those for needs or ages it no longer covers. Each write is conditioned
     * on the listing version, so a slower, older projection can never overwrite a newer one.
     * `region`: the setting's LA's region (the map-cell keys begin with it).
     */
    async project(
      setting: SearchSetting,
      listing: Listing,
      region: string,
      before?: Listing | readonly Listing[],
    ): Promise<void> {
      // Entries of every earlier version (a stream batch may hold several) that this one no longer has.
      const befores = before === undefined ? [] : Array.isArray(before) ? before : [before as Listing];
      await this.writeEntries(
        setting,
        listing,
        region,
        // Only their own keys (sk), which hold no region.
        befores.flatMap((b) => searchEntryItems(setting, b, NO_REGION).map((i) => i.sk as string)),
      );
    },

    /**
     * Brings a listing's entries up to date from what the table holds: every entry under the
     * listing that the current layout does not give it (one left by an earlier key layout, say
     * older age buckets) is deleted, and the current ones are put; the listing gets its copy of the
     * setting as search shows it, if it has none. What `npm run search:reproject`
     * runs for every listing of a deployed table after a layout change (DATA_LAYOUT).
     */
    async reproject(setting: Setting, listing: Listing, region: string): Promise<{ deleted: number }> {
      // The listing's copy of its setting as search shows it (listings written before the copy
      // existed have none), so its next change is projected from its stream record alone. Only
      // where there is none: `setting` may be read from an index a moment behind an import, whose
      // own copy (with a new version) must not be overwritten.
      try {
        await guarded(() =>
          db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.listing(setting.urn, listing.listingId),
              UpdateExpression: 'SET searchSetting = :s',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(searchSetting)',
              ExpressionAttributeValues: { ':s': searchSettingOf(setting) },
            }),
          ),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const held = (
        await partitionItems(db, tableName, keys.searchPartition(setting.urn, listing.listingId), {
          attributes: 'sk',
          consistent: true,
        })
      ).map((i) => i.sk as string);
      // Only their own keys (sk), which hold no region.
      const current = new Set(searchEntryItems(setting, listing, NO_REGION).map((i) => i.sk as string));
      await this.writeEntries(setting, listing, region, held);
      return { deleted: held.filter((sk) => !current.has(sk)).length };
    },

    /** Puts the listing's current entries and deletes those of `earlier` keys it no longer has. */
    async writeEntries(
      setting: SearchSetting,
      listing: Listing,
      region: string,
      earlier: readonly string[],
    ): Promise<void> {
      const items = searchEntryItems(setting, listing, region);
      const current = new Set(items.map((i) => i.sk as string));
      const stale = [...new Set(earlier)].filter((sk) => !current.has(sk));
      const pk = keys.searchPartition(setting.urn, listing.listingId);
      const notNewer = {
        ConditionExpression: 'attribute_not_exists(pk) OR listingVersion <= :v',
        ExpressionAttributeValues: { ':v': listing.version },
      };
      // One transaction for the listing's writes (16 a listing in practice, 100 at most): DynamoDB
      // Local spends a fraction of the time on it that it spends on 16 calls, which matters when a
      // round's commits share it with their projections. All or nothing is wrong here only when a
      // newer projection got to some entries first: then the writes go one by one, each tolerated.
      const puts = items.map((Item) => ({ Put: { TableName: tableName, Item, ...notNewer } }));
      const deletes = stale.map((sk) => ({ Delete: { TableName: tableName, Key: { pk, sk }, ...notNewer } }));
      if (puts.length + deletes.length <= MAX_TRANSACTION_ACTIONS) {
        try {
          await transact(
            db,
            [...puts, ...deletes],
            () => new ConditionalCheckFailedException({ message: 'newer', $metadata: {} }),
          );
          return;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException || error instanceof TransactionContentionError))
            throw error;
        }
      }
      const tolerate = async (fn: () => Promise<unknown>) => {
        try {
          await guarded(fn);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error; // a newer version got there first
        }
      };
      await pool(
        [
          ...puts.map(
            ({ Put }) =>
              () =>
                tolerate(() => db.send(new PutCommand(Put))),
          ),
          ...deletes.map(
            ({ Delete }) =>
              () =>
                tolerate(() => db.send(new DeleteCommand(Delete))),
          ),
        ],
        16,
      );
    },

    /**
     * Reads whole the index partitions a search needs (in parallel), in the most-places order
     * (only the places-free range when a place must be free by a date; the date itself is checked
     * after reading), and returns the candidates, each listing once, with the number of items
     * DynamoDB read, for the read-amplification figure.
     */
    async candidates(
      partitions: SearchPartition[],
      concurrency = 16,
    ): Promise<{ candidates: PlaceCandidate[]; itemsRead: number; queries: number }> {
      return this.readWhole(
        partitions.flatMap((p) => orderedRanges(p, 'available')),
        concurrency,
      );
    },

    /** Reads ranges whole (in parallel); each listing once, with the items and queries it took. */
    async readWhole(
      ranges: OrderedRange[],
      concurrency = 16,
    ): Promise<{ candidates: PlaceCandidate[]; itemsRead: number; queries: number }> {
      let itemsRead = 0;
      let queries = 0;
      const seen = new Map<string, PlaceCandidate>();
      const read = async (range: OrderedRange) => {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.orderedPage(range, undefined, start);
          queries++;
          itemsRead += page.candidates.length;
          for (const c of page.candidates) seen.set(`${c.setting.urn}#${c.listing.listingId}`, c);
          start = page.next;
        } while (start !== undefined);
      };
      await pool(
        ranges.map((range) => () => read(range)),
        concurrency,
      );
      return { candidates: [...seen.values()], itemsRead, queries };
    },

    /**
     * Up to `limit` entries of an ordered range, in key order (the result order), from where the
     * previous page stopped; `next` is undefined once the range is read to its end.
     */
    async orderedPage(
      range: OrderedRange,
      limit: number | undefined,
      start?: Record<string, unknown>,
    ): Promise<{ candidates: PlaceCandidate[]; next?: Record<string, unknown> }> {
      const cond =
        range.prefix !== undefined
          ? ' AND begins_with(#sk, :b)'
          : range.below !== undefined
            ? ' AND #sk < :b'
            : range.between !== undefined
              ? ' AND #sk BETWEEN :b AND :e'
              : '';
      const bound = range.prefix ?? range.below ?? range.between?.[0];
      const res = await guarded(() =>
        db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: range.index,
            KeyConditionExpression: `#pk = :pk${cond}`,
            ExpressionAttributeNames: {
              '#pk': `${range.index}pk`,
              ...(bound === undefined ? {} : { '#sk': `${range.index}sk` }),
            },
            ExpressionAttributeValues: {
              ':pk': range.pk,
              ...(bound === undefined ? {} : { ':b': bound }),
              ...(range.between ? { ':e': range.between[1] } : {}),
            },
            ProjectionExpression: 'setting, listing',
            ...(limit !== undefined ? { Limit: limit } : {}),
            ExclusiveStartKey: start,
          }),
        ),
      );
      return {
        candidates: (res.Items ?? []) as PlaceCandidate[],
        ...(res.LastEvaluatedKey ? { next: res.LastEvaluatedKey } : {}),
      };
    },

    /** Keeps a search's ordered results so later pages come from the same result set. */
    async putSnapshot<T>(id: string, snapshot: T, now: Date): Promise<void> {
      await guarded(() => db.send(new PutCommand({ TableName: tableName, Item: snapshotItem(id, snapshot, now) })));
    },

    /**
     * Replaces a pending snapshot (a first page's) with the full result, unless another request
     * did so first: then returns that one, so both answer from the same result set.
     */
    async completeSnapshot<T>(id: string, snapshot: T, now: Date): Promise<T | undefined> {
      try {
        await guarded(() =>
          db.send(
            new PutCommand({
              TableName: tableName,
              Item: snapshotItem(id, snapshot, now),
              ConditionExpression: 'pending = :t',
              ExpressionAttributeValues: { ':t': true },
            }),
          ),
        );
        return undefined;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        return this.getSnapshot<T>(id, now);
      }
    },

    async getSnapshot<T>(id: string, now: Date): Promise<T | undefined> {
      const res = await guarded(() => db.send(new GetCommand({ TableName: tableName, Key: keys.snapshot(id) })));
      // TTL deletion lags; an expired snapshot is treated as gone.
      if (res.Item === undefined || (res.Item.expiresAt as number) < now.getTime() / 1000) return undefined;
      return JSON.parse(gunzipSync(res.Item.snapshot as Uint8Array).toString('utf8')) as T;
    },
  };
}

export type SearchRepository = ReturnType<typeof searchRepository>;
