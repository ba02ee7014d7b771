import { londonDate } from './london.ts';
import type { Case } from './case.ts';
import type { Placement } from './placement.ts';

/**
 * Timeliness: what the scheduled job raises with the LA. Each escalation has a key and is raised
 * once per case, so the job can run as often as it likes (hourly in AWS) without repeating itself.
 */
export const ESCALATION_KINDS = [
  'consultation_overdue',
  'days_without_place',
  'phase_transfer_deadline_near',
  'phase_transfer_deadline_passed',
] as const;
export type EscalationKind = (typeof ESCALATION_KINDS)[number];

export interface Escalation {
  kind: EscalationKind;
  /** Unique per case: kind plus the threshold, deadline or placement it is about. */
  key: string;
  raisedAt: string;
  message: string;
}

export interface EscalationPolicy {
  /** Days without a place at which the case is escalated, each once: e.g. 30, 60, 90. */
  daysWithoutPlace: number[];
  /** How many days before a phase-transfer deadline to warn. */
  phaseTransferWarningDays: number;
}

/**
 * Defaults: a first escalation after 30 days without a place (about six school weeks), then at 60
 * and 90; a warning 14 days before the phase-transfer deadline (15 February / 31 March).
 */
export const DEFAULT_ESCALATION_POLICY: EscalationPolicy = {
  daysWithoutPlace: [30, 60, 90],
  phaseTransferWarningDays: 14,
};

/**
 * Reads a policy from settings text, naming what is wrong: `days` like "30,60,90" and `warning`
 * like "14". Missing values keep the defaults.
 */
export function parseEscalationPolicy(days: string | undefined, warning: string | undefined): EscalationPolicy {
  const policy = { ...DEFAULT_ESCALATION_POLICY };
  if (days !== undefined && days.trim() !== '') {
    const values = days.split(',').map((d) => Number(d.trim()));
    if (values.some((v) => !Number.isInteger(v) || v <= 0))
      throw new Error(
        `days without a place thresholds must be whole days above 0, comma separated (such as 30,60,90); got "${days}"`,
      );
    policy.daysWithoutPlace = [...new Set(values)].sort((a, b) => a - b);
  }
  if (warning !== undefined && warning.trim() !== '') {
    const value = Number(warning);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`the phase-transfer warning must be whole days, 0 or more; got "${warning}"`);
    policy.phaseTransferWarningDays = value;
  }
  return policy;
}

const DAY = 86_400_000;

/** Escalations due for a case now that it has not had yet. Pure: the job stores what this returns. */
export function dueEscalations(
  c: Case,
  placement: Placement | undefined,
  now: Date,
  policy: EscalationPolicy = DEFAULT_ESCALATION_POLICY,
): Escalation[] {
  if (c.state === 'placed' || c.state === 'closed') return [];
  const raised = new Set((c.escalations ?? []).map((e) => e.key));
  const today = londonDate(now);
  const at = now.toISOString();
  const due: Escalation[] = [];
  const add = (kind: EscalationKind, key: string, message: string) => {
    if (!raised.has(key)) due.push({ kind, key, raisedAt: at, message });
  };

  if (placement !== undefined && placement.state === 'consulting' && placement.respondBy < today) {
    add(
      'consultation_overdue',
      `consultation_overdue:${placement.id}`,
      `Setting ${placement.urn} has not answered the consultation due by ${placement.respondBy}.`,
    );
  }
  const days = Math.floor((now.getTime() - Date.parse(c.withoutPlaceSince)) / DAY);
  // Only the highest threshold passed is raised: a case found late is not escalated three times at once.
  const highest = policy.daysWithoutPlace.filter((t) => days >= t).pop();
  if (highest !== undefined) {
    add('days_without_place', `days_without_place:${highest}`, `${days} days without a place (threshold ${highest}).`);
  }
  // A named or placed case has met the deadline; one still open or only allocated has not.
  if (c.phaseTransferDeadline !== undefined && c.state !== 'named') {
    const deadline = c.phaseTransferDeadline;
    if (today > deadline) {
      add(
        'phase_transfer_deadline_passed',
        `phase_transfer_deadline_passed:${deadline}`,
        `The phase-transfer deadline ${deadline} has passed without a setting named.`,
      );
    } else if (
      Date.parse(`${deadline}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`) <=
      policy.phaseTransferWarningDays * DAY
    ) {
      add(
        'phase_transfer_deadline_near',
        `phase_transfer_deadline_near:${deadline}`,
        `The phase-transfer deadline ${deadline} is within ${policy.phaseTransferWarningDays} days and no setting is named.`,
      );
    }
  }
  return due;
}
