import { londonDate } from '@placements/domain';
import { randomUUID } from 'node:crypto';
import {
  addDays,
  CONSULTATION_DAYS,
  ForbiddenError,
  NotFoundError,
  runRound,
  ValidationError,
  type Actor,
  type Case,
  type FieldProblem,
  type Listing,
  type Placement,
  reservedLeft,
  shardOf,
  type RoundMechanism,
  type RoundOutcome,
  type SettingWithListings,
  type SkippedPreference,
} from '@placements/domain';
import {
  BUSINESS_METRICS,
  businessMetrics,
  CaseNotOpenError,
  PlaceTakenError,
  TransactionContentionError,
  type RoundPlacement,
} from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { joinQueues, settingsByUrn } from './cases.ts';
import { inParallel } from './parallel.ts';
import { asSeenBy, partnershipsOf, placementFactsFor } from './placement-facts.ts';

const clock = (deps: Deps) => deps.now?.() ?? new Date();

export interface RoundInput {
  cases: (string | { la: string; id: string })[];
  mechanism: RoundMechanism;
  seed: string;
  joinWaitingLists: boolean;
}

export const PRIORITY_RULE =
  'Longest without a place first (earliest withoutPlaceSince); ties by lottery number cyrb53("<seed>:<case id>"), lowest first; then by case id. Deferred acceptance: each listing puts cases of its own LA first, then this order.';

/** What happened to one case in the round, with the reasons a family or tribunal can follow. */
export interface RoundCaseOutcome {
  caseId: string;
  laCode: string;
  ref?: string;
  outcome: 'allocated' | 'unallocated' | 'not_eligible';
  turn?: number;
  lottery?: number;
  placementId?: string;
  urn?: string;
  listingId?: string;
  rank?: number;
  skipped: (SkippedPreference & { waiting?: unknown })[];
  explanation: string;
}

export interface RoundReport {
  id: string;
  mechanism: RoundMechanism;
  seed: string;
  priorityRule: string;
  snapshotAt: string;
  /** How many times the round was run again for cases whose listing changed while it committed. */
  reruns: number;
  summary: { cases: number; allocated: number; firstPreference: number; unallocated: number; notEligible: number };
  /** Where the time went, in ms: reading the snapshot, the mechanism, committing, joining waiting lists. */
  timings: { snapshotMs: number; mechanismMs: number; commitMs: number; waitingListsMs: number };
  outcomes: RoundCaseOutcome[];
}

/**
 * A transaction holds 100 actions: the listing's update and its capacity counters (one per need,
 * one for the band), three per case (placement, case, audit event) and the demand and placement
 * counters of each LA, band, need and counter shard among the cases (and prices paid and block use).
 */
function commitChunks(listing: Listing, placements: RoundPlacement[]): RoundPlacement[][] {
  const chunks: RoundPlacement[][] = [];
  let chunk: RoundPlacement[] = [];
  const counters = new Set<string>();
  const fixed = 2 + listing.needs.length;
  for (const p of placements) {
    // Demand and placement counters per LA, band and need; price paid and block use per LA.
    const at = `${p.after.laCode}#${shardOf(p.after.id)}`;
    const mine = [
      `D#${at}#${p.after.band}#${p.after.needs[0]}`,
      `P#${at}#${p.after.band}#${p.after.needs[0]}`,
      `R#${at}`,
      ...(p.placement.blockPartnershipId ? [`B#${at}`] : []),
    ];
    const added = mine.filter((k) => !counters.has(k)).length;
    if (chunk.length > 0 && fixed + 3 * (chunk.length + 1) + counters.size + added > 100) {
      chunks.push(chunk);
      chunk = [];
      counters.clear();
    }
    chunk.push(p);
    for (const k of mine) counters.add(k);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
const MAX_RERUNS = 3;

/** The cases a caller may put in a round: its own LA's, or a partnership's member LAs'. */
async function resolveCases(
  deps: Deps,
  principal: Principal,
  input: RoundInput,
): Promise<{ laCode: string; id: string }[]> {
  const problems: FieldProblem[] = [];
  const foreign: number[] = [];
  const members =
    principal.role === 'partnership'
      ? new Set((await deps.store.reference.getPartnership(principal.org))?.members ?? [])
      : new Set([principal.org]);
  const refs = input.cases.map((c, i) => {
    if (typeof c === 'string') {
      if (principal.role !== 'la')
        problems.push({
          field: `cases.${i}`,
          message: 'must be {"la": "<GSS code>", "id": "<case id>"}: a partnership’s round names each case’s LA',
        });
      return { laCode: principal.org, id: c };
    }
    if (!members.has(c.la)) foreign.push(i);
    return { laCode: c.la, id: c.id };
  });
  // Another tenant's cases are refused outright, before anything is read.
  if (foreign.length > 0) {
    throw new ForbiddenError(
      `${principal.role === 'la' ? 'A round allocates only your own LA’s cases' : `A round allocates only the cases of ${principal.org}’s member LAs`}; cases ${foreign.join(', ')} are not.`,
    );
  }
  const seen = new Map<string, number>();
  refs.forEach((r, i) => {
    const k = `${r.laCode}#${r.id}`;
    if (seen.has(k)) problems.push({ field: `cases.${i}`, message: `repeats cases.${seen.get(k)}: each case once` });
    else seen.set(k, i);
  });
  if (problems.length > 0) throw new ValidationError(problems);
  return refs;
}

/**
 * Allocates many cases at once against a frozen snapshot of capacity (see allocation-round.ts for
 * the mechanisms and the published order). Results are committed per listing, all or nothing; a
 * listing whose places changed since the snapshot fails its commit, and its cases are run again
 * against a fresh snapshot. Cases left without a place join the waiting lists, as with single
 * allocation.
 */
export async function runAllocationRound(deps: Deps, principal: Principal, input: RoundInput): Promise<RoundReport> {
  const started = performance.now();
  const refs = await resolveCases(deps, principal, input);
  const found = await deps.store.cases.getCases(refs);
  const missing = refs.map((r, i) => ({ r, i })).filter(({ r }) => !found.has(`${r.laCode}#${r.id}`));
  if (missing.length > 0)
    throw new ValidationError(
      missing.map(({ r, i }) => ({ field: `cases.${i}`, message: `${r.laCode} has no case ${r.id}` })),
    );

  const id = randomUUID();
  const actor: Actor = { sub: principal.sub, role: principal.role, org: principal.org };
  const outcomes = new Map<string, RoundCaseOutcome>();
  const notEligible = (c: Case, why: string) =>
    outcomes.set(c.id, {
      caseId: c.id,
      laCode: c.laCode,
      ref: c.ref,
      outcome: 'not_eligible',
      skipped: [],
      explanation: why,
    });
  let pending: Case[] = [];
  for (const c of found.values()) {
    if (c.state !== 'open') notEligible(c, `The case is ${c.state}: a round allocates only open cases.`);
    else if (c.preferences === undefined) notEligible(c, 'The case has no ranked preferences yet.');
    else pending.push(c);
  }

  const snapshotAt = clock(deps).toISOString();
  const timings = { snapshotMs: 0, mechanismMs: 0, commitMs: 0, waitingListsMs: 0 };
  let mark = performance.now();
  const lap = (k: keyof typeof timings) => {
    const t = performance.now();
    timings[k] += t - mark;
    mark = t;
  };
  let reruns = 0;
  let settings = new Map<string, SettingWithListings | undefined>();
  for (;;) {
    const now = clock(deps);
    const today = londonDate(now);
    mark = performance.now();
    settings = await settingsByUrn(deps, [...new Set(pending.flatMap((c) => c.preferences!.ranked))]);
    // Block places count in the round only when every case in it is a member of the partnership
    // that reserved them; members still take them first when their places are committed.
    const memberships = new Map<string, Set<string>>();
    for (const la of new Set(pending.map((c) => c.laCode))) memberships.set(la, await partnershipsOf(deps, la));
    const common = new Set(
      [...memberships.values()].reduce<string[]>((acc, m, i) => (i === 0 ? [...m] : acc.filter((x) => m.has(x))), []),
    );
    const seen = asSeenBy(common, settings);
    lap('snapshotMs');
    const result = runRound({
      cases: pending.map((c) => ({ ...c, ranked: c.preferences!.ranked })),
      settings: seen,
      seed: input.seed,
      today,
      mechanism: input.mechanism,
    });
    lap('mechanismMs');
    const byId = new Map(pending.map((c) => [c.id, c]));
    const groups = new Map<string, RoundOutcome[]>();
    for (const o of result.outcomes) {
      const c = byId.get(o.caseId)!;
      const note = reruns > 0 ? ` (run ${reruns + 1}: a listing changed while the round committed)` : '';
      outcomes.set(c.id, {
        caseId: c.id,
        laCode: c.laCode,
        ref: c.ref,
        outcome: o.assignment ? 'allocated' : 'unallocated',
        turn: o.turn,
        lottery: o.lottery,
        skipped: o.skipped,
        explanation: o.explanation + note,
        ...(o.assignment ? { urn: o.assignment.urn, listingId: o.assignment.listingId, rank: o.assignment.rank } : {}),
      });
      if (o.assignment)
        groups.set(`${o.assignment.urn}#${o.assignment.listingId}`, [
          ...(groups.get(`${o.assignment.urn}#${o.assignment.listingId}`) ?? []),
          o,
        ]);
    }

    const failed: Case[] = [];
    await inParallel([...groups.values()], 8, async (group) => {
      const { urn, listingId } = group[0]!.assignment!;
      const setting = settings.get(urn)!;
      const listing = setting.listings.find((l) => l.listingId === listingId)!;
      const facts = placementFactsFor(deps);
      let blockLeft = reservedLeft(listing);
      const all: RoundPlacement[] = [];
      for (const o of group) {
        const c = byId.get(o.caseId)!;
        const block =
          listing.reservedFor !== undefined &&
          blockLeft > 0 &&
          memberships.get(c.laCode)!.has(listing.reservedFor.partnershipId);
        if (block) blockLeft--;
        const placement: Placement = {
          id: randomUUID(),
          caseId: c.id,
          laCode: c.laCode,
          urn,
          listingId,
          providerId: setting.providerId,
          ...(setting.trustId ? { trustId: setting.trustId } : {}),
          governance: setting.governance,
          state: 'consulting',
          rank: o.assignment!.rank,
          skipped: o.skipped,
          respondBy: addDays(today, CONSULTATION_DAYS),
          createdAt: now.toISOString(),
          roundId: id,
          ...(await facts(c, setting, listing, today)),
          ...(block ? { blockPartnershipId: listing.reservedFor!.partnershipId } : {}),
          version: 1,
        };
        const { waitingOn: _w, ...rest } = c;
        all.push({
          placement,
          before: c,
          after: { ...rest, state: 'allocated', activePlacementId: placement.id, version: c.version + 1 },
        });
      }
      let current = listing;
      for (const placements of commitChunks(listing, all)) {
        try {
          await deps.store.cases.commitRoundListing({
            setting,
            listing: current,
            placements,
            actor,
            at: now.toISOString(),
            today,
            roundId: id,
          });
          for (const p of placements) outcomes.get(p.before.id)!.placementId = p.placement.id;
          const n = placements.length;
          const r = placements.filter((p) => p.placement.blockPartnershipId !== undefined).length;
          current = {
            ...current,
            available: current.available - n,
            held: current.held + n,
            reservedUsed: (current.reservedUsed ?? 0) + r,
            unreserved: (current.unreserved ?? current.available) - (n - r),
          };
        } catch (error) {
          if (
            !(
              error instanceof PlaceTakenError ||
              error instanceof CaseNotOpenError ||
              error instanceof TransactionContentionError
            )
          )
            throw error;
          failed.push(...placements.map((p) => p.before));
        }
      }
    });
    lap('commitMs');
    if (failed.length === 0) break;
    if (reruns >= MAX_RERUNS) {
      for (const c of failed) {
        const { urn: _u, listingId: _l, rank: _r, ...o } = outcomes.get(c.id)!;
        outcomes.set(c.id, {
          ...o,
          outcome: 'unallocated',
          explanation: `${o.explanation} Not committed: the listing kept changing while the round ran; allocate this case again.`,
        });
      }
      break;
    }
    // Run again for the cases whose commit failed, against capacity as it is now.
    reruns++;
    const fresh = await deps.store.cases.getCases(failed.map((c) => ({ laCode: c.laCode, id: c.id })));
    pending = [];
    for (const c of fresh.values()) {
      if (c.state !== 'open') notEligible(c, `The case became ${c.state} while the round ran.`);
      else pending.push(c);
    }
    if (pending.length === 0) break;
  }

  // Cases left without a place wait on their preferred listings, as after a single allocation.
  const waiting = [...outcomes.values()].filter((o) => o.outcome === 'unallocated');
  mark = performance.now();
  if (input.joinWaitingLists && waiting.length > 0) {
    const current = await deps.store.cases.getCases(waiting.map((o) => ({ laCode: o.laCode, id: o.caseId })));
    await inParallel(waiting, 8, async (o) => {
      const c = current.get(`${o.laCode}#${o.caseId}`);
      if (c === undefined || c.state !== 'open') return;
      // Positions are left to GET /cases/{id}: counting them for thousands of cases would double the round's time.
      o.skipped = await joinQueues(deps, c, settings, o.skipped, actor, clock(deps), { positions: false });
    });
  }
  lap('waitingListsMs');
  for (const k of Object.keys(timings) as (keyof typeof timings)[]) timings[k] = Math.round(timings[k]);

  const list = refs.map((r) => outcomes.get(r.id)!);
  const allocated = list.filter((o) => o.outcome === 'allocated');
  const report: RoundReport = {
    id,
    mechanism: input.mechanism,
    seed: input.seed,
    priorityRule: PRIORITY_RULE,
    snapshotAt,
    reruns,
    timings,
    summary: {
      cases: list.length,
      allocated: allocated.length,
      firstPreference: allocated.filter((o) => o.rank === 1).length,
      unallocated: list.filter((o) => o.outcome === 'unallocated').length,
      notEligible: list.filter((o) => o.outcome === 'not_eligible').length,
    },
    outcomes: list,
  };
  const { outcomes: stored, ...head } = report;
  await deps.store.cases.putRound(principal.org, id, { ...head, by: actor }, stored);
  businessMetrics.count(BUSINESS_METRICS.allocationsPlaced, allocated.length);
  businessMetrics.milliseconds(BUSINESS_METRICS.roundDuration, performance.now() - started);
  return report;
}

export async function getRound(deps: Deps, principal: Principal, id: string): Promise<RoundReport> {
  const round = await deps.store.cases.getRound(principal.org, id);
  if (round === undefined) throw new NotFoundError(`You have no allocation round ${id}.`);
  const { by: _by, parts: _parts, ...head } = round.head;
  return { ...(head as Omit<RoundReport, 'outcomes'>), outcomes: round.outcomes as RoundCaseOutcome[] };
}
