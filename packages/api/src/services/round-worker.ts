import { londonDate } from '@placements/domain';
import { createHash, randomUUID } from 'node:crypto';
import {
  addDays,
  CONSULTATION_DAYS,
  runRound,
  blockPlacesLeft,
  type Actor,
  type Case,
  type Listing,
  type Placement,
  type RoundMechanism,
  type SettingWithListings,
} from '@placements/domain';
import {
  CaseNotOpenError,
  PlaceTakenError,
  planRoundChunks,
  RoundChunkCommittedError,
  RoundPartsRefusedError,
  TransactionContentionError,
  type RoundListingPart,
  type RoundPlacement,
} from '@placements/store';
import type { Deps } from '../http.ts';
import { settingsByUrn } from './cases.ts';
import { joinQueuesTogether } from './waiting-lists.ts';
import { inParallel } from './parallel.ts';
import { asSeenBy, partnershipsOf, placementFactsFor } from './placement-facts.ts';
import type { RoundCaseOutcome, RoundReport } from './rounds.ts';

/**
 * The allocation round as a background job: resumable at any point, and never giving a place twice.
 *
 *   queued ─▶ running: plan run 0 ─▶ commit its listings ─▶ its counters ─▶ (re-run failed cases: plan run 1 …)
 *                      ─▶ waiting lists ─▶ report ─▶ done
 *
 * Every step leaves a checkpoint in the round's partition (see store repositories/rounds.ts):
 * - a run's plan (the mechanism's outcomes) is written whole before anything of it is committed,
 *   so a resumed worker commits the same decisions instead of deciding again;
 * - each planned commit (several small listings, or a chunk of a big one) is one transaction
 *   together with its checkpoint item, so it is either committed and marked, or neither: a worker
 *   killed between two commits resumes at the first unmarked one; placement ids are derived from
 *   (round, run, case), and every case is conditioned on being open at the version read, so a
 *   commit can never be applied twice;
 * - the regional counters' deltas ride in the checkpoints and are applied once the run's commits
 *   are done, merged, in batches each marked in its own transaction (applyRunCounters): the
 *   region's figures catch up with the round a moment after its commits, never twice;
 * - joining waiting lists is idempotent (a case joins only queues it is not in); the transaction
 *   records the case's waitingOn, and its queue entries follow from its stream record;
 * - the outcomes are written before the head says done.
 * A lease on the head keeps two workers off one round; one that died lets go when its lease runs out.
 */
export const MAX_RERUNS = 3;
export const LEASE_MS = 20_000;
const PROGRESS_EVERY_MS = 2_000;

export type RoundJobResult = 'done' | 'failed' | 'paused' | 'busy' | 'missing';

interface RoundRef {
  laCode: string;
  id: string;
}

interface RoundHead {
  org: string;
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  mechanism: RoundMechanism;
  seed: string;
  joinWaitingLists: boolean;
  by: Actor;
  createdAt: string;
  startedAt?: string;
  run?: number;
  phase?: 'planning' | 'committing' | 'waiting_lists' | 'reporting';
  attempts?: number;
  timings?: RoundReport['timings'];
  progress?: { cases: number; casesDecided: number; listings: number; listingsCommitted: number };
}

/** A placement id that is the same however often the worker runs: one per (round, run, case). */
export function roundPlacementId(roundId: string, run: number, caseId: string): string {
  const h = createHash('sha256').update(`${roundId}:${run}:${caseId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const listingKey = (urn: string, listingId: string) => `${urn}#${listingId}`;

/** What a run was planned from: its cases by `laCode#id` and its settings by URN, as read then. */
interface Snapshot {
  cases: Map<string, Case>;
  settings: Map<string, SettingWithListings | undefined>;
}

class Paused extends Error {}
class LostLease extends Error {}

/**
 * Runs (or resumes) one round until it is done, the deadline (epoch ms) comes, or another worker
 * holds it. `owner` names this worker in the lease.
 */
export async function runRoundJob(
  deps: Deps,
  org: string,
  id: string,
  options: { owner?: string; deadline?: number } = {},
): Promise<RoundJobResult> {
  const owner = options.owner ?? randomUUID();
  const rounds = deps.store.rounds;
  const head = (await rounds.head(org, id)) as RoundHead | undefined;
  if (head === undefined) return 'missing';
  if (head.state === 'done' || head.state === 'failed') return head.state;
  if (
    !(await rounds.lease(org, id, owner, LEASE_MS, {
      state: 'running',
      ...(head.startedAt ? {} : { startedAt: new Date().toISOString() }),
    }))
  )
    return 'busy';

  const clock = () => deps.now?.() ?? new Date();
  const timings = { snapshotMs: 0, mechanismMs: 0, commitMs: 0, waitingListsMs: 0, ...(head.timings ?? {}) };
  const progress = { cases: 0, casesDecided: 0, listings: 0, listingsCommitted: 0, ...(head.progress ?? {}) };
  let lastBeat = Date.now();
  /** Renews the lease (and shows progress); stops the worker at its deadline or when the lease was taken over. */
  const beat = async (force = false, set: Record<string, unknown> = {}) => {
    if (options.deadline !== undefined && Date.now() > options.deadline) throw new Paused('deadline');
    if (!force && Date.now() - lastBeat < PROGRESS_EVERY_MS) return;
    lastBeat = Date.now();
    const ok = await rounds.update(org, id, owner, {
      leaseUntil: Date.now() + LEASE_MS,
      progress,
      timings: rounded(timings),
      ...set,
    });
    if (!ok) throw new LostLease('lease');
  };
  const rounded = (t: typeof timings) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v)]));

  try {
    const refs = (await rounds.inputs(org, id)) as RoundRef[];
    progress.cases = refs.length;
    let run = head.run ?? 0;
    let phase = head.phase ?? 'planning';
    const actor = head.by;
    // Outcomes by case id, from run 0 and then each re-run for its own cases.
    const outcomes = new Map<string, RoundCaseOutcome>();
    let failedAtLast: string[] = [];
    /** The settings as this worker planned the last run from them and its commits left them, if it did. */
    let settingsAfter: Map<string, SettingWithListings | undefined> | undefined;

    for (let r = 0; r <= run && phase !== 'waiting_lists' && phase !== 'reporting'; r++) {
      // Earlier runs are read back (their plans and which chunks failed); the current one is planned if need be.
      let plan = await rounds.plan(org, id, r);
      /** The cases and settings this worker planned from, if it planned the run now. */
      let snapshot: Snapshot | undefined;
      if (plan === undefined) {
        const pending =
          r === 0 ? refs : failedAtLast.map((caseId) => ({ laCode: outcomes.get(caseId)!.laCode, id: caseId }));
        await beat(true, { phase: 'planning', run: r });
        const planned = await planRun(deps, id, r, pending, head, timings);
        const meta = { today: planned.today, at: planned.at, snapshotAt: planned.at };
        // This worker's plan is the run's plan unless another worker's was written first: only then read it back.
        if (await rounds.putPlan(org, id, r, randomUUID(), planned.outcomes, meta)) {
          plan = { meta, outcomes: planned.outcomes };
          snapshot = planned.snapshot;
        } else plan = (await rounds.plan(org, id, r))!;
      }
      for (const o of plan.outcomes as RoundCaseOutcome[]) outcomes.set(o.caseId, o);
      // Shown in the head, so a round read back after a crash says where it stopped.
      phase = 'committing';
      await beat(true, { phase });
      const result = await commitRun(deps, org, id, r, plan, outcomes, actor, beat, progress, timings, snapshot);
      // The run's regional counters, from its checkpoints, once (a resumed worker applies only what is left).
      const countersFrom = performance.now();
      await rounds.applyRunCounters(org, id, r);
      timings.commitMs += performance.now() - countersFrom;
      await beat(true);
      failedAtLast = result.failed;
      // Run 0's snapshot holds every case's preferred settings; a re-run's only its own cases'.
      settingsAfter = r === 0 && snapshot ? withListings(snapshot.settings, result.listings) : undefined;
      if (failedAtLast.length === 0) break;
      if (r === MAX_RERUNS) {
        for (const caseId of failedAtLast) {
          const { urn: _u, listingId: _l, rank: _r, placementId: _p, ...o } = outcomes.get(caseId)!;
          outcomes.set(caseId, {
            ...o,
            outcome: 'unallocated',
            explanation: `${o.explanation} Not committed: the listing kept changing while the round ran; allocate this case again.`,
          });
        }
        break;
      }
      if (r === run) {
        run = r + 1;
        await beat(true, { run });
      }
    }
    if (phase === 'waiting_lists' || phase === 'reporting') {
      // Resumed after the commits: read the plans back for the report.
      await readBack(deps, org, id, run, outcomes);
    }

    // Cases left without a place wait on their preferred listings, as after a single allocation.
    if (phase !== 'reporting') {
      phase = 'waiting_lists';
      await beat(true, { phase });
      const waiting = [...outcomes.values()].filter((o) => o.outcome === 'unallocated');
      const started = performance.now();
      if (head.joinWaitingLists && waiting.length > 0) {
        const current = await deps.store.cases.getCases(waiting.map((o) => ({ laCode: o.laCode, id: o.caseId })));
        // As this worker's commits left them when it planned the run just now (a queue joined on a
        // listing someone has freed a place on since is offered it from the stream: queuesFollowCases).
        const settings =
          settingsAfter ??
          (await settingsByUrn(deps, [...new Set([...current.values()].flatMap((c) => c.preferences?.ranked ?? []))]));
        const open = waiting.flatMap((o) => {
          const c = current.get(`${o.laCode}#${o.caseId}`);
          return c === undefined || c.state !== 'open' ? [] : [{ o, c }];
        });
        // Several cases a transaction; positions are left to GET /cases/{id} (counting them for
        // thousands of cases would double the round's time).
        // Each group's checkpoint is this worker's own (a resumed worker's groups are new ones:
        // the cases joined before are skipped), and keeps the group's counters' deltas.
        const token = randomUUID().slice(0, 8);
        const queued = await joinQueuesTogether(
          deps,
          open.map(({ o, c }) => ({ c, skipped: o.skipped })),
          settings,
          actor,
          clock(),
          () => beat(),
          (group) => rounds.waitingItem(org, id, `${token}#${String(group).padStart(5, '0')}`),
        );
        open.forEach(({ o }, i) => {
          o.skipped = queued[i]!;
        });
      }
      // The groups' regional counters, merged, once (a resumed worker applies only what is left).
      await rounds.applyWaitingCounters(org, id);
      timings.waitingListsMs += performance.now() - started;
    }

    phase = 'reporting';
    await beat(true, { phase });
    const list = refs.map((ref) => outcomes.get(ref.id)!);
    const allocated = list.filter((o) => o.outcome === 'allocated');
    const parts = await rounds.putOutcomes(org, id, list);
    const summary = {
      cases: list.length,
      allocated: allocated.length,
      firstPreference: allocated.filter((o) => o.rank === 1).length,
      unallocated: list.filter((o) => o.outcome === 'unallocated').length,
      notEligible: list.filter((o) => o.outcome === 'not_eligible').length,
    };
    progress.casesDecided = list.length;
    const done = await rounds.update(
      org,
      id,
      owner,
      {
        state: 'done',
        phase: 'reporting',
        summary,
        reruns: run,
        progress,
        timings: rounded(timings),
        outcomeParts: parts,
        finishedAt: new Date().toISOString(),
      },
      ['gsi2pk', 'gsi2sk', 'leaseUntil'],
    );
    return done ? 'done' : 'busy';
  } catch (error) {
    if (error instanceof Paused) {
      // Let go at once, so the next invocation (started by this very write's stream record) can resume.
      await rounds.update(org, id, owner, {
        leaseUntil: 0,
        progress,
        timings: rounded(timings),
        pausedAt: new Date().toISOString(),
      });
      return 'paused';
    }
    if (error instanceof LostLease) return 'busy';
    const attempts = (head.attempts ?? 0) + 1;
    const failed = attempts >= 5;
    await rounds
      .update(
        org,
        id,
        owner,
        { leaseUntil: 0, attempts, lastError: String(error), ...(failed ? { state: 'failed' } : {}) },
        failed ? ['gsi2pk', 'gsi2sk'] : [],
      )
      .catch(() => undefined);
    if (failed) return 'failed';
    throw error;
  }
}

/** Every run's plan read back in order (later runs decide their own cases again). */
async function readBack(deps: Deps, org: string, id: string, run: number, outcomes: Map<string, RoundCaseOutcome>) {
  for (let r = 0; r <= run; r++) {
    const plan = await deps.store.rounds.plan(org, id, r);
    if (plan === undefined) continue;
    for (const o of plan.outcomes as RoundCaseOutcome[]) outcomes.set(o.caseId, o);
    const commits = await deps.store.rounds.commits(org, id, r);
    for (const { failed } of commits.values()) {
      if (failed === undefined || r < run) continue;
      for (const caseId of failed) {
        const { urn: _u, listingId: _l, rank: _r, placementId: _p, ...o } = outcomes.get(caseId)!;
        outcomes.set(caseId, {
          ...o,
          outcome: 'unallocated',
          explanation: `${o.explanation} Not committed: the listing kept changing while the round ran; allocate this case again.`,
        });
      }
    }
  }
}

/** Decides one run: the eligible cases against a frozen snapshot of capacity, by the round's mechanism. */
async function planRun(
  deps: Deps,
  roundId: string,
  run: number,
  refs: RoundRef[],
  head: RoundHead,
  timings: RoundReport['timings'],
): Promise<{ outcomes: RoundCaseOutcome[]; today: string; at: string; snapshot: Snapshot }> {
  const now = deps.now?.() ?? new Date();
  const today = londonDate(now);
  let mark = performance.now();
  const found = await deps.store.cases.getCases(refs);
  const outcomes: RoundCaseOutcome[] = [];
  const pending: Case[] = [];
  for (const ref of refs) {
    const c = found.get(`${ref.laCode}#${ref.id}`);
    const notEligible = (why: string) =>
      outcomes.push({
        caseId: ref.id,
        laCode: ref.laCode,
        ...(c?.reference ? { reference: c.reference } : {}),
        outcome: 'not_eligible',
        skipped: [],
        explanation: why,
      });
    if (c === undefined) notEligible('The case no longer exists.');
    else if (c.state !== 'open')
      notEligible(
        run === 0
          ? `The case is ${c.state}: a round allocates only open cases.`
          : `The case became ${c.state} while the round ran.`,
      );
    else if (c.preferences === undefined) notEligible('The case has no ranked preferences yet.');
    else pending.push(c);
  }
  const settings = await settingsByUrn(deps, [...new Set(pending.flatMap((c) => c.preferences!.ranked))]);
  const memberships = new Map<string, Set<string>>();
  for (const la of new Set(pending.map((c) => c.laCode))) memberships.set(la, await partnershipsOf(deps, la));
  // Block places count in the round only when every case in it is a member of the partnership that reserved them.
  const common = new Set(
    [...memberships.values()].reduce<string[]>((acc, m, i) => (i === 0 ? [...m] : acc.filter((x) => m.has(x))), []),
  );
  const seen = asSeenBy(common, settings);
  timings.snapshotMs += performance.now() - mark;
  mark = performance.now();
  const result = runRound({
    cases: pending.map((c) => ({ ...c, ranked: c.preferences!.ranked })),
    settings: seen,
    seed: head.seed,
    today,
    mechanism: head.mechanism,
  });
  timings.mechanismMs += performance.now() - mark;
  const byId = new Map(pending.map((c) => [c.id, c]));
  const chunks = planRoundChunks(result.outcomes, deps.limits?.roundCommitActions);
  const note = run > 0 ? ` (run ${run + 1}: a listing changed while the round committed)` : '';
  for (const o of result.outcomes) {
    const c = byId.get(o.caseId)!;
    outcomes.push({
      caseId: c.id,
      laCode: c.laCode,
      reference: c.reference,
      outcome: o.assignment ? 'allocated' : 'unallocated',
      turn: o.turn,
      lottery: o.lottery,
      skipped: o.skipped,
      explanation: o.explanation + note,
      ...(o.assignment
        ? {
            urn: o.assignment.urn,
            listingId: o.assignment.listingId,
            rank: o.assignment.rank,
            placementId: roundPlacementId(roundId, run, c.id),
            chunk: chunks.get(c.id)!,
          }
        : {}),
    });
  }
  return { outcomes, today, at: now.toISOString(), snapshot: { cases: found, settings } };
}

/**
 * Commits a run's allocations, each planned commit (one or more listings, or one chunk of a big
 * listing) in one transaction with its checkpoint, 8 at a time; commits checkpointed before are
 * skipped. A big listing's chunks go one after another. Returns the cases whose commit failed.
 */
async function commitRun(
  deps: Deps,
  org: string,
  roundId: string,
  run: number,
  plan: { meta: Record<string, unknown>; outcomes: unknown[] },
  outcomes: Map<string, RoundCaseOutcome>,
  actor: Actor,
  beat: (force?: boolean, set?: Record<string, unknown>) => Promise<void>,
  progress: NonNullable<RoundHead['progress']>,
  timings: RoundReport['timings'],
  snapshot?: Snapshot,
): Promise<{ failed: string[]; listings: Map<string, Listing | undefined> }> {
  const started = performance.now();
  void outcomes;
  const today = plan.meta.today as string;
  const at = plan.meta.at as string;
  const planned = plan.outcomes as RoundCaseOutcome[];
  // Each commit's cases by listing, in the plan's order.
  const commitsPlanned = new Map<number, Map<string, RoundCaseOutcome[]>>();
  const allListings = new Set<string>();
  for (const o of planned) {
    if (o.outcome !== 'allocated') continue;
    const k = listingKey(o.urn!, o.listingId!);
    allListings.add(k);
    const parts = commitsPlanned.get(o.chunk!) ?? new Map<string, RoundCaseOutcome[]>();
    parts.set(k, [...(parts.get(k) ?? []), o]);
    commitsPlanned.set(o.chunk!, parts);
  }
  const chunkKey = (i: number) => `COMMIT#${run}#${String(i).padStart(5, '0')}`;
  const checkpoints = await deps.store.rounds.commits(org, roundId, run);
  const failed: string[] = [];
  for (const v of checkpoints.values()) if (v.failed) failed.push(...v.failed);
  const todo = [...commitsPlanned].filter(([i]) => !checkpoints.has(chunkKey(i))).sort((a, b) => a[0] - b[0]);
  // A listing counts as committed once its last commit is done.
  const remaining = new Map<string, number>();
  for (const [, parts] of todo) for (const k of parts.keys()) remaining.set(k, (remaining.get(k) ?? 0) + 1);
  progress.listings = allListings.size;
  progress.listingsCommitted = allListings.size - remaining.size;
  progress.casesDecided =
    planned.filter((o) => o.outcome !== 'allocated').length +
    [...checkpoints.values()].reduce((n, v) => n + (v.cases ?? 0) + (v.failed?.length ?? 0), 0);
  // The cases and listings as the run was planned from them, when this worker planned it a moment
  // ago; otherwise (a resumed run) those of commits not yet checkpointed are read again,
  // consistently. Either way each commit is conditioned on every case being open at the version
  // used and on its listings' places, so a case or listing changed since fails only its own part.
  const cases =
    snapshot?.cases ??
    (await deps.store.cases.getCases(
      todo.flatMap(([, parts]) => [...parts.values()].flat().map((o) => ({ laCode: o.laCode, id: o.caseId }))),
    ));
  const settings =
    snapshot?.settings ?? (await settingsByUrn(deps, [...new Set([...remaining.keys()].map((k) => k.split('#')[0]!))]));
  const memberships = new Map<string, Set<string>>();
  for (const la of new Set([...cases.values()].map((c) => c.laCode)))
    memberships.set(la, await partnershipsOf(deps, la));
  const facts = placementFactsFor(deps);
  /** Each listing as the round has left it so far (a big listing's chunks follow one another). */
  const listings = new Map<string, { current: Listing | undefined; blockLeft: number }>();
  const listingState = (k: string) => {
    let st = listings.get(k);
    if (st === undefined) {
      const [urn, listingId] = k.split('#') as [string, string];
      const current = settings.get(urn)?.listings.find((l) => l.listingId === listingId);
      st = { current, blockLeft: current ? blockPlacesLeft(current) : 0 };
      listings.set(k, st);
    }
    return st;
  };
  /** One planned commit: its listings' places for their cases, with its checkpoint. */
  const commitOne = async (index: number, planned: Map<string, RoundCaseOutcome[]>) => {
    const sk = chunkKey(index);
    await beat();
    const built: { k: string; members: RoundCaseOutcome[]; part?: RoundListingPart; blockLeft: number }[] = [];
    for (const [k, members] of planned) {
      const [urn, listingId] = k.split('#') as [string, string];
      const setting = settings.get(urn);
      const st = listingState(k);
      const current = st.current;
      let blockLeft = st.blockLeft;
      const placements: RoundPlacement[] = [];
      for (const o of members) {
        const c = cases.get(`${o.laCode}#${o.caseId}`);
        if (setting === undefined || current === undefined || c === undefined) break;
        const block =
          current.blockFor !== undefined &&
          blockLeft > 0 &&
          memberships.get(c.laCode)!.has(current.blockFor.partnershipId);
        if (block) blockLeft--;
        const placement: Placement = {
          id: o.placementId!,
          caseId: c.id,
          laCode: c.laCode,
          urn,
          listingId,
          providerId: setting.providerId,
          ...(setting.trustId ? { trustId: setting.trustId } : {}),
          governance: setting.governance,
          state: 'consulting',
          rank: o.rank!,
          skipped: o.skipped,
          respondBy: addDays(today, CONSULTATION_DAYS),
          createdAt: at,
          roundId,
          ...(await facts(c, setting, current, today)),
          ...(block ? { blockPartnershipId: current.blockFor!.partnershipId } : {}),
          version: 1,
        };
        const { waitingOn: _w, ...rest } = c;
        placements.push({
          placement,
          before: c,
          after: { ...rest, state: 'allocated', activePlacementId: placement.id, version: c.version + 1 },
        });
      }
      // A listing or case gone since the plan: that part cannot be committed as planned.
      const whole = setting !== undefined && current !== undefined && placements.length === members.length;
      built.push({
        k,
        members,
        blockLeft,
        ...(whole ? { part: { setting: setting!, listing: current!, placements } } : {}),
      });
    }
    let live = built.filter((b) => b.part !== undefined);
    let refused = built.filter((b) => b.part === undefined);
    for (;;) {
      const refusedIds = refused.flatMap((b) => b.members.map((o) => o.caseId));
      if (live.length === 0) {
        await deps.store.rounds.markFailed(org, roundId, sk, refusedIds);
        failed.push(...refusedIds);
        break;
      }
      try {
        await deps.store.cases.commitRoundListings({
          parts: live.map((b) => b.part!),
          actor,
          at,
          today,
          roundId,
          checkpoint: deps.store.rounds.commitItem(
            org,
            roundId,
            sk,
            live.reduce((n, b) => n + b.members.length, 0),
            refusedIds,
          ),
        });
        failed.push(...refusedIds);
        for (const b of live) {
          const { listing, placements } = b.part!;
          const n = placements.length;
          const r = placements.filter((p) => p.placement.blockPartnershipId !== undefined).length;
          listings.set(b.k, {
            blockLeft: b.blockLeft,
            current: {
              ...listing,
              available: listing.available - n,
              held: listing.held + n,
              blockUsed: (listing.blockUsed ?? 0) + r,
              availableToAll: (listing.availableToAll ?? listing.available) - (n - r),
            },
          });
        }
        break;
      } catch (error) {
        if (error instanceof RoundChunkCommittedError) {
          // Another worker committed it: its checkpoint says which cases (if any) it left out.
          const theirs = (await deps.store.rounds.commits(org, roundId, run)).get(sk);
          failed.push(...(theirs?.failed ?? []));
          break;
        }
        if (error instanceof RoundPartsRefusedError && error.parts.length > 0) {
          // Those listings (or their cases) changed since the snapshot: the others commit without them.
          const out = new Set(error.parts.map((i) => live[i]!));
          refused = [...refused, ...out];
          live = live.filter((b) => !out.has(b));
          continue;
        }
        if (
          !(
            error instanceof RoundPartsRefusedError ||
            error instanceof PlaceTakenError ||
            error instanceof CaseNotOpenError ||
            error instanceof TransactionContentionError
          )
        )
          throw error;
        refused = built;
        live = [];
      }
    }
    progress.casesDecided += built.reduce((n, b) => n + b.members.length, 0);
    for (const k of planned.keys()) {
      const left = remaining.get(k)! - 1;
      remaining.set(k, left);
      if (left === 0) progress.listingsCommitted++;
    }
  };
  // Commits that share a big listing run in one lane, in order; every other commit is a lane of its own.
  const lanes = new Map<string, [number, Map<string, RoundCaseOutcome[]>][]>();
  for (const entry of todo) {
    const big = [...entry[1].keys()].find((k) => remaining.get(k)! > 1);
    const lane = big ?? `#${entry[0]}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), entry]);
  }
  await inParallel([...lanes.values()], 8, async (lane) => {
    for (const [index, parts] of lane) await commitOne(index, parts);
  });
  timings.commitMs += performance.now() - started;
  await beat(true);
  return {
    failed: [...new Set(failed)],
    listings: new Map([...listings].map(([k, st]) => [k, st.current])),
  };
}

/** Settings with some of their listings replaced (by `urn#listingId`). */
function withListings(
  settings: Map<string, SettingWithListings | undefined>,
  listings: Map<string, Listing | undefined>,
): Map<string, SettingWithListings | undefined> {
  return new Map(
    [...settings].map(([urn, s]) => [
      urn,
      s && { ...s, listings: s.listings.map((l) => listings.get(listingKey(urn, l.listingId)) ?? l) },
    ]),
  );
}
