import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { roundWorker } from '@placements/api';
import { log, logger, toStreamChange, type RawStreamRecord } from '@placements/store';
import { lambdaDeps } from './runtime.ts';

/**
 * Allocation rounds as background jobs (15-minute timeout, batches of one round record that is
 * queued or running). The worker runs the round from its checkpoints until a minute before the
 * timeout; then it lets go of the round and writes it again, and that write's stream record
 * invokes this function once more, which resumes where it stopped. A worker that dies outright
 * is retried by the event source mapping and resumes the same way (its lease runs out).
 */
logger.appendPersistentKeys({ context: 'round-worker' });
const deps = lambdaDeps();
const MARGIN_MS = 60_000;

export const handler = middy(async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  const changes = event.Records.map((r) => toStreamChange(r as RawStreamRecord));
  const worker = roundWorker(deps, { deadlineMs: () => Math.max(0, context.getRemainingTimeInMillis() - MARGIN_MS) });
  try {
    await worker(changes);
    return { batchItemFailures: [] };
  } catch (error) {
    log.error('round worker failed; the batch will be retried', error as Error);
    return { batchItemFailures: changes.length > 0 ? [{ itemIdentifier: changes[0]!.sequenceNumber }] : [] };
  }
}).use(injectLambdaContext(logger));
