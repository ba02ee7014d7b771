import {
  ConflictError,
  daysBetween,
  ForbiddenError,
  NotFoundError,
  shardOf,
  suitableListings,
  type Actor,
  type Case,
  type Listing,
  type SettingWithListings,
  type SkippedPreference,
} from '@placements/domain';
import { MAX_TRANSACTION_ACTIONS, TransactionContentionError, type WaitingEntry } from '@placements/store';
import { inParallel } from './parallel.ts';
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

/** The queues a case would join now (those it is not in, not ones that declined it), and the case after joining. */
function queuesToJoin(
  c: Case,
  settings: Map<string, SettingWithListings | undefined>,
  now: Date,
): { after: Case; entries: WaitingEntry[] } | undefined {
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
  if (fresh.length === 0) return undefined;
  return {
    entries: fresh.map((w) => ({ ...w, caseId: c.id, laCode: c.laCode, joinedAt })),
    after: {
      ...c,
      waitingOn: {
        ...(c.waitingOn ?? {}),
        ...Object.fromEntries(fresh.map((w) => [`${w.urn}#${w.listingId}`, joinedAt])),
      },
      version: c.version + 1,
    },
  };
}

type Waiting = (SkippedPreference & { waiting?: { listingId: string; position?: number }[] })[];

/** Each skipped preference with the listings of that setting the case waits on (and where, if counted). */
function withQueues(
  skipped: SkippedPreference[],
  positions: { urn: string; listingId: string; position?: number | undefined }[],
): Waiting {
  return skipped.map((s) => {
    const here = positions
      .filter((p) => p.urn === s.urn)
      .map((p) => ({ listingId: p.listingId, ...(p.position !== undefined ? { position: p.position } : {}) }));
    return here.length > 0 ? { ...s, waiting: here } : s;
  });
}

const unpositioned = (c: Case) =>
  Object.keys(c.waitingOn ?? {}).map((k) => ({
    urn: k.split('#')[0]!,
    listingId: k.split('#')[1]!,
    position: undefined,
  }));

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
): Promise<Waiting> {
  const join = queuesToJoin(c, settings, now);
  let current = c;
  if (join !== undefined) {
    try {
      await deps.store.cases.joinWaitingLists(c, join.after, join.entries, actor, now.toISOString());
      current = join.after;
    } catch (error) {
      // Someone changed the case at that moment; it stays out of the queues until the next attempt.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return withQueues(skipped, options.positions ? await waitingPositions(deps, current) : unpositioned(current));
}

/**
 * A round's cases left without a place join their queues as joinQueues does, but several cases a
 * transaction (up to its 100 actions), and with only their `waitingOn` in it: the queue entries
 * follow from each case's stream record (queuesFollowCases), written with BatchWriteItem. A round
 * leaves thousands waiting on up to 15 queues each, and DynamoDB Local spends its time on
 * transaction actions. A group with a case that changed meanwhile is joined again case by case.
 * Positions are not counted (GET /cases/{id} shows them). With `checkpoint` (a round's), each
 * group's counters' deltas go into its checkpoint item, for the round to apply once merged.
 */
export async function joinQueuesTogether(
  deps: Deps,
  waiting: { c: Case; skipped: SkippedPreference[] }[],
  settings: Map<string, SettingWithListings | undefined>,
  actor: Actor,
  now: Date,
  each: () => Promise<void> = async () => {},
  checkpoint?: (group: number) => Record<string, unknown>,
): Promise<Waiting[]> {
  const plans = waiting.map((w) => ({ ...w, join: queuesToJoin(w.c, settings, now) }));
  const groups: (typeof plans)[] = [];
  let group: typeof plans = [];
  // With a checkpoint (a round's), it takes one action and the counters none.
  const fixed = checkpoint === undefined ? 0 : 1;
  let actions = fixed;
  const counters = new Set<string>();
  for (const p of plans) {
    if (p.join === undefined) continue;
    // The case and its audit event, and its demand counter if new to the group: the queue
    // entries are the stream's projection of the case's waitingOn (queuesFollowCases).
    const counter = `${p.c.laCode}|${p.c.band}|${p.c.needs[0]}|${shardOf(p.c.id)}`;
    const size = () => 2 + (checkpoint !== undefined || counters.has(counter) ? 0 : 1);
    if (group.length > 0 && actions + size() > MAX_TRANSACTION_ACTIONS) {
      groups.push(group);
      group = [];
      actions = fixed;
      counters.clear();
    }
    group.push(p);
    // Counted again: in a new group the case's counter is new to it.
    actions += size();
    counters.add(counter);
  }
  if (group.length > 0) groups.push(group);
  const joined = new Set<Case>();
  await inParallel(groups, 4, async (g) => {
    await each();
    try {
      await deps.store.cases.joinWaitingListsTogether(
        g.map((p) => ({ before: p.c, after: p.join!.after, entries: p.join!.entries })),
        actor,
        now.toISOString(),
        checkpoint?.(groups.indexOf(g)),
      );
      for (const p of g) joined.add(p.c);
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof TransactionContentionError)) throw error;
      // One of them changed: each on its own, so the others still join.
      for (const p of g) {
        try {
          await deps.store.cases.joinWaitingLists(p.c, p.join!.after, p.join!.entries, actor, now.toISOString());
          joined.add(p.c);
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
        }
      }
    }
  });
  return plans.map((p) => withQueues(p.skipped, unpositioned(p.join && joined.has(p.c) ? p.join.after : p.c)));
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
