import type { Case } from './case.ts';
import type { Placement } from './placement.ts';
import type { Listing } from './setting.ts';

/**
 * Regional sufficiency is read from counters kept per LA, never by scanning: every write that
 * changes a listing's places, a case's state or a placement adds its difference to the counters
 * in the same transaction. Each entity contributes a fixed amount to a few counters (its
 * `contribution`); a change adds contribution(after) − contribution(before).
 *
 * Counter keys, all under the LA they belong to (those moved by cases end in #<shard>, see below):
 *   CAP#<band>#<need>  places of listings hosted in the LA (a listing counts under each need it meets)
 *   CAPB#<band>        the same places once per listing (totals without double counting needs)
 *   DEM#<band>#<need>  cases of the LA by band and primary need: open (no place held), waiting
 *                      (open and on a waiting list), active (without a place: open, allocated,
 *                      named) and withoutSince (sum of the epoch day each active case has been
 *                      without a place since, so total days without a place = active × today − withoutSince)
 *                      and refusals (mainstream requests the LA refused, kept on the case)
 *   PLC#<band>#<need>  the LA's placements in progress or made (not declined or withdrawn):
 *                      placements, outOfArea, outOfAreaKm, spend, spendAtTariff, independent,
 *                      independentSpend
 *   PRC#<provider>#<band>#<attendance>  what the LA pays a provider: placements, spend, spendAtTariff
 *   BLOCK#<partnership>#<urn>#<listingId>  the LA's use of a partnership's block-commissioned places
 */
export interface CounterDelta {
  la: string;
  key: string;
  add: Record<string, number>;
}

/**
 * Counters moved by cases (DEM, PLC, PRC, BLOCK) are split over a few items per key, chosen by the
 * case id: two transactions touching one item at the same moment cancel each other
 * (TransactionConflict), so 200 cases of one LA joining waiting lists at once must not all meet on
 * one item. Capacity counters are not split: their changes already meet on the listing itself.
 */
export const COUNTER_SHARDS = 8;
const SHARDED = new Set(['DEM', 'PLC', 'PRC', 'BLOCK']);

export function shardOf(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % COUNTER_SHARDS;
}

/**
 * A counter's key on another shard (DEM#S2#SLD#3 → DEM#S2#SLD#5); unsharded keys are unchanged.
 * Readers sum a key's shards, so a batch of differences applied at once (a round's) may go to one
 * shard: far fewer items to update than one per case's shard.
 */
export function onShard(key: string, shard: number): string {
  const parts = key.split('#');
  return SHARDED.has(parts[0]!) ? [...parts.slice(0, -1), String(shard)].join('#') : key;
}

/** A counter's key without its shard: the figure it is part of (DEM#S2#SLD#3 → DEM#S2#SLD). */
export function logicalKey(key: string): string {
  const parts = key.split('#');
  return SHARDED.has(parts[0]!) ? parts.slice(0, -1).join('#') : key;
}

/** Placement states that no longer hold or use a place. */
const ENDED_PLACEMENT_STATES = new Set(['declined', 'withdrawn']);

export const epochDay = (iso: string) => Math.floor(Date.parse(iso) / 86_400_000);

/** A listing's places, counted in its host LA. */
export function listingContribution(
  hostLaCode: string,
  l: Pick<Listing, 'band' | 'needs' | 'commissioned' | 'filled' | 'held' | 'available'>,
): CounterDelta[] {
  const add = { commissioned: l.commissioned, filled: l.filled, held: l.held, available: l.available, listings: 1 };
  return [
    { la: hostLaCode, key: `CAPB#${l.band}`, add },
    ...l.needs.map((n) => ({ la: hostLaCode, key: `CAP#${l.band}#${n}`, add })),
  ];
}

/** A case's demand, counted in its own LA under its band and primary need. */
export function caseContribution(
  c: Pick<
    Case,
    'id' | 'laCode' | 'band' | 'needs' | 'state' | 'waitingOn' | 'withoutPlaceSince' | 'mainstreamRefusals'
  >,
): CounterDelta[] {
  const active = c.state === 'open' || c.state === 'allocated' || c.state === 'named';
  const open = c.state === 'open';
  const waiting = open && Object.keys(c.waitingOn ?? {}).length > 0;
  return [
    {
      la: c.laCode,
      key: `DEM#${c.band}#${c.needs[0]}#${shardOf(c.id)}`,
      add: {
        cases: 1,
        open: open ? 1 : 0,
        waiting: waiting ? 1 : 0,
        active: active ? 1 : 0,
        withoutSince: active ? epochDay(c.withoutPlaceSince) : 0,
        // Mainstream requests the LA refused (s.33): moves with the naming that records them.
        refusals: c.mainstreamRefusals?.length ?? 0,
      },
    },
  ];
}

/** A placement's use of a place and its cost, counted in the placing LA. */
export function placementContribution(p: Placement): CounterDelta[] {
  if (ENDED_PLACEMENT_STATES.has(p.state) || p.band === undefined) return [];
  const outOfArea = p.hostLaCode !== undefined && p.hostLaCode !== p.laCode;
  const independent = p.governance === 'independent' || p.governance === 'non_maintained';
  const price = p.price ?? 0;
  const shard = shardOf(p.caseId);
  const out: CounterDelta[] = [
    {
      la: p.laCode,
      key: `PLC#${p.band}#${p.need ?? 'OTH'}#${shard}`,
      add: {
        placements: 1,
        outOfArea: outOfArea ? 1 : 0,
        outOfAreaKm: outOfArea ? Math.round((p.distanceKm ?? 0) * 10) / 10 : 0,
        spend: price,
        spendAtTariff: p.tariff ?? price,
        independent: independent ? 1 : 0,
        independentSpend: independent ? price : 0,
      },
    },
  ];
  // What this LA pays this provider for this kind of place: price transparency across LAs.
  out.push({
    la: p.laCode,
    key: `PRC#${p.providerId}#${p.listingBand ?? p.band}#${p.attendance ?? 'day'}#${shard}`,
    add: { placements: 1, spend: price, spendAtTariff: p.tariff ?? price },
  });
  if (p.blockPartnershipId !== undefined)
    out.push({ la: p.laCode, key: `BLOCK#${p.blockPartnershipId}#${p.urn}#${p.listingId}#${shard}`, add: { used: 1 } });
  return out;
}

/**
 * The counters' change when `before` becomes `after` (either may be absent): after's contribution
 * minus before's, merged per counter, zeros dropped. One action per item per transaction, so a
 * transaction gets one update per counter however many entities touch it.
 */
export function counterChange(...changes: { before?: CounterDelta[]; after?: CounterDelta[] }[]): CounterDelta[] {
  const merged = new Map<string, CounterDelta>();
  const apply = (deltas: CounterDelta[] | undefined, sign: 1 | -1) => {
    for (const d of deltas ?? []) {
      const id = `${d.la}|${d.key}`;
      const m = merged.get(id) ?? { la: d.la, key: d.key, add: {} };
      for (const [f, v] of Object.entries(d.add)) m.add[f] = Math.round(((m.add[f] ?? 0) + sign * v) * 10) / 10;
      merged.set(id, m);
    }
  };
  for (const c of changes) {
    apply(c.before, -1);
    apply(c.after, 1);
  }
  return [...merged.values()]
    .map((d) => ({ ...d, add: Object.fromEntries(Object.entries(d.add).filter(([, v]) => v !== 0)) }))
    .filter((d) => Object.keys(d.add).length > 0);
}

/** Counts from 1 to 4 that could identify a child are shown as this. */
export const SUPPRESSED = '<5' as const;
export const SUPPRESSION_THRESHOLD = 5;
export type MaybeSuppressed = number | typeof SUPPRESSED;

/** A count of children (cases, placements): 1–4 become "<5"; 0 and 5 or more are shown. */
export function suppress(n: number): MaybeSuppressed {
  return n > 0 && n < SUPPRESSION_THRESHOLD ? SUPPRESSED : n;
}

/** A figure derived from `base` children (an average, a sum of their costs): hidden with it. */
export function suppressWith(base: number, value: number): number | typeof SUPPRESSED {
  return base > 0 && base < SUPPRESSION_THRESHOLD ? SUPPRESSED : value;
}

/** A total and the cells that add up to it (a column of LAs, the bands of one LA, ...), by cell id. */
export interface SuppressionGroup {
  total: string;
  parts: string[];
}

/**
 * The cells to withhold: every count from 1 to 4 (primary), and then, wherever a group's total is
 * shown with exactly one of its parts withheld, a second part (the smallest non-zero one shown,
 * else the total) so the first cannot be worked out as the total minus the rest. Repeated until
 * no group gives a withheld cell away, as one withholding may expose another group.
 */
export function withheldCells(values: ReadonlyMap<string, number>, groups: SuppressionGroup[]): Set<string> {
  const value = (id: string) => values.get(id) ?? 0;
  const withheld = new Set([...values].filter(([, n]) => n > 0 && n < SUPPRESSION_THRESHOLD).map(([id]) => id));
  for (let changed = true; changed; ) {
    changed = false;
    for (const g of groups) {
      if (withheld.has(g.total)) continue;
      const hidden = g.parts.filter((p) => withheld.has(p));
      if (hidden.length !== 1) continue;
      const next = g.parts
        .filter((p) => !withheld.has(p) && value(p) > 0)
        .sort((a, b) => value(a) - value(b) || a.localeCompare(b))[0];
      withheld.add(next ?? g.total);
      changed = true;
    }
  }
  return withheld;
}
