import {
  ConflictError,
  daysBetween,
  ForbiddenError,
  NotFoundError,
  suitableListings,
  type Actor,
  type Case,
  type Listing,
  type SettingWithListings,
  type SkippedPreference,
} from '@placements/domain';
import type { WaitingEntry } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { waitingPositions } from './cases.ts';

// The waiting lists: a case joins them when none of its preferences has a place, and each
// listing's queue is shown to each role as it may see it. Offering a freed place is an
// allocation (allocation.ts, offerFreedPlaces).

const clock = (deps: Deps) => deps.now?.() ?? new Date();

/** Most queue entries a case takes: one transaction holds 100 actions, with the case and its audit event. */
const MAX_QUEUES = 60;
const QUEUES_PER_SETTING = 3;

/**
 * No preference had a place: the case joins the queue of each suitable listing of its preferred
 * settings (those it has not joined already, and not ones that declined it), and the 409 says
 * where it now stands in each.
 */
export async function joinQueues(
  deps: Deps,
  c: Case,
  settings: Map<string, SettingWithListings | undefined>,
  skipped: SkippedPreference[],
  actor: Actor,
  now: Date,
  options: { positions: boolean } = { positions: true },
): Promise<(SkippedPreference & { waiting?: { listingId: string; position?: number }[] })[]> {
  const declined = new Set(c.declined ?? []);
  const wanted: { urn: string; listingId: string }[] = [];
  for (const urn of c.preferences?.ranked ?? []) {
    const s = settings.get(urn);
    if (s === undefined) continue;
    const listings = suitableListings(c, s)
      .filter((l: Listing) => !declined.has(`${urn}#${l.listingId}`))
      .sort((a, b) => a.availableFrom.localeCompare(b.availableFrom) || a.listingId.localeCompare(b.listingId));
    for (const l of listings.slice(0, QUEUES_PER_SETTING)) wanted.push({ urn, listingId: l.listingId });
  }
  const joinedAt = now.toISOString();
  const fresh = wanted
    .filter((w) => c.waitingOn?.[`${w.urn}#${w.listingId}`] === undefined)
    .slice(0, Math.max(0, MAX_QUEUES - Object.keys(c.waitingOn ?? {}).length));
  let current = c;
  if (fresh.length > 0) {
    const entries: WaitingEntry[] = fresh.map((w) => ({ ...w, caseId: c.id, laCode: c.laCode, joinedAt }));
    const after: Case = {
      ...c,
      waitingOn: {
        ...(c.waitingOn ?? {}),
        ...Object.fromEntries(fresh.map((w) => [`${w.urn}#${w.listingId}`, joinedAt])),
      },
      version: c.version + 1,
    };
    try {
      await deps.store.cases.joinWaitingLists(c, after, entries, actor, joinedAt);
      current = after;
    } catch (error) {
      // Someone changed the case at that moment; it stays out of the queues until the next attempt.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  const positions = options.positions
    ? await waitingPositions(deps, current)
    : Object.keys(current.waitingOn ?? {}).map((k) => ({
        urn: k.split('#')[0]!,
        listingId: k.split('#')[1]!,
        position: undefined,
      }));
  return skipped.map((s) => {
    const here = positions
      .filter((p) => p.urn === s.urn)
      .map((p) => ({ listingId: p.listingId, ...(p.position !== undefined ? { position: p.position } : {}) }));
    return here.length > 0 ? { ...s, waiting: here } : s;
  });
}

/**
 * A listing's queue as each role may see it: an LA its own entries in full (with how many are
 * ahead of each), a partnership its members' entries, the provider and the national team every
 * position with its LA and days waiting; exact join times and case ids only to their own LA.
 */
export async function waitingListView(
  deps: Deps,
  principal: Principal,
  urn: string,
  listingId: string,
  limit: number,
  cursor?: string,
) {
  const setting = await deps.store.settings.getSetting(urn);
  if (setting === undefined || !setting.listings.some((l) => l.listingId === listingId))
    throw new NotFoundError(`Setting ${urn} has no listing ${listingId}.`);
  if (principal.role === 'provider' && principal.org !== setting.providerId)
    throw new ForbiddenError('Only the setting’s own provider sees its waiting lists.');
  // Whose entries the caller sees: an LA its own, a partnership its members', the provider and
  // the national team every entry (without case ids or exact times, which are the LA's alone).
  const members =
    principal.role === 'partnership'
      ? new Set((await deps.store.reference.getPartnership(principal.org))?.members ?? [])
      : undefined;
  const visible = (laCode: string) =>
    principal.role === 'la' ? laCode === principal.org : members === undefined || members.has(laCode);
  const page = await deps.store.cases.waitingList(urn, listingId, limit, cursor);
  const first = page.items[0];
  const start =
    first === undefined ? 1 : await deps.store.cases.waitingPosition(urn, listingId, first.joinedAt, first.caseId);
  const now = clock(deps).toISOString();
  return {
    urn,
    listingId,
    items: page.items.flatMap((e, i) => {
      if (!visible(e.laCode)) return [];
      const position = start + i;
      // Another tenant's entries show only as the count ahead (position − 1), never their LA or time.
      return principal.role === 'la'
        ? [
            {
              position,
              ahead: position - 1,
              laCode: e.laCode,
              caseId: e.caseId,
              joinedAt: e.joinedAt,
              daysWaiting: daysBetween(e.joinedAt, now),
            },
          ]
        : [{ position, laCode: e.laCode, daysWaiting: daysBetween(e.joinedAt, now) }];
    }),
    nextCursor: page.nextCursor,
  };
}
