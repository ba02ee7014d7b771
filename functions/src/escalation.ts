import middy from '@middy/core';
import { parseEscalationPolicy, runEscalations } from '@placements/api';
import { log, logger } from '@placements/store';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
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

export const handler = middy(async () => {
  const run = await runEscalations(deps, policy);
  log.info('escalation run', { ...run });
  return run;
}).use(injectLambdaContext(logger));
