import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import { guarded } from '../errors.ts';
import { batchGet } from '../batch.ts';

/** Services per stored part: about 1.5 KB each, so a part stays far under DynamoDB's 400 KB item limit. */
export const FEED_PART_SIZE = 100;
/**
 * Each build's parts expire a day after it (the table's TTL removes them): a build is served for
 * minutes before the next replaces it, so superseded parts never pile up.
 */
const PARTS_TTL_SECONDS = 24 * 3600;

/** A partnership's precomputed public feed: when it was built and how many services it holds. */
export interface FeedHead {
  partnershipId: string;
  builtAt: string;
  total: number;
  parts: number;
}

/**
 * The public ORUK feed, built once and read many times: an anonymous page costs one or two
 * GetItems instead of a query of every member's settings. Parts are keyed by their build, and
 * the head (written last) names the build, so a reader never mixes two builds.
 */
export function feedRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    async put(partnershipId: string, builtAt: string, services: unknown[]): Promise<FeedHead> {
      const parts = Math.ceil(services.length / FEED_PART_SIZE);
      const expiresAt = Math.floor(Date.parse(builtAt) / 1000) + PARTS_TTL_SECONDS;
      for (let i = 0; i < parts; i += 8) {
        await Promise.all(
          Array.from({ length: Math.min(8, parts - i) }, (_, j) => i + j).map((n) =>
            guarded(() =>
              db.send(
                new PutCommand({
                  TableName: tableName,
                  Item: {
                    ...keys.feedPart(partnershipId, builtAt, n),
                    itemType: 'feed_part',
                    services: services.slice(n * FEED_PART_SIZE, (n + 1) * FEED_PART_SIZE),
                    expiresAt,
                  },
                }),
              ),
            ),
          ),
        );
      }
      const head: FeedHead = { partnershipId, builtAt, total: services.length, parts };
      await guarded(() =>
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.feedHead(partnershipId), itemType: 'feed_head', ...head },
          }),
        ),
      );
      return head;
    },

    async head(partnershipId: string): Promise<FeedHead | undefined> {
      const res = await guarded(() =>
        db.send(new GetCommand({ TableName: tableName, Key: keys.feedHead(partnershipId) })),
      );
      if (res.Item === undefined) return undefined;
      const { partnershipId: p, builtAt, total, parts } = res.Item as FeedHead;
      return { partnershipId: p, builtAt, total, parts };
    },

    /** Services [from, to) of a build, reading only the parts that hold them. */
    async services(head: FeedHead, from: number, to: number): Promise<unknown[]> {
      const first = Math.floor(from / FEED_PART_SIZE);
      const last = Math.min(head.parts - 1, Math.floor((to - 1) / FEED_PART_SIZE));
      if (to <= from || first > last) return [];
      const wanted = Array.from({ length: last - first + 1 }, (_, i) =>
        keys.feedPart(head.partnershipId, head.builtAt, first + i),
      );
      const found = new Map(
        (await batchGet(db, tableName, wanted)).map((item) => [item.sk as string, item.services as unknown[]]),
      );
      const all = wanted.flatMap((k) => found.get(k.sk) ?? []);
      return all.slice(from - first * FEED_PART_SIZE, to - first * FEED_PART_SIZE);
    },
  };
}

export type FeedRepository = ReturnType<typeof feedRepository>;
