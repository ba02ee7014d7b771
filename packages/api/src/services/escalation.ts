import { londonDate } from '@placements/domain';
import { BUSINESS_METRICS, businessMetrics } from '@placements/store';
import {
  consultationReminders,
  staleListingNudge,
  DEFAULT_STALE_LISTING_DAYS,
  type NotificationDraft,
  ConflictError,
  DEFAULT_ESCALATION_POLICY,
  dueEscalations,
  type Actor,
  type Case,
  type EscalationKind,
  type EscalationPolicy,
} from '@placements/domain';
import type { Deps } from '../http.ts';
import { offerFreedPlaces } from './allocation.ts';
import { notify, sendDigests, type NotifierDeps } from './notifications.ts';
import { inParallel } from './parallel.ts';
import { recordDailySnapshots } from './sufficiency.ts';

const SYSTEM: Actor = { sub: 'system:escalation', role: 'system', org: 'marketplace' };

export interface EscalationRun {
  at: string;
  lasChecked: number;
  casesChecked: number;
  raised: Partial<Record<EscalationKind, number>>;
  /** Cases changed by someone else while the job ran: raised on the next run instead. */
  deferred: number;
  queuesChecked: number;
  placesOffered: number;
  /** Partnerships whose daily sufficiency figures (the trend) were written by this run: once a day each. */
  snapshotsWritten: number;
  /** Consultation reminders (5 days before and on the respond-by date) and listing nudges stored now. */
  remindersSent?: number;
  nudgesSent?: number;
  digestsSent?: number;
}

/** What the job needs to tell people: the notifier, and when a listing is stale. */
export interface EscalationNotices {
  notifier: NotifierDeps;
  staleListingDays?: number;
}

/**
 * The timeliness job (hourly in AWS, on a timer locally): raises each due escalation once per
 * case (overdue consultations, days without a place past the thresholds, phase-transfer deadlines
 * near or passed), recorded on the case with an audit event; then offers any free places on
 * listings with a waiting list, in case an offer after a release was missed.
 * Reads active cases LA by LA through the index: never a scan.
 */
export async function runEscalations(
  deps: Deps,
  policy: EscalationPolicy = DEFAULT_ESCALATION_POLICY,
  notices?: EscalationNotices,
): Promise<EscalationRun> {
  const now = deps.now?.() ?? new Date();
  const reminders: NotificationDraft[] = [];
  const run: EscalationRun = {
    at: now.toISOString(),
    lasChecked: 0,
    casesChecked: 0,
    raised: {},
    deferred: 0,
    queuesChecked: 0,
    placesOffered: 0,
    snapshotsWritten: 0,
  };
  const las = await deps.store.reference.allLas();
  await inParallel(las, 4, async (la) => {
    run.lasChecked++;
    let cursor: string | undefined;
    do {
      const page = await deps.store.cases.listCases(la.laCode, {
        activeOnly: true,
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      for (const c of page.items) {
        run.casesChecked++;
        const placement =
          c.state === 'allocated' && c.activePlacementId
            ? await deps.store.cases.getPlacement(c.activePlacementId)
            : undefined;
        if (notices && placement) reminders.push(...consultationReminders(placement, now));
        const due = dueEscalations(c, placement, now, policy);
        if (due.length === 0) continue;
        const after: Case = { ...c, escalations: [...(c.escalations ?? []), ...due], version: c.version + 1 };
        try {
          await deps.store.cases.updateCase(c, after, 'case.escalated', SYSTEM, now.toISOString());
          for (const e of due) run.raised[e.kind] = (run.raised[e.kind] ?? 0) + 1;
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          run.deferred++;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  });
  const queues = await deps.store.cases.listingsWithQueues();
  run.queuesChecked = queues.length;
  await inParallel(queues, 4, async (q) => {
    run.placesOffered += (await offerFreedPlaces(deps, q.urn, q.listingId)).length;
  });
  run.snapshotsWritten = await recordDailySnapshots(deps);
  businessMetrics.count(BUSINESS_METRICS.consultationsOverdue, run.raised.consultation_overdue ?? 0);
  if (notices) {
    const notifier = { ...notices.notifier, now: () => now };
    run.remindersSent = (await notify(notifier, reminders)).length;
    run.nudgesSent = (await notify(notifier, await staleListings(deps, las, now, notices.staleListingDays))).length;
    run.digestsSent = await sendDigests(notifier);
  }
  return run;
}

/**
 * Listings not updated for `days`: a nudge to their provider, once per listing version (any
 * update, even confirming the same figures, starts the count again). Read LA by LA through the
 * index, once a day (the job may run hourly).
 */
async function staleListings(
  deps: Deps,
  las: { laCode: string }[],
  now: Date,
  days: number = DEFAULT_STALE_LISTING_DAYS,
): Promise<NotificationDraft[]> {
  if (!(await deps.store.notifications.claimDailyRun('stale-listings', londonDate(now)))) return [];
  const nudges: NotificationDraft[] = [];
  await inParallel(las, 4, async (la) => {
    let cursor: string | undefined;
    do {
      const page = await deps.store.settings.listSettings({ laCode: la.laCode }, 100, cursor);
      for (const s of page.items) {
        for (const l of s.listings) {
          const n = staleListingNudge(
            {
              urn: s.urn,
              listingId: l.listingId,
              providerId: s.providerId,
              updatedAt: l.updatedAt,
              version: l.version,
            },
            now,
            days,
          );
          if (n) nudges.push(n);
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  });
  return nudges;
}
