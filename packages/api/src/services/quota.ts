import { QuotaExceededError } from '@placements/domain';
import type { Deps } from '../http.ts';

const clock = (deps: Deps) => deps.now?.() ?? new Date();

/**
 * Most places one LA may hold at once without naming the setting (cases allocated, consultation
 * under way): enough for any LA's real caseload, far below what a runaway client could take.
 */
export const HELD_UNNAMED_PER_LA = 200;

/**
 * Each LA's (and partnership's) own share of allocation: a minute's worth, well under the route's
 * shared throttle (10 a second), so one caller looping allocations never blocks the others.
 */
export const ALLOCATIONS_PER_MINUTE = 120;
export const ROUNDS_PER_MINUTE = 6;

/** Takes one of the caller's own units for an action, or answers 429 with when to come back. */
export async function takeQuota(deps: Deps, org: string, action: string, limit: number): Promise<void> {
  const { ok, retryAfterSeconds } = await deps.store.quota.take(org, action, limit, clock(deps));
  if (!ok) {
    throw new QuotaExceededError(
      `Your organisation has used its ${limit} ${action === 'allocate' ? 'allocations' : 'allocation rounds'} for this minute; try again in ${retryAfterSeconds} s. The limit is per organisation, so others are not held up.`,
      retryAfterSeconds,
      limit,
    );
  }
}
