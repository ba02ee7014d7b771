import { londonDate } from '@placements/domain';
import {
  epochDay,
  ForbiddenError,
  NotFoundError,
  SUPPRESSED,
  suppress,
  suppressWith,
  withheldCells,
  type SuppressionGroup,
  type MaybeSuppressed,
  type Partnership,
} from '@placements/domain';
import type { CounterItem, EhcpBaseline } from '@placements/store';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { inParallel } from './parallel.ts';
import { referenceData } from './reference-cache.ts';

/** Places, as providers publish them: public, never suppressed. */
export interface Capacity {
  listings: number;
  commissioned: number;
  filled: number;
  held: number;
  available: number;
}
/** Children's cases: counts from 1 to 4 are "<5". */
export interface Demand {
  cases: MaybeSuppressed;
  openCases: MaybeSuppressed;
  waiting: MaybeSuppressed;
  withoutPlace: MaybeSuppressed;
  daysWithoutPlace: MaybeSuppressed;
  averageDaysWithoutPlace: number | '<5' | null;
  /** Mainstream requests refused (s.33), kept with the cases. */
  mainstreamRefusals: MaybeSuppressed;
}
export interface Placements {
  placements: MaybeSuppressed;
  /** Placements in the LA's own area (placements − outOfArea), given here so no client subtracts. */
  placedInArea: MaybeSuppressed;
  outOfArea: MaybeSuppressed;
  averageOutOfAreaKm: number | '<5' | null;
  independent: MaybeSuppressed;
  spend: MaybeSuppressed;
  spendAtTariff: MaybeSuppressed;
  independentSpend: MaybeSuppressed;
}

type Sums = Record<string, number>;
const add = (into: Sums, from: Sums) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
};
const round1 = (n: number) => Math.round(n * 10) / 10;

function capacityOf(s: Sums): Capacity {
  return {
    listings: s.listings ?? 0,
    commissioned: s.commissioned ?? 0,
    filled: s.filled ?? 0,
    held: s.held ?? 0,
    available: s.available ?? 0,
  };
}

/** Whether a row's measure is withheld (see withheldCells): a count of 1 to 4, or one that would give such a count away. */
type Hidden = (measure: string) => boolean;
const primaryOnly: Hidden = () => false;
const shown = (hidden: boolean, n: number): MaybeSuppressed => (hidden ? SUPPRESSED : n);

const DEMAND_MEASURES = ['cases', 'open', 'waiting', 'active'] as const;
const PLACEMENT_MEASURES = ['placements', 'inArea', 'outOfArea', 'independent'] as const;
/** Raw counts of a placements row, "placed in area" among them. */
const placementCounts = (s: Sums): Record<string, number> => ({
  placements: s.placements ?? 0,
  inArea: (s.placements ?? 0) - (s.outOfArea ?? 0),
  outOfArea: s.outOfArea ?? 0,
  independent: s.independent ?? 0,
});

function demandOf(s: Sums, today: number, hidden: Hidden = primaryOnly): Demand {
  const active = s.active ?? 0;
  const days = active * today - (s.withoutSince ?? 0);
  const activeHidden = hidden('active') || suppress(active) === SUPPRESSED;
  return {
    cases: shown(hidden('cases'), suppress(s.cases ?? 0) as number),
    openCases: shown(hidden('open'), suppress(s.open ?? 0) as number),
    waiting: shown(hidden('waiting'), suppress(s.waiting ?? 0) as number),
    withoutPlace: shown(activeHidden, active),
    daysWithoutPlace: shown(activeHidden, days),
    averageDaysWithoutPlace: active === 0 ? null : shown(activeHidden, round1(days / active)),
    mainstreamRefusals: shown(hidden('refusals'), suppress(s.refusals ?? 0) as number),
  };
}

function placementsOf(s: Sums, hidden: Hidden = primaryOnly): Placements {
  const c = placementCounts(s);
  const h = (m: string) => hidden(m) || suppress(c[m]!) === SUPPRESSED;
  return {
    placements: shown(h('placements'), c.placements!),
    placedInArea: shown(h('inArea'), c.inArea!),
    outOfArea: shown(h('outOfArea'), c.outOfArea!),
    averageOutOfAreaKm: c.outOfArea === 0 ? null : shown(h('outOfArea'), round1((s.outOfAreaKm ?? 0) / c.outOfArea!)),
    independent: shown(h('independent'), c.independent!),
    spend: shown(h('placements'), s.spend ?? 0),
    spendAtTariff: shown(h('placements'), s.spendAtTariff ?? 0),
    independentSpend: shown(h('independent'), s.independentSpend ?? 0),
  };
}

/** Who may see a partnership's sufficiency: its own token, a member LA, the national team. */
export async function readablePartnership(deps: Deps, principal: Principal, id: string): Promise<Partnership> {
  const p = await deps.store.reference.getPartnership(id);
  if (principal.role === 'national') {
    if (p === undefined) throw new NotFoundError(`No partnership has the id ${id}.`);
    return p;
  }
  const allowed =
    (principal.role === 'partnership' && principal.org === id) ||
    (principal.role === 'la' && p !== undefined && p.members.includes(principal.org));
  if (!allowed)
    throw new ForbiddenError(
      principal.role === 'partnership'
        ? `Your token is for partnership ${principal.org}; it may read only its own sufficiency.`
        : principal.role === 'la'
          ? `Your LA is not a member of ${id}.`
          : 'A partnership’s sufficiency is for the partnership, its member LAs and the national team.',
    );
  if (p === undefined) throw new NotFoundError(`No partnership has the id ${id}.`);
  return p;
}

interface Gathered {
  partnership: Partnership;
  counters: Map<string, CounterItem[]>;
  baselines: Map<string, EhcpBaseline | undefined>;
  names: Map<string, string>;
}

/** The members' counters, one Query per member LA (never a scan), and their EHC plan baselines. */
async function gather(deps: Deps, partnership: Partnership): Promise<Gathered> {
  const counters = new Map<string, CounterItem[]>();
  const baselines = new Map<string, EhcpBaseline | undefined>();
  // Each member's counters and baseline at once: a region has a few dozen LAs at most.
  await inParallel(partnership.members, 20, async (la) => {
    const [c, b] = await Promise.all([deps.store.aggregates.countersOf(la), deps.store.aggregates.ehcpBaseline(la)]);
    counters.set(la, c);
    baselines.set(la, b);
  });
  const { las } = await referenceData(deps.store);
  return { partnership, counters, baselines, names: new Map(las.map((l) => [l.laCode, l.name])) };
}

const kindOf = (key: string) => key.split('#')[0]!;

export interface SufficiencyView {
  partnership: { id: string; name: string; members: string[]; remit: string[] };
  asOf: string;
  suppression: string;
  totals: { capacity: Capacity; demand: Demand; placements: Placements };
  byLa: {
    laCode: string;
    name: string;
    capacity: Capacity;
    demand: Demand;
    placements: Placements;
    blockPlacesUsed: MaybeSuppressed;
    ehcp: EhcpView | null;
  }[];
  byBand: { band: string; capacity: Capacity; demand: Demand; placements: Placements }[];
  byNeed: { need: string; capacity: Capacity; demand: Demand; placements: Placements }[];
  byLaBandNeed: { laCode: string; band: string; need: string; capacity: Capacity; demand: Demand }[];
  blockPlaces: { urn: string; listingId: string; laCode: string; used: MaybeSuppressed }[];
  ehcp: {
    year: string | null;
    plans: number | null;
    marketplaceCases: MaybeSuppressed;
    coverage: number | null;
    byNeed: { need: string; plans: number | null; marketplaceCases: MaybeSuppressed }[];
  };
  trends: Record<string, unknown>[];
}

export interface EhcpView {
  year: string;
  plans: number | null;
  marketplaceCases: MaybeSuppressed;
  /** Marketplace cases per 100 EHC plans: how much of the LA's demand the marketplace sees. */
  coverage: number | null;
  byPlacement: Record<string, number | null>;
  byNeed: Record<string, number | null>;
}

export const SUPPRESSION_NOTE =
  'Counts of children (cases, placements, block places used) from 1 to 4 are shown as "<5", and so are figures derived from them (days without a place, average distance, spend). Where such a count could be worked out from a total minus the counts beside it (a column of LAs, bands or needs, an LA\u2019s band-and-need cells, placements in and out of area), a second count in the same row or column is shown as "<5" too, whatever its size. Capacity is published by providers and never suppressed. DfE figures are shown as DfE published them (null where DfE suppressed them).';

/** A partnership's regional sufficiency: capacity against demand by LA, band and need, from counters. */
export async function sufficiency(deps: Deps, principal: Principal, id: string): Promise<SufficiencyView> {
  const partnership = await readablePartnership(deps, principal, id);
  const g = await gather(deps, partnership);
  const now = deps.now?.() ?? new Date();
  const today = epochDay(now.toISOString());

  const total = { cap: {} as Sums, dem: {} as Sums, plc: {} as Sums };
  const bands = new Map<string, { cap: Sums; dem: Sums; plc: Sums }>();
  const needs = new Map<string, { cap: Sums; dem: Sums; plc: Sums }>();
  const cells = new Map<string, { laCode: string; band: string; need: string; cap: Sums; dem: Sums }>();
  const blockPlaces: SufficiencyView['blockPlaces'] = [];
  const byLa: SufficiencyView['byLa'] = [];
  const ehcpNeeds = new Map<string, { plans: number | null; cases: number }>();
  let plans = 0 as number | null;
  let year = null as string | null;
  const slot = <T extends object>(m: Map<string, T>, k: string, make: () => T) => {
    const known = m.get(k);
    if (known !== undefined) return known;
    const made = make();
    m.set(k, made);
    return made;
  };
  const triple = () => ({ cap: {} as Sums, dem: {} as Sums, plc: {} as Sums });
  const laRaw = new Map<string, { dem: Sums; plc: Sums }>();

  for (const la of partnership.members) {
    const mine = { cap: {} as Sums, dem: {} as Sums, plc: {} as Sums, block: 0 };
    const casesByNeed = new Map<string, number>();
    for (const c of g.counters.get(la) ?? []) {
      const [kind, a = '', b = '', d = ''] = c.key.split('#');
      switch (kindOf(c.key)) {
        case 'CAPB':
          add(mine.cap, c.values);
          add(slot(bands, a, triple).cap, c.values);
          break;
        case 'CAP':
          add(slot(needs, b, triple).cap, c.values);
          add(slot(cells, `${la}#${a}#${b}`, () => ({ laCode: la, band: a, need: b, cap: {}, dem: {} })).cap, c.values);
          break;
        case 'DEM':
          add(mine.dem, c.values);
          add(slot(bands, a, triple).dem, c.values);
          add(slot(needs, b, triple).dem, c.values);
          add(slot(cells, `${la}#${a}#${b}`, () => ({ laCode: la, band: a, need: b, cap: {}, dem: {} })).dem, c.values);
          casesByNeed.set(b, (casesByNeed.get(b) ?? 0) + (c.values.cases ?? 0));
          break;
        case 'PLC':
          add(mine.plc, c.values);
          add(slot(bands, a, triple).plc, c.values);
          add(slot(needs, b, triple).plc, c.values);
          break;
        case 'BLOCK':
          if (a === id && (c.values.used ?? 0) > 0) {
            mine.block += c.values.used ?? 0;
            blockPlaces.push({ urn: b, listingId: d, laCode: la, used: suppress(c.values.used ?? 0) });
          }
          break;
        default:
          void kind;
      }
    }
    laRaw.set(la, mine);
    add(total.cap, mine.cap);
    add(total.dem, mine.dem);
    add(total.plc, mine.plc);
    const base = g.baselines.get(la);
    let ehcp: EhcpView | null = null;
    if (base !== undefined) {
      year = year === null || base.year > year ? base.year : year;
      plans = plans === null || base.plans === null ? null : plans + base.plans;
      const cases = mine.dem.cases ?? 0;
      ehcp = {
        year: base.year,
        plans: base.plans,
        marketplaceCases: suppress(cases),
        coverage: base.plans ? (suppressWith(cases, round1((100 * cases) / base.plans)) as number | null) : null,
        byPlacement: base.byPlacement,
        byNeed: base.byNeed,
      };
      for (const [need, n] of Object.entries(base.byNeed)) {
        const e = slot(ehcpNeeds, need, () => ({ plans: 0 as number | null, cases: 0 }));
        e.plans = e.plans === null || n === null ? null : e.plans + n;
      }
    }
    for (const [need, n] of casesByNeed)
      slot(ehcpNeeds, need, () => ({ plans: null as number | null, cases: 0 })).cases += n;
    byLa.push({
      laCode: la,
      name: g.names.get(la) ?? la,
      capacity: capacityOf(mine.cap),
      demand: demandOf(mine.dem, today),
      placements: placementsOf(mine.plc),
      blockPlacesUsed: suppress(mine.block),
      ehcp,
    });
  }
  // Secondary suppression: every count shown, by row and measure, and the totals its rows add up to.
  const values = new Map<string, number>();
  const groups: SuppressionGroup[] = [];
  const rows = {
    T: { dem: total.dem, plc: total.plc },
    ...Object.fromEntries([...laRaw].map(([la, v]) => [`L:${la}`, v])),
    ...Object.fromEntries([...bands].map(([b, v]) => [`B:${b}`, v])),
    ...Object.fromEntries([...needs].map(([n, v]) => [`N:${n}`, v])),
  } as Record<string, { dem: Sums; plc: Sums }>;
  for (const [row, v] of Object.entries(rows)) {
    for (const m of DEMAND_MEASURES) values.set(`${row}|${m}`, v.dem[m] ?? 0);
    for (const [m, n] of Object.entries(placementCounts(v.plc))) values.set(`${row}|${m}`, n);
    groups.push({ total: `${row}|placements`, parts: [`${row}|inArea`, `${row}|outOfArea`] });
  }
  for (const c of cells.values())
    for (const m of DEMAND_MEASURES) values.set(`C:${c.laCode}#${c.band}#${c.need}|${m}`, c.dem[m] ?? 0);
  const keysOf = (prefix: string) => Object.keys(rows).filter((r) => r.startsWith(prefix));
  for (const m of [...DEMAND_MEASURES, ...PLACEMENT_MEASURES])
    for (const prefix of ['L:', 'B:', 'N:'])
      groups.push({ total: `T|${m}`, parts: keysOf(prefix).map((r) => `${r}|${m}`) });
  for (const la of laRaw.keys())
    for (const m of DEMAND_MEASURES)
      groups.push({
        total: `L:${la}|${m}`,
        parts: [...cells.values()].filter((c) => c.laCode === la).map((c) => `C:${c.laCode}#${c.band}#${c.need}|${m}`),
      });
  const withheld = withheldCells(values, groups);
  const hiddenIn =
    (row: string): Hidden =>
    (m) =>
      withheld.has(`${row}|${m}`);
  for (const r of byLa) {
    const raw = laRaw.get(r.laCode)!;
    r.demand = demandOf(raw.dem, today, hiddenIn(`L:${r.laCode}`));
    r.placements = placementsOf(raw.plc, hiddenIn(`L:${r.laCode}`));
    if (r.ehcp) {
      r.ehcp.marketplaceCases = r.demand.cases;
      // Coverage is cases per 100 plans: it would give a withheld count back.
      if (r.demand.cases === SUPPRESSED && r.ehcp.coverage !== null) r.ehcp.coverage = SUPPRESSED as never;
    }
  }
  const anyBaseline = [...g.baselines.values()].some((b) => b !== undefined);
  const totalCases = total.dem.cases ?? 0;
  return {
    partnership: { id: partnership.id, name: partnership.name, members: partnership.members, remit: partnership.remit },
    asOf: now.toISOString(),
    suppression: SUPPRESSION_NOTE,
    totals: {
      capacity: capacityOf(total.cap),
      demand: demandOf(total.dem, today, hiddenIn('T')),
      placements: placementsOf(total.plc, hiddenIn('T')),
    },
    byLa,
    byBand: [...bands]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([band, v]) => ({
        band,
        capacity: capacityOf(v.cap),
        demand: demandOf(v.dem, today, hiddenIn(`B:${band}`)),
        placements: placementsOf(v.plc, hiddenIn(`B:${band}`)),
      })),
    byNeed: [...needs]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([need, v]) => ({
        need,
        capacity: capacityOf(v.cap),
        demand: demandOf(v.dem, today, hiddenIn(`N:${need}`)),
        placements: placementsOf(v.plc, hiddenIn(`N:${need}`)),
      })),
    byLaBandNeed: [...cells.values()]
      .sort((x, y) => `${x.laCode}#${x.band}#${x.need}`.localeCompare(`${y.laCode}#${y.band}#${y.need}`))
      .map((c) => ({
        laCode: c.laCode,
        band: c.band,
        need: c.need,
        capacity: capacityOf(c.cap),
        demand: demandOf(c.dem, today, hiddenIn(`C:${c.laCode}#${c.band}#${c.need}`)),
      })),
    blockPlaces: blockPlaces.sort((x, y) =>
      `${x.urn}${x.listingId}${x.laCode}`.localeCompare(`${y.urn}${y.listingId}${y.laCode}`),
    ),
    ehcp: {
      year,
      plans: anyBaseline ? plans : null,
      marketplaceCases: shown(withheld.has('T|cases'), totalCases),
      coverage:
        anyBaseline && plans
          ? withheld.has('T|cases')
            ? (SUPPRESSED as never)
            : round1((100 * totalCases) / plans)
          : null,
      byNeed: [...ehcpNeeds]
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([need, e]) => ({
          need,
          plans: anyBaseline ? e.plans : null,
          marketplaceCases: shown(withheld.has(`N:${need}|cases`) || suppress(e.cases) === SUPPRESSED, e.cases),
        })),
    },
    trends: await deps.store.aggregates.snapshots(id),
  };
}

/** The day's figures of each partnership, written once a day (by the hourly escalation job). */
export async function recordDailySnapshots(deps: Deps): Promise<number> {
  const now = deps.now?.() ?? new Date();
  const date = londonDate(now);
  const { partnerships } = await referenceData(deps.store);
  let written = 0;
  const system: Principal = { sub: 'system:snapshot', role: 'national', org: 'marketplace' };
  for (const p of partnerships) {
    const latest = (await deps.store.aggregates.snapshots(p.id, 1))[0];
    if (latest?.date === date) continue;
    const view = await sufficiency(deps, system, p.id);
    // The stored day keeps the raw totals' suppressed form: a trend never shows what the view hides.
    if (
      await deps.store.aggregates.putSnapshot(p.id, date, {
        capacity: view.totals.capacity,
        demand: view.totals.demand,
        placements: view.totals.placements,
      })
    )
      written++;
  }
  return written;
}
