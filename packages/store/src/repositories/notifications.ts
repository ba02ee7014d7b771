import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  DEFAULT_PREFERENCES,
  NotFoundError,
  notificationTitle,
  type EmailDelivery,
  type Notification,
  type NotificationDraft,
  type NotificationPreferences,
  type Recipient,
} from '@placements/domain';
import { batchGet } from '../batch.ts';
import { MAX_TRANSACTION_ACTIONS, transact } from '../transaction.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { guarded } from '../errors.ts';
import { keys, stripLayout } from '../keys.ts';
import type { Page } from '../page.ts';

/** How long a notification is kept before DynamoDB's TTL removes it (read or not). */
export const NOTIFICATION_RETENTION_DAYS = 180;

/**
 * The same change seen twice (a retried stream batch, a job run again) gives the same id, so it
 * is stored once: the id is a hash of the source, the kind and the addressee.
 */
export function notificationId(d: Pick<NotificationDraft, 'sourceId' | 'kind' | 'recipient'>): string {
  return createHash('sha256')
    .update(`${d.sourceId}|${d.kind}|${d.recipient.role}|${d.recipient.org}|${d.recipient.sub ?? ''}`)
    .digest('hex')
    .slice(0, 24);
}

/** Newest first within unread (0) and then read (1): the inbox order as one index sort key. */
const inboxSort = (read: boolean, at: string, id: string) =>
  `${read ? 1 : 0}#${String(9_999_999_999_999 - Date.parse(at)).padStart(13, '0')}#${id}`;

/** A digest entry waits under this index partition until its time to be sent (the daily digest). */
const DIGEST_DUE = 'DIGEST_DUE';

export interface DigestEntry {
  role: string;
  org: string;
  sub: string;
  email: string;
  notificationId: string;
  title: string;
  link: string;
  dueAt: string;
  at: string;
}

/** A notification as stored: in its addressee's partition and, unread, first in their inbox. */
function notificationItem(draft: NotificationDraft, email: Record<string, EmailDelivery>) {
  const id = notificationId(draft);
  const notification: Notification = {
    ...draft,
    id,
    title: notificationTitle(draft.kind, draft.facts),
    read: false,
    email,
  };
  const item = {
    ...keys.notification(draft.recipient.role, draft.recipient.org, id),
    gsi1pk: keys.inbox(draft.recipient.role, draft.recipient.org),
    gsi1sk: inboxSort(false, draft.at, id),
    itemType: 'notification',
    ...notification,
    expiresAt: Math.floor(Date.parse(draft.at) / 1000) + NOTIFICATION_RETENTION_DAYS * 86_400,
  };
  return { draft, notification, item };
}

class NotificationsStoredMeanwhile extends Error {}

export function notificationsRepository(db: DynamoDBDocumentClient, tableName: string) {
  const visibleTo = (sub: string) => ({
    FilterExpression: 'attribute_not_exists(recipient.#sub) OR recipient.#sub = :sub',
    names: { '#sub': 'sub' },
    values: { ':sub': sub },
  });

  async function get(r: Recipient, id: string): Promise<Notification | undefined> {
    const res = await guarded(() =>
      db.send(
        new GetCommand({ TableName: tableName, Key: keys.notification(r.role, r.org, id), ConsistentRead: true }),
      ),
    );
    return res.Item === undefined ? undefined : stripLayout<Notification>(res.Item);
  }

  /**
   * Stores a notification unless it is there already (deduplicated by its source). Returns the
   * stored notification and whether it was created now; a duplicate returns the earlier one, so
   * a retried batch carries on with whatever email was still to send.
   */
  async function put(
    draft: NotificationDraft,
    email: Record<string, EmailDelivery>,
  ): Promise<{ notification: Notification; created: boolean }> {
    const { notification: n, item } = notificationItem(draft, email);
    const id = n.id;
    try {
      await db.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return { notification: n, created: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) return guarded(() => Promise.reject(error));
      const existing = await get(draft.recipient, id);
      return { notification: existing ?? n, created: false };
    }
  }

  return {
    get,

    /**
     * The notifications stored already for these drafts (a job run again, a batch seen twice),
     * by draft, undefined where none is: a hundred drafts a read, where putting each to find out
     * costs a failed write and a read.
     */
    async getMany(drafts: readonly NotificationDraft[]): Promise<(Notification | undefined)[]> {
      const keyOf = (d: NotificationDraft) => keys.notification(d.recipient.role, d.recipient.org, notificationId(d));
      const named = (k: { pk: unknown; sk: unknown }) => `${k.pk as string}|${k.sk as string}`;
      const wanted = new Map(drafts.map((d) => [named(keyOf(d)), keyOf(d)]));
      const stored = await batchGet(db, tableName, [...wanted.values()], { consistent: true });
      const found = new Map(
        stored.map((item) => [named(item as { pk: unknown; sk: unknown }), stripLayout<Notification>(item)]),
      );
      return drafts.map((d) => found.get(named(keyOf(d))));
    },

    put,

    /**
     * Stores notifications that getMany found missing, up to 100 a transaction, each on condition
     * that it is still missing, where put costs a call each: a round's thousands of consultations
     * requested come as batch after batch. A transaction refused because one is there by now (a
     * batch handled twice at once) falls back to put one by one, which keeps the one stored.
     * Returns each notification (the stored one where it was there) and whether it was created now.
     * In AWS a transaction's write costs twice a put's write units: kept, since the condition is
     * what stops a batch handled twice at once from resetting a notification already read.
     */
    async putNew(
      fresh: readonly { draft: NotificationDraft; email: Record<string, EmailDelivery> }[],
    ): Promise<{ notification: Notification; created: boolean }[]> {
      const byId = new Map<string, ReturnType<typeof notificationItem>>();
      for (const { draft, email } of fresh) {
        const built = notificationItem(draft, email);
        if (!byId.has(built.notification.id)) byId.set(built.notification.id, built);
      }
      const all = [...byId.values()];
      const out: { notification: Notification; created: boolean }[] = [];
      for (let i = 0; i < all.length; i += MAX_TRANSACTION_ACTIONS) {
        const chunk = all.slice(i, i + MAX_TRANSACTION_ACTIONS);
        try {
          await transact(
            db,
            chunk.map((b) => ({
              Put: { TableName: tableName, Item: b.item, ConditionExpression: 'attribute_not_exists(pk)' },
            })),
            () => new NotificationsStoredMeanwhile(),
          );
          out.push(...chunk.map((b) => ({ notification: b.notification, created: true })));
        } catch (error) {
          if (!(error instanceof NotificationsStoredMeanwhile)) throw error;
          for (const b of chunk) out.push(await put(b.draft, b.notification.email ?? {}));
        }
      }
      return out;
    },

    /** The caller's inbox: unread first, newest first within each; only items for everyone in the org or for this user. */
    async list(r: Recipient & { sub: string }, limit: number, cursor?: string): Promise<Page<Notification>> {
      const gsi1pk = keys.inbox(r.role, r.org);
      const start = decodeCursor(cursor, [['pk', 'sk', 'gsi1pk', 'gsi1sk']], (c) => c.gsi1pk === gsi1pk);
      const f = visibleTo(r.sub);
      const items: Notification[] = [];
      let from: Record<string, unknown> | undefined = start;
      let last: Record<string, unknown> | undefined;
      // A filtered page may come back short; read on until the page is full or the inbox ends.
      do {
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi1',
              KeyConditionExpression: 'gsi1pk = :pk',
              FilterExpression: f.FilterExpression,
              ExpressionAttributeNames: f.names,
              ExpressionAttributeValues: { ':pk': gsi1pk, ...f.values },
              Limit: limit - items.length,
              ...(from ? { ExclusiveStartKey: from } : {}),
            }),
          ),
        );
        for (const i of res.Items ?? []) {
          items.push(stripLayout<Notification>(i));
          last = { pk: i.pk, sk: i.sk, gsi1pk: i.gsi1pk, gsi1sk: i.gsi1sk };
        }
        from = res.LastEvaluatedKey;
        if (items.length >= limit && from !== undefined) from = last;
      } while (from !== undefined && items.length < limit);
      return { items: items.map(withoutExpiry), nextCursor: encodeCursor(from as Record<string, string> | undefined) };
    },

    /** How many unread notifications the caller has (the header's count). */
    async unreadCount(r: Recipient & { sub: string }): Promise<number> {
      const f = visibleTo(r.sub);
      let count = 0;
      let from: Record<string, unknown> | undefined;
      do {
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi1',
              KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :unread)',
              FilterExpression: f.FilterExpression,
              ExpressionAttributeNames: f.names,
              ExpressionAttributeValues: { ':pk': keys.inbox(r.role, r.org), ':unread': '0#', ...f.values },
              Select: 'COUNT',
              ...(from ? { ExclusiveStartKey: from } : {}),
            }),
          ),
        );
        count += res.Count ?? 0;
        from = res.LastEvaluatedKey;
      } while (from !== undefined);
      return count;
    },

    /** Marks one of the caller's notifications read (for the whole organisation); 404 if it is not theirs. */
    async markRead(r: Recipient & { sub: string }, id: string, at: string): Promise<Notification> {
      const n = await get(r, id);
      if (n === undefined || (n.recipient.sub !== undefined && n.recipient.sub !== r.sub)) {
        throw new NotFoundError(`You have no notification with the id ${id}.`);
      }
      if (n.read) return n;
      const res = await guarded(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.notification(r.role, r.org, id),
            UpdateExpression: 'SET #read = :true, readAt = :at, readBy = :sub, gsi1sk = :sk',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#read': 'read' },
            ExpressionAttributeValues: { ':true': true, ':at': at, ':sub': r.sub, ':sk': inboxSort(true, n.at, id) },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return withoutExpiry(stripLayout<Notification>(res.Attributes ?? {}));
    },

    /** Records how one user's email went: visible on the notification. */
    async setEmail(r: Recipient, id: string, sub: string, delivery: EmailDelivery): Promise<void> {
      await guarded(() =>
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: keys.notification(r.role, r.org, id),
            UpdateExpression: 'SET email.#sub = :d',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#sub': sub },
            ExpressionAttributeValues: { ':d': delivery },
          }),
        ),
      );
    },

    async getPreferences(sub: string): Promise<NotificationPreferences> {
      const res = await guarded(() => db.send(new GetCommand({ TableName: tableName, Key: keys.preferences(sub) })));
      if (res.Item === undefined) return { ...DEFAULT_PREFERENCES };
      return { email: res.Item.email, nudges: res.Item.nudges } as NotificationPreferences;
    },

    async putPreferences(sub: string, prefs: NotificationPreferences): Promise<void> {
      await guarded(() =>
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.preferences(sub), itemType: 'preferences', ...prefs },
          }),
        ),
      );
    },

    /** True once per `date` for a job's named step: the first run of the day claims it. */
    async claimDailyRun(name: string, date: string): Promise<boolean> {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: `JOB#${name}`, sk: 'LAST_RUN', itemType: 'job_run', date },
            ConditionExpression: 'attribute_not_exists(pk) OR #date < :date',
            ExpressionAttributeNames: { '#date': 'date' },
            ExpressionAttributeValues: { ':date': date },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        return guarded(() => Promise.reject(error));
      }
    },

    /** Queues a notification for a user's daily digest (sent at `dueAt`). */
    async addDigestEntry(e: DigestEntry): Promise<void> {
      await guarded(() =>
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              pk: `DIGEST#${e.role}#${e.org}#${e.sub}`,
              sk: `${e.at}#${e.notificationId}`,
              gsi2pk: DIGEST_DUE,
              gsi2sk: `${e.dueAt}#${e.role}#${e.org}#${e.sub}#${e.notificationId}`,
              itemType: 'digest_entry',
              ...e,
            },
          }),
        ),
      );
    },

    /** Every digest entry due by `now`, across users (few: a day's notifications of digest users). */
    async dueDigestEntries(now: string): Promise<DigestEntry[]> {
      const out: DigestEntry[] = [];
      let from: Record<string, unknown> | undefined;
      do {
        const res = await guarded(() =>
          db.send(
            new QueryCommand({
              TableName: tableName,
              IndexName: 'gsi2',
              KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk <= :now',
              ExpressionAttributeValues: { ':pk': DIGEST_DUE, ':now': `${now}~` },
              ...(from ? { ExclusiveStartKey: from } : {}),
            }),
          ),
        );
        out.push(...(res.Items ?? []).map((i) => stripLayout<DigestEntry>(i)));
        from = res.LastEvaluatedKey;
      } while (from !== undefined);
      return out.filter((e) => e.dueAt <= now);
    },

    async removeDigestEntry(e: DigestEntry): Promise<void> {
      await guarded(() =>
        db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: { pk: `DIGEST#${e.role}#${e.org}#${e.sub}`, sk: `${e.at}#${e.notificationId}` },
          }),
        ),
      );
    },
  };
}

function withoutExpiry(n: Notification): Notification {
  const { expiresAt: _e, ...rest } = n as Notification & { expiresAt?: number };
  return rest;
}

export type NotificationsRepository = ReturnType<typeof notificationsRepository>;
