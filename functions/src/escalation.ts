import middy from '@middy/core';
import { parseEscalationPolicy, runEscalations } from '@placements/api';
import { lambdaDeps } from './runtime.ts';

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
  console.log(JSON.stringify({ level: 'info', context: 'escalation', ...run }));
  return run;
});
