import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import { transact, type TransactItem } from '../transaction.ts';
import { getItem } from './gsi1-page.ts';

export class IdempotentReplayError extends Error {}

/** Idempotency records are kept 24 hours (the table's TTL attribute), then the key may be used again. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const idempotencyExpiry = (at: string) => Math.floor(Date.parse(at) / 1000) + IDEMPOTENCY_TTL_SECONDS;

/** The record of a request made with an Idempotency-Key, written in the transaction that answers it. */
export function idempotencyPut(
  tableName: string,
  org: string,
  record: { key: string; fingerprint: string; response: unknown },
  at: string,
): TransactItem {
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.idempotency(org, record.key),
        itemType: 'idempotency',
        // What the key was used for: the same key for another case is refused, never answered with this.
        fingerprint: record.fingerprint,
        response: record.response,
        at,
        expiresAt: idempotencyExpiry(at),
      },
      // A record past its time (TTL deletion lags by up to two days) no longer holds the key.
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': Math.floor(Date.parse(at) / 1000) },
    },
  };
}

/** A second request with the same token but other contents is a concurrent replay of one key. */
export async function transactOnce(...args: Parameters<typeof transact>): Promise<void> {
  try {
    await transact(...args);
  } catch (error) {
    if ((error as { name?: string }).name === 'IdempotentParameterMismatchException')
      throw new IdempotentReplayError('replay');
    throw error;
  }
}

export function idempotencyRepository(db: DynamoDBDocumentClient, tableName: string) {
  const get = getItem(db, tableName);
  return {
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
