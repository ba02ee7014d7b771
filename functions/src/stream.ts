import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { streamHandlers } from '@placements/api';
import { businessMetrics, dispatch, log, logger, toStreamChange, type RawStreamRecord } from '@placements/store';
import { lambdaDeps } from './runtime.ts';

/**
 * The table's stream consumer: each batch of committed changes (filtered to STREAM_ITEM_TYPES by
 * the event source mapping) goes to every handler of packages/api/src/stream/handlers.ts, the
 * same list `npm start` runs locally. A failure reports the batch's first record, so the whole
 * batch is retried (bisected on repeated failure, then sent to the on-failure queue); handlers are
 * idempotent, so a retried record changes nothing twice.
 */
logger.appendPersistentKeys({ context: 'stream' });
const deps = lambdaDeps();
const handlers = streamHandlers(deps);

export const handler = middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const changes = event.Records.map((r) => toStreamChange(r as RawStreamRecord));
  // How late the batch is: its newest record's age when handled (one figure a batch, not a line a record).
  const newest = Math.max(0, ...event.Records.map((r) => r.dynamodb?.ApproximateCreationDateTime ?? 0));
  if (newest > 0) businessMetrics.streamLag(newest);
  try {
    await dispatch(handlers, changes);
    return { batchItemFailures: [] };
  } catch (error) {
    log.error('stream batch failed; it will be retried', error as Error, { records: changes.length });
    return { batchItemFailures: changes.length > 0 ? [{ itemIdentifier: changes[0]!.sequenceNumber }] : [] };
  }
}).use(injectLambdaContext(logger));
