import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { streamHandlers } from '@placements/api';
import { dispatch, toStreamChange, type RawStreamRecord } from '@placements/store';
import { lambdaDeps } from './runtime.ts';

/**
 * The table's stream consumer: each batch of committed changes (filtered to STREAM_ITEM_TYPES by
 * the event source mapping) goes to every handler of packages/api/src/stream/handlers.ts, the
 * same list `npm start` runs locally. A failure reports the batch's first record, so the whole
 * batch is retried (bisected on repeated failure, then sent to the on-failure queue); handlers are
 * idempotent, so a retried record changes nothing twice.
 */
const deps = lambdaDeps();
const handlers = streamHandlers(deps);

export const handler = middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const changes = event.Records.map((r) => toStreamChange(r as RawStreamRecord));
  try {
    await dispatch(handlers, changes);
    return { batchItemFailures: [] };
  } catch (error) {
    console.error(JSON.stringify({ level: 'error', context: 'stream', records: changes.length, error: String(error) }));
    return { batchItemFailures: changes.length > 0 ? [{ itemIdentifier: changes[0]!.sequenceNumber }] : [] };
  }
});
