import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../keys.ts';
import { guarded } from '../errors.ts';

/**
 * Per-caller quotas: a fixed one-minute window per caller and action, counted in one item with a
 * conditional ADD, so one LA looping allocations uses up its own minute and never anyone else's.
 * The windows expire through the table's TTL.
 */
export function quotaRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /**
     * Takes one unit of `org`'s quota for `action` in the minute of `now`; false when the minute's
     * `limit` is used up. The second element says when the next window opens, in seconds.
     */
    async take(
      org: string,
      action: string,
      limit: number,
      now: Date,
    ): Promise<{ ok: boolean; retryAfterSeconds: number }> {
      const epoch = Math.floor(now.getTime() / 1000);
      const window = epoch - (epoch % 60);
      const retryAfterSeconds = window + 60 - epoch;
      try {
        await guarded(() =>
          db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.quota(org, action, window),
              UpdateExpression: 'ADD used :one SET itemType = :type, expiresAt = :expires',
              ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
              ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':type': 'quota', ':expires': window + 3600 },
            }),
          ),
        );
        return { ok: true, retryAfterSeconds };
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException')
          return { ok: false, retryAfterSeconds };
        throw error;
      }
    },
  };
}
