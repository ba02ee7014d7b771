import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  bucketsForRange,
  placeCandidate,
  type AgeBucket,
  type Listing,
  type NeedCode,
  type PlaceCandidate,
  type Setting,
} from '@placements/domain';
import { keys } from '../keys.ts';
import { guarded } from '../errors.ts';

/** One index partition a search reads, and the availability date bound (A-entries only) if any. */
export interface SearchPartition {
  scope: 'la' | 'national';
  need: NeedCode;
  bucket: AgeBucket;
  laCode?: string;
  /** YYYY-MM-DD: read only entries with a place free on or before this date. */
  availableBy?: string;
}

/** The search entries for a listing: one per (need, age bucket), each a full PlaceCandidate. */
export function searchEntryItems(setting: Setting, listing: Listing): Record<string, unknown>[] {
  const candidate = placeCandidate(setting, listing);
  const sort = keys.searchSort(listing.available, listing.availableFrom, setting.urn, listing.listingId);
  return listing.needs.flatMap((need) =>
    bucketsForRange(listing.ageMin, listing.ageMax).map((bucket) => ({
      ...keys.searchEntry(setting.urn, listing.listingId, need, bucket),
      gsi3pk: keys.searchLa(need, bucket, setting.laCode),
      gsi3sk: sort,
      gsi4pk: keys.searchNational(need, bucket),
      gsi4sk: sort,
      itemType: 'search_entry',
      listingVersion: listing.version,
      ...candidate,
    })),
  );
}

const SNAPSHOT_TTL_SECONDS = 30 * 60;

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

export function searchRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /**
     * Brings a listing's search entries up to date after its write commits: puts the current
     * entries and deletes those for needs or ages it no longer covers. Each write is conditioned
     * on the listing version, so a slower, older projection can never overwrite a newer one.
     */
    async project(setting: Setting, listing: Listing, before?: Listing): Promise<void> {
      const items = searchEntryItems(setting, listing);
      const current = new Set(items.map((i) => i.sk as string));
      const stale =
        before === undefined
          ? []
          : searchEntryItems(setting, before)
              .map((i) => i.sk as string)
              .filter((sk) => !current.has(sk));
      const pk = keys.searchPartition(setting.urn, listing.listingId);
      const notNewer = {
        ConditionExpression: 'attribute_not_exists(pk) OR listingVersion <= :v',
        ExpressionAttributeValues: { ':v': listing.version },
      };
      const tolerate = async (fn: () => Promise<unknown>) => {
        try {
          await guarded(fn);
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error; // a newer version got there first
        }
      };
      await pool(
        [
          ...items.map(
            (Item) => () => tolerate(() => db.send(new PutCommand({ TableName: tableName, Item, ...notNewer }))),
          ),
          ...stale.map(
            (sk) => () =>
              tolerate(() => db.send(new DeleteCommand({ TableName: tableName, Key: { pk, sk }, ...notNewer }))),
          ),
        ],
        16,
      );
    },

    /**
     * Reads the index partitions a search needs (in parallel) and returns the candidates, each
     * listing once, with the number of items DynamoDB read, for the read-amplification figure.
     */
    async candidates(
      partitions: SearchPartition[],
      concurrency = 16,
    ): Promise<{ candidates: PlaceCandidate[]; itemsRead: number; queries: number }> {
      let itemsRead = 0;
      let queries = 0;
      const seen = new Map<string, PlaceCandidate>();
      await pool(
        partitions.map((p) => async () => {
          const index = p.scope === 'la' ? 'gsi3' : 'gsi4';
          const pk =
            p.scope === 'la' ? keys.searchLa(p.need, p.bucket, p.laCode!) : keys.searchNational(p.need, p.bucket);
          let start: Record<string, unknown> | undefined;
          do {
            const res = await guarded(() =>
              db.send(
                new QueryCommand({
                  TableName: tableName,
                  IndexName: index,
                  KeyConditionExpression:
                    p.availableBy === undefined ? '#pk = :pk' : '#pk = :pk AND #sk BETWEEN :from AND :to',
                  ExpressionAttributeNames: {
                    '#pk': `${index}pk`,
                    ...(p.availableBy === undefined ? {} : { '#sk': `${index}sk` }),
                  },
                  ExpressionAttributeValues: {
                    ':pk': pk,
                    ...(p.availableBy === undefined ? {} : { ':from': 'A#', ':to': `A#${p.availableBy}#~` }),
                  },
                  ProjectionExpression: 'setting, listing',
                  ExclusiveStartKey: start,
                }),
              ),
            );
            queries++;
            itemsRead += res.Items?.length ?? 0;
            for (const item of res.Items ?? []) {
              const c = item as PlaceCandidate;
              seen.set(`${c.setting.urn}#${c.listing.listingId}`, c);
            }
            start = res.LastEvaluatedKey;
          } while (start !== undefined);
        }),
        concurrency,
      );
      return { candidates: [...seen.values()], itemsRead, queries };
    },

    /** Keeps a search's ordered results so later pages come from the same result set. */
    async putSnapshot<T>(id: string, snapshot: T, now: Date): Promise<void> {
      const body = gzipSync(Buffer.from(JSON.stringify(snapshot)));
      await guarded(() =>
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keys.snapshot(id),
              itemType: 'search_snapshot',
              snapshot: body,
              expiresAt: Math.floor(now.getTime() / 1000) + SNAPSHOT_TTL_SECONDS,
            },
          }),
        ),
      );
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
