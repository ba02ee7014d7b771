import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { notificationsHandler } from '@placements/api';
import { dispatch, log, logger, toStreamChange, type RawStreamRecord, type StreamHandler } from '@placements/store';
import { lambdaNotifier } from './notifier.ts';
import { lambdaDeps } from './runtime.ts';

/**
 * Tells people of committed changes: the table's stream filtered to audit events and rounds
 * (infra/lib/contexts.ts), each turned into inbox items and email. Its own consumer, so a slow
 * email service never holds up search entries or offers. Notifications are stored once per
 * source, so a retried batch tells nobody twice.
 */
logger.appendPersistentKeys({ context: 'notifications' });
const deps = lambdaDeps();
const notifier = await lambdaNotifier(deps);
const handlers: StreamHandler[] = notifier ? [notificationsHandler(notifier)] : [];

export const handler = middy(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const changes = event.Records.map((r) => toStreamChange(r as RawStreamRecord));
  try {
    await dispatch(handlers, changes);
    return { batchItemFailures: [] };
  } catch (error) {
    log.error('notifications batch failed; it will be retried', error as Error, { records: changes.length });
    return { batchItemFailures: changes.length > 0 ? [{ itemIdentifier: changes[0]!.sequenceNumber }] : [] };
  }
}).use(injectLambdaContext(logger));
