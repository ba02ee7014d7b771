import middy from '@middy/core';
import { parseEscalationPolicy, runEscalations } from '@placements/api';
import { log, logger } from '@placements/store';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { lambdaNotifier } from './notifier.ts';
import { lambdaDeps } from './runtime.ts';

logger.appendPersistentKeys({ context: 'escalation' });

/**
 * The timeliness job, on an EventBridge schedule: escalates overdue consultations, cases past the
 * days-without-a-place thresholds and past their phase-transfer deadline, and offers free places
 * to waiting lists. Thresholds come from the environment and are checked at cold start.
 */
const deps = lambdaDeps();
const policy = parseEscalationPolicy(
  process.env.ESCALATION_DAYS_WITHOUT_PLACE,
  process.env.ESCALATION_PHASE_TRANSFER_WARNING_DAYS,
);

// Reminders, stale-listing nudges and daily digests go out from this job (when given email).
const notifier = await lambdaNotifier(deps);
const staleListingDays = Number(process.env.NOTIFY_STALE_LISTING_DAYS ?? 30);

export const handler = middy(async () => {
  const run = await runEscalations(deps, policy, notifier ? { notifier, staleListingDays } : undefined);
  log.info('escalation run', { ...run });
  return run;
}).use(injectLambdaContext(logger));
