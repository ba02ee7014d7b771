import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { UnavailableError } from '@placements/domain';
import { translateStoreError } from './errors.ts';
import { BUSINESS_METRICS, businessMetrics } from './observability.ts';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Most actions one TransactWriteItems takes (DynamoDB's limit): what every transaction is planned against. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** Why one action of a cancelled transaction failed, with the item as it stood (plain JSON). */
export interface CancelReason {
  index: number;
  code: string;
  item?: Record<string, unknown>;
}

const CONTENTION = new Set(['TransactionConflict', 'None']);

/** Other transactions on the same items kept cancelling this one; the caller may try again. */
export class TransactionContentionError extends UnavailableError {}
const MAX_ATTEMPTS = 4;

/**
 * Runs one TransactWriteItems. When it is cancelled by a condition, `onConditionFailed` turns the
 * positional reasons into the domain error the caller needs (each action has its own meaning).
 * Cancelled only by contention (TransactionConflict), it is retried with jittered backoff: the
 * conditions make a retry safe. Throttling and timeouts become UnavailableError (503).
 */
export async function transact(
  db: DynamoDBDocumentClient,
  items: TransactItem[],
  onConditionFailed: (reasons: CancelReason[]) => Error,
  clientRequestToken?: string,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(
        new TransactWriteCommand({
          TransactItems: items,
          ...(clientRequestToken ? { ClientRequestToken: clientRequestToken } : {}),
        }),
      );
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw translateStoreError(error);
      const reasons: CancelReason[] = (error.CancellationReasons ?? []).map((r, index) => ({
        index,
        code: r.Code ?? 'None',
        // The item on a failed condition comes back as raw AttributeValues, even through lib-dynamodb.
        ...(r.Item ? { item: unmarshall(r.Item as Parameters<typeof unmarshall>[0]) } : {}),
      }));
      if (reasons.some((r) => r.code === 'ConditionalCheckFailed')) throw onConditionFailed(reasons);
      if (reasons.some((r) => r.code === 'ThrottlingError' || r.code === 'ProvisionedThroughputExceeded')) {
        throw new UnavailableError('The placement store is busy; try again in a few seconds.');
      }
      if (reasons.every((r) => CONTENTION.has(r.code)) && attempt < MAX_ATTEMPTS) {
        businessMetrics.count(BUSINESS_METRICS.transactionRetries);
        await new Promise((r) => setTimeout(r, Math.random() * 25 * 2 ** attempt));
        continue;
      }
      throw new TransactionContentionError(
        'The change collided with others at the same moment and could not be completed; try again.',
        1,
      );
    }
  }
}
