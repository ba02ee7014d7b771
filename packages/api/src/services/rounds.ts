import { randomUUID } from 'node:crypto';
import {
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type Actor,
  type FieldProblem,
  type RoundMechanism,
  type SkippedPreference,
} from '@placements/domain';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { ROUNDS_PER_MINUTE, takeQuota } from './quota.ts';

const clock = (deps: Deps) => deps.now?.() ?? new Date();

export interface RoundInput {
  cases: (string | { laCode: string; id: string })[];
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
  /** The marketplace's case reference; the LA's own ref never goes into a round's report. */
  reference?: string;
  outcome: 'allocated' | 'unallocated' | 'not_eligible';
  turn?: number;
  lottery?: number;
  placementId?: string;
  urn?: string;
  listingId?: string;
  rank?: number;
  skipped: (SkippedPreference & { waiting?: unknown })[];
  explanation: string;
  /** Which of its listing's commit transactions the case is in (fixed when the run is planned). */
  chunk?: number;
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
          message: 'must be {"laCode": "<GSS code>", "id": "<case id>"}: a partnership’s round names each case’s LA',
        });
      return { laCode: principal.org, id: c };
    }
    if (!members.has(c.laCode)) foreign.push(i);
    return { laCode: c.laCode, id: c.id };
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

/** A round as its caller sees it: its state and progress, and once done every case's outcome. */
export interface RoundView extends Partial<Omit<RoundReport, 'id'>> {
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  progress: { cases: number; casesDecided: number; listings: number; listingsCommitted: number };
  createdAt: string;
  finishedAt?: string;
  error?: string;
}

/**
 * Validates a round (every invalid field in one 400, another LA's cases a 403, unknown cases
 * named) and queues it: its inputs and then its head (state `queued`) are written, and the head's
 * stream record starts the worker (services/round-worker.ts). The caller gets 202 at once and
 * follows `GET /allocation-rounds/{id}`.
 */
export async function queueAllocationRound(deps: Deps, principal: Principal, input: RoundInput): Promise<RoundView> {
  const refs = await resolveCases(deps, principal, input);
  // Counted once the caller is known to run its own cases (another tenant's are refused above).
  await takeQuota(deps, principal.org, 'round', deps.limits?.roundsPerMinute ?? ROUNDS_PER_MINUTE);
  // Only the keys are read (the worker reads the cases themselves): naming every unknown case stays cheap.
  const found = await deps.store.cases.existingCases(refs);
  const missing = refs.map((r, i) => ({ r, i })).filter(({ r }) => !found.has(`${r.laCode}#${r.id}`));
  if (missing.length > 0)
    throw new ValidationError(
      missing.map(({ r, i }) => ({ field: `cases.${i}`, message: `${r.laCode} has no case ${r.id}` })),
    );
  const id = randomUUID();
  const actor: Actor = { sub: principal.sub, role: principal.role, org: principal.org };
  const createdAt = clock(deps).toISOString();
  const progress = { cases: refs.length, casesDecided: 0, listings: 0, listingsCommitted: 0 };
  await deps.store.rounds.create(
    principal.org,
    id,
    {
      state: 'queued',
      mechanism: input.mechanism,
      seed: input.seed,
      joinWaitingLists: input.joinWaitingLists,
      by: actor,
      createdAt,
      priorityRule: PRIORITY_RULE,
      progress,
    },
    refs,
  );
  return {
    id,
    state: 'queued',
    mechanism: input.mechanism,
    seed: input.seed,
    priorityRule: PRIORITY_RULE,
    createdAt,
    progress,
  };
}

export async function getRound(deps: Deps, principal: Principal, id: string): Promise<RoundView> {
  const head = await deps.store.rounds.head(principal.org, id);
  if (head === undefined) throw new NotFoundError(`You have no allocation round ${id}.`);
  const view: RoundView = {
    id,
    state: head.state as RoundView['state'],
    mechanism: head.mechanism as RoundMechanism,
    seed: head.seed as string,
    priorityRule: PRIORITY_RULE,
    createdAt: head.createdAt as string,
    progress: head.progress as RoundView['progress'],
    ...(head.finishedAt ? { finishedAt: head.finishedAt as string } : {}),
  };
  if (head.state === 'failed')
    return {
      ...view,
      error: 'The round stopped after repeated failures; the places it committed stand. Run the remaining cases again.',
    };
  if (head.state !== 'done') return view;
  const outcomes = (await deps.store.rounds.outcomes(principal.org, id)) as (RoundCaseOutcome & { chunk?: number })[];
  return {
    ...view,
    snapshotAt: (head.startedAt ?? head.createdAt) as string,
    reruns: (head.reruns as number) ?? 0,
    summary: head.summary as RoundReport['summary'],
    timings: head.timings as RoundReport['timings'],
    outcomes: outcomes.map(({ chunk: _c, ...o }) => o),
  };
}
