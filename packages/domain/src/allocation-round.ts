import type { Case } from './case.ts';
import type { Listing, SettingWithListings } from './setting.ts';
import { firstAvailable, suitableListings, type SkippedPreference } from './allocation.ts';

/**
 * Batch allocation rounds: many cases against one frozen snapshot of capacity.
 *
 * Two mechanisms, both strategy-proof for families (ranking settings in their true order is always
 * best for them), never the Boston mechanism (which punishes an honest first choice):
 *
 * - serial_dictatorship (default): cases take turns in the published priority order; at its turn a
 *   case gets its highest preference that still has a suitable place. Simple to explain: "your
 *   higher preferences were full when your turn came".
 * - deferred_acceptance (case-proposing): where settings' priorities matter. Each listing ranks the
 *   cases that apply to it by the published priority (the setting's own LA first, then longest
 *   without a place, then the lottery); cases propose down their preferences, listings hold the
 *   best cases up to their places and reject the rest. The result is stable: a case that prefers
 *   another listing lost it only to cases with higher priority there.
 *
 * Priority order and tie-break: longest without a place first (earliest `withoutPlaceSince`), then
 * a lottery number per case, cyrb53(seed + ":" + case id): published, and the same seed gives the
 * same round on any machine and for any order of the input.
 */
export const ROUND_MECHANISMS = ['serial_dictatorship', 'deferred_acceptance'] as const;
export type RoundMechanism = (typeof ROUND_MECHANISMS)[number];

export type RoundCase = Pick<Case, 'id' | 'laCode' | 'band' | 'needs' | 'age' | 'withoutPlaceSince' | 'declined'> & {
  ranked: readonly string[];
};

export interface RoundAssignment {
  caseId: string;
  urn: string;
  listingId: string;
  rank: number;
}

export interface RoundOutcome {
  caseId: string;
  /** 1-based position in the round's priority order. */
  turn: number;
  lottery: number;
  assignment?: RoundAssignment;
  skipped: SkippedPreference[];
  explanation: string;
}

export interface RoundResult {
  mechanism: RoundMechanism;
  seed: string;
  outcomes: RoundOutcome[];
  /** Places left per listing (urn#listingId) after the round, for checking nothing went below zero. */
  remaining: Map<string, number>;
}

/** cyrb53: a small, well-mixed 53-bit string hash; published so anyone can recompute a lottery number. */
export function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export const lotteryNumber = (seed: string, caseId: string) => cyrb53(`${seed}:${caseId}`);

/** The published priority order: longest without a place first, then the lottery, then the id. */
export function priorityOrder<C extends Pick<RoundCase, 'id' | 'withoutPlaceSince'>>(
  cases: readonly C[],
  seed: string,
): { c: C; lottery: number }[] {
  return cases
    .map((c) => ({ c, lottery: lotteryNumber(seed, c.id) }))
    .sort(
      (a, b) =>
        a.c.withoutPlaceSince.localeCompare(b.c.withoutPlaceSince) ||
        a.lottery - b.lottery ||
        a.c.id.localeCompare(b.c.id),
    );
}

const key = (urn: string, listingId: string) => `${urn}#${listingId}`;

/** Free places per listing in the snapshot: only places free by `today` count. */
function capacityOf(
  settings: ReadonlyMap<string, SettingWithListings | undefined>,
  today: string,
): Map<string, number> {
  const remaining = new Map<string, number>();
  for (const s of settings.values()) {
    if (s === undefined) continue;
    for (const l of s.listings)
      remaining.set(key(s.urn, l.listingId), l.availableFrom <= today ? Math.max(0, l.available) : 0);
  }
  return remaining;
}

/** Reasons for passing over a preference, told in terms of the round. */
function roundReasons(
  skipped: SkippedPreference[],
  snapshot: Map<string, number>,
  settings: ReadonlyMap<string, SettingWithListings | undefined>,
  c: RoundCase,
  lostTo: string,
): SkippedPreference[] {
  return skipped.map((s) => {
    if (s.reason !== 'no place free: full') return s;
    const setting = settings.get(s.urn);
    const hadPlaces =
      setting !== undefined &&
      suitableListings(c, setting).some((l) => (snapshot.get(key(s.urn, l.listingId)) ?? 0) > 0);
    return hadPlaces ? { ...s, reason: `its places went to ${lostTo}` } : s;
  });
}

function explain(o: Omit<RoundOutcome, 'explanation'>, total: number, mechanism: RoundMechanism): string {
  const where = mechanism === 'serial_dictatorship' ? `Turn ${o.turn} of ${total}` : `Priority ${o.turn} of ${total}`;
  if (o.assignment === undefined) {
    return `${where}: no preference had a suitable place left${o.skipped.length > 0 ? ` (${o.skipped.map((s) => `${s.rank}: ${s.reason}`).join('; ')})` : ''}.`;
  }
  const passed =
    o.skipped.length === 0
      ? 'its first preference'
      : `preference ${o.assignment.rank}; higher ones: ${o.skipped.map((s) => `${s.rank}: ${s.reason}`).join('; ')}`;
  return `${where}: allocated ${o.assignment.urn} (${passed}).`;
}

export function runRound(args: {
  cases: readonly RoundCase[];
  settings: ReadonlyMap<string, SettingWithListings | undefined>;
  seed: string;
  today: string;
  mechanism?: RoundMechanism;
}): RoundResult {
  const mechanism = args.mechanism ?? 'serial_dictatorship';
  const snapshot = capacityOf(args.settings, args.today);
  const remaining = new Map(snapshot);
  const order = priorityOrder(args.cases, args.seed);
  const availableOf = (urn: string, l: Listing) => remaining.get(key(urn, l.listingId)) ?? 0;
  const pending: Omit<RoundOutcome, 'explanation'>[] = [];

  if (mechanism === 'serial_dictatorship') {
    order.forEach(({ c, lottery }, i) => {
      const choice = firstAvailable(c, c.ranked, args.settings, args.today, new Set(c.declined ?? []), availableOf);
      let assignment: RoundAssignment | undefined;
      if (choice.chosen) {
        const k = key(choice.chosen.urn, choice.chosen.listing.listingId);
        remaining.set(k, remaining.get(k)! - 1);
        assignment = {
          caseId: c.id,
          urn: choice.chosen.urn,
          listingId: choice.chosen.listing.listingId,
          rank: choice.chosen.rank,
        };
      }
      pending.push({
        caseId: c.id,
        turn: i + 1,
        lottery,
        ...(assignment ? { assignment } : {}),
        skipped: roundReasons(choice.skipped, snapshot, args.settings, c, 'cases earlier in the order'),
      });
    });
  } else {
    const held = deferredAcceptance(order, args.settings, args.today, snapshot);
    order.forEach(({ c, lottery }, i) => {
      const a = held.get(c.id);
      // Explain against what the other cases hold at the end: every higher preference was full of cases with higher priority there.
      const choice = firstAvailable(
        c,
        a === undefined ? c.ranked : c.ranked.slice(0, a.rank - 1),
        args.settings,
        args.today,
        new Set(c.declined ?? []),
        () => 0,
      );
      const skipped = roundReasons(choice.skipped, snapshot, args.settings, c, 'cases with higher priority there');
      if (a !== undefined) remaining.set(key(a.urn, a.listingId), remaining.get(key(a.urn, a.listingId))! - 1);
      pending.push({ caseId: c.id, turn: i + 1, lottery, ...(a ? { assignment: a } : {}), skipped });
    });
  }
  const outcomes = pending.map((o) => ({ ...o, explanation: explain(o, pending.length, mechanism) }));
  return { mechanism, seed: args.seed, outcomes, remaining };
}

/**
 * Case-proposing deferred acceptance over listings. A case's list is its ranked settings, each
 * expanded into its suitable listings with places (fewest-first by id, a fixed order). A listing's
 * priority over cases: the setting's own LA first, then the round's priority order.
 */
function deferredAcceptance(
  order: { c: RoundCase }[],
  settings: ReadonlyMap<string, SettingWithListings | undefined>,
  today: string,
  snapshot: Map<string, number>,
): Map<string, RoundAssignment> {
  const turn = new Map(order.map(({ c }, i) => [c.id, i]));
  const lists = new Map<string, { urn: string; listingId: string; rank: number; hostLaCode: string }[]>();
  for (const { c } of order) {
    const declined = new Set(c.declined ?? []);
    const list: { urn: string; listingId: string; rank: number; hostLaCode: string }[] = [];
    c.ranked.forEach((urn, i) => {
      const s = settings.get(urn);
      if (s === undefined) return;
      for (const l of suitableListings(c, s).sort((a, b) => a.listingId.localeCompare(b.listingId))) {
        if (
          !declined.has(key(urn, l.listingId)) &&
          l.availableFrom <= today &&
          (snapshot.get(key(urn, l.listingId)) ?? 0) > 0
        )
          list.push({ urn, listingId: l.listingId, rank: i + 1, hostLaCode: s.laCode });
      }
    });
    lists.set(c.id, list);
  }
  const byId = new Map(order.map(({ c }) => [c.id, c]));
  const priority = (caseId: string, hostLaCode: string) =>
    (byId.get(caseId)!.laCode === hostLaCode ? 0 : 1) * 1e9 + turn.get(caseId)!;
  const holding = new Map<string, string[]>(); // listing → case ids held, best first
  const next = new Map<string, number>(order.map(({ c }) => [c.id, 0]));
  const free = order.map(({ c }) => c.id);
  while (free.length > 0) {
    const caseId = free.pop()!;
    const list = lists.get(caseId)!;
    const i = next.get(caseId)!;
    if (i >= list.length) continue; // nothing left to propose to
    next.set(caseId, i + 1);
    const target = list[i]!;
    const k = key(target.urn, target.listingId);
    const held = [...(holding.get(k) ?? []), caseId].sort(
      (a, b) => priority(a, target.hostLaCode) - priority(b, target.hostLaCode),
    );
    const capacity = snapshot.get(k) ?? 0;
    holding.set(k, held.slice(0, capacity));
    free.push(...held.slice(capacity));
  }
  const result = new Map<string, RoundAssignment>();
  for (const [k, caseIds] of holding) {
    const [urn, listingId] = k.split('#') as [string, string];
    for (const caseId of caseIds) {
      const rank = lists.get(caseId)!.find((e) => e.urn === urn && e.listingId === listingId)!.rank;
      result.set(caseId, { caseId, urn, listingId, rank });
    }
  }
  return result;
}
