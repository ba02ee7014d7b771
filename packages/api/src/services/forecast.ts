import {
  ForbiddenError,
  type ForecastMethod,
  gapByYear,
  type LaForecast,
  type MaybeSuppressed,
  NotFoundError,
  PLACEMENT_TYPE_BANDS,
  PLACEMENT_TYPE_NAMES,
  PLACEMENT_TYPE_SETTINGS,
  PLACEMENT_TYPES,
  type PlacementType,
  placementTypeOfBand,
  placementTypeOfSetting,
  type ProjectedYear,
  suppress,
  suppressWith,
  sumProjections,
} from '@placements/domain';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { inParallel } from './parallel.ts';
import { referenceData } from './reference-cache.ts';
import { readablePartnership } from './sufficiency.ts';

export interface ForecastCapacity {
  listings: number;
  commissioned: number;
  filled: number;
  held: number;
  available: number;
  /** Places block-commissioned (for the partnership; for an LA, for any partnership). */
  blockPlaces: number;
}

export interface TypeRow {
  type: PlacementType;
  name: string;
  settingTypes: readonly string[];
  bands: readonly string[];
  /** DfE's figures, as published (null: a member's figure was suppressed that year). */
  history: { year: string; plans: number | null }[];
  /** The latest figure each member's projection starts from, added up. */
  latest: number;
  projection: ProjectedYear[];
  capacity: ForecastCapacity;
  /** The marketplace's own children: counts 1–4 are "<5". */
  marketplace: {
    openCases: MaybeSuppressed;
    waiting: MaybeSuppressed;
    placements: MaybeSuppressed;
    outOfArea: MaybeSuppressed;
  };
  gap: {
    year: string;
    additional: { low: number; central: number; high: number };
    gap: { worst: MaybeSuppressed; central: MaybeSuppressed; best: MaybeSuppressed };
  }[];
  byNeed: { need: string; latest: number; projected: number[] }[];
  byAge: { ageGroup: string; latest: number; projected: number[] }[];
}

export interface ForecastView {
  scope: { kind: 'partnership' | 'la'; id: string; name: string; members: string[] };
  asOf: string;
  baseYear: string | null;
  years: string[];
  method: { name: string; summary: string; backtest: ForecastMethod['backtest'] } | null;
  /** Members without a forecast (no DfE figures loaded for them). */
  missing: string[];
  suppression: string;
  reading: string;
  byType: TypeRow[];
  byLa: {
    laCode: string;
    name: string;
    baseYear: string;
    byType: { type: PlacementType; latest: number; projection: ProjectedYear[] }[];
  }[];
}

export const FORECAST_SUPPRESSION =
  'DfE figures and the projections made from them are shown as DfE published them (public statistics). The marketplace’s own counts of children (open cases, waiting, placements, out of area) from 1 to 4 are "<5", and so is a gap worked out from them.';
export const FORECAST_READING =
  'additional: projected EHC plans less the latest DfE figure. gap: places free today on the marketplace, less its open cases, less the additional plans; below zero, places to commission by that year (worst: at the high projection; best: at the low). Published places are only what providers list on the marketplace, not every place in the area.';

/** Who may read an LA's forecast: the LA itself, a partnership it is a member of, the national team. */
async function readableLa(deps: Deps, principal: Principal, gss: string): Promise<{ name: string }> {
  const { las, partnerships } = await referenceData(deps.store);
  const la = las.find((l) => l.laCode === gss);
  if (principal.role === 'national') {
    if (la === undefined) throw new NotFoundError(`No LA has the GSS code ${gss}; GET /las lists them.`);
    return la;
  }
  const allowed =
    (principal.role === 'la' && principal.org === gss) ||
    (principal.role === 'partnership' && partnerships.some((p) => p.id === principal.org && p.members.includes(gss)));
  if (!allowed)
    throw new ForbiddenError(
      principal.role === 'la'
        ? `Your token is for LA ${principal.org}; it may read only its own forecast.`
        : principal.role === 'partnership'
          ? `${gss} is not a member of ${principal.org}.`
          : 'An LA’s forecast is for the LA, its partnerships and the national team.',
    );
  if (la === undefined) throw new NotFoundError(`No LA has the GSS code ${gss}; GET /las lists them.`);
  return la;
}

const emptyCapacity = (): ForecastCapacity => ({
  listings: 0,
  commissioned: 0,
  filled: 0,
  held: 0,
  available: 0,
  blockPlaces: 0,
});
type Raw = { openCases: number; waiting: number; placements: number; outOfArea: number };

/** Published places in the LAs by placement type (their settings' listings, one Query per LA). */
async function capacityOf(
  deps: Deps,
  las: string[],
  partnershipId?: string,
): Promise<Map<PlacementType, ForecastCapacity>> {
  const out = new Map<PlacementType, ForecastCapacity>(PLACEMENT_TYPES.map((t) => [t, emptyCapacity()]));
  await inParallel(las, 4, async (la) => {
    let cursor: string | undefined;
    do {
      const page = await deps.store.settings.listSettings({ laCode: la }, 200, cursor);
      for (const s of page.items) {
        const type = placementTypeOfSetting(s.type);
        if (type === undefined) continue;
        const c = out.get(type)!;
        for (const l of s.listings) {
          c.listings++;
          c.commissioned += l.commissioned;
          c.filled += l.filled;
          c.held += l.held;
          c.available += l.available;
          if (l.blockFor && (partnershipId === undefined || l.blockFor.partnershipId === partnershipId))
            c.blockPlaces += l.blockFor.places;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  });
  return out;
}

/** The LAs' own cases and placements by placement type, from their counters (never a scan). */
async function marketplaceOf(deps: Deps, las: string[]): Promise<Map<PlacementType, Raw>> {
  const out = new Map<PlacementType, Raw>(
    PLACEMENT_TYPES.map((t) => [t, { openCases: 0, waiting: 0, placements: 0, outOfArea: 0 }]),
  );
  await inParallel(las, 20, async (la) => {
    for (const c of await deps.store.aggregates.countersOf(la)) {
      const [kind, band = ''] = c.key.split('#');
      const type = placementTypeOfBand(band);
      if (type === undefined) continue;
      if (kind === 'DEM') {
        out.get(type)!.openCases += c.values.open ?? 0;
        out.get(type)!.waiting += c.values.waiting ?? 0;
      } else if (kind === 'PLC') {
        const independent = type === 'specialState' ? (c.values.independent ?? 0) : 0;
        out.get(type)!.placements += (c.values.placements ?? 0) - independent;
        out.get(type)!.outOfArea += c.values.outOfArea ?? 0;
        out.get('specialIndependent')!.placements += independent;
      }
    }
  });
  return out;
}

function rows(
  forecasts: LaForecast[],
  capacity: Map<PlacementType, ForecastCapacity>,
  market: Map<PlacementType, Raw>,
): TypeRow[] {
  return PLACEMENT_TYPES.map((type) => {
    const cells = forecasts.flatMap((f) => f.byType.filter((b) => b.type === type));
    const years = cells[0]?.history.map((h) => h.year) ?? [];
    const history = years.map((year, i) => ({
      year,
      plans: cells.some((c) => c.history[i]?.plans === null || c.history[i] === undefined)
        ? null
        : cells.reduce((s, c) => s + c.history[i]!.plans!, 0),
    }));
    const latest = cells.reduce((s, c) => s + (c.history.findLast((h) => h.plans !== null)?.plans ?? 0), 0);
    const projection = sumProjections(cells.map((c) => c.projection));
    const cap = capacity.get(type)!;
    const m = market.get(type)!;
    const mix = <K extends string>(parts: { key: K; latest: number; projected: number[] }[]) => {
      const byKey = new Map<K, { latest: number; projected: number[] }>();
      for (const p of parts) {
        const e = byKey.get(p.key) ?? { latest: 0, projected: p.projected.map(() => 0) };
        e.latest += p.latest;
        p.projected.forEach((v, k) => {
          e.projected[k] = (e.projected[k] ?? 0) + v;
        });
        byKey.set(p.key, e);
      }
      return [...byKey].map(([key, v]) => ({ key, ...v }));
    };
    return {
      type,
      name: PLACEMENT_TYPE_NAMES[type],
      settingTypes: PLACEMENT_TYPE_SETTINGS[type],
      bands: PLACEMENT_TYPE_BANDS[type],
      history,
      latest,
      projection,
      capacity: cap,
      marketplace: {
        openCases: suppress(m.openCases),
        waiting: suppress(m.waiting),
        placements: suppress(m.placements),
        outOfArea: suppress(m.outOfArea),
      },
      gap: gapByYear(projection, latest, cap.available, m.openCases).map((g) => ({
        year: g.year,
        additional: g.additional,
        // Places free and plans are public; with them, the gap would give away a count of 1–4 open cases.
        gap: {
          worst: suppressWith(m.openCases, g.gap.worst),
          central: suppressWith(m.openCases, g.gap.central),
          best: suppressWith(m.openCases, g.gap.best),
        },
      })),
      byNeed: mix(
        cells.flatMap((c) => (c.byNeed ?? []).map((n) => ({ key: n.need, latest: n.latest, projected: n.projected }))),
      )
        .map(({ key, ...v }) => ({ need: key, ...v }))
        .sort((a, b) => b.latest - a.latest),
      byAge: mix(
        cells.flatMap((c) =>
          (c.byAge ?? []).map((n) => ({ key: n.ageGroup, latest: n.latest, projected: n.projected })),
        ),
      ).map(({ key, ...v }) => ({ ageGroup: key, ...v })),
    };
  });
}

async function build(deps: Deps, scope: ForecastView['scope'], partnershipId?: string): Promise<ForecastView> {
  const forecasts: LaForecast[] = [];
  const missing: string[] = [];
  const [method, capacity, market] = await Promise.all([
    deps.store.aggregates.ehcpForecastMethod(),
    capacityOf(deps, scope.members, partnershipId),
    marketplaceOf(deps, scope.members),
    inParallel(scope.members, 20, async (la) => {
      const f = await deps.store.aggregates.ehcpForecast(la);
      if (f === undefined) missing.push(la);
      else forecasts.push(f);
    }),
  ]);
  forecasts.sort((a, b) => a.laCode.localeCompare(b.laCode));
  const { las } = await referenceData(deps.store);
  const names = new Map(las.map((l) => [l.laCode, l.name]));
  return {
    scope,
    asOf: (deps.now?.() ?? new Date()).toISOString(),
    baseYear: forecasts[0]?.baseYear ?? null,
    years: forecasts[0]?.years ?? [],
    method: method === undefined ? null : { name: method.name, summary: method.summary, backtest: method.backtest },
    missing: missing.sort(),
    suppression: FORECAST_SUPPRESSION,
    reading: FORECAST_READING,
    byType: forecasts.length === 0 ? [] : rows(forecasts, capacity, market),
    byLa:
      scope.kind === 'la'
        ? []
        : forecasts.map((f) => ({
            laCode: f.laCode,
            name: names.get(f.laCode) ?? f.laName,
            baseYear: f.baseYear,
            byType: f.byType.map((b) => ({
              type: b.type,
              latest: b.history.findLast((h) => h.plans !== null)?.plans ?? 0,
              projection: b.projection,
            })),
          })),
  };
}

/** A partnership's projected EHC plans by placement type against its members' published places. */
export async function partnershipForecast(deps: Deps, principal: Principal, id: string): Promise<ForecastView> {
  const p = await readablePartnership(deps, principal, id);
  return build(deps, { kind: 'partnership', id: p.id, name: p.name, members: p.members }, p.id);
}

/** One LA's projected EHC plans by placement type against the places published in it. */
export async function laForecast(deps: Deps, principal: Principal, gss: string): Promise<ForecastView> {
  const la = await readableLa(deps, principal, gss);
  return build(deps, { kind: 'la', id: gss, name: la.name, members: [gss] });
}

const cell = (v: unknown) => {
  if (typeof v === 'number') return String(v);
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The forecast as CSV (RFC 4180): one row per placement type and projected year. */
export function forecastCsv(view: ForecastView): string {
  const header = [
    'scope',
    'placementType',
    'year',
    'latestPlans',
    'projectedLow',
    'projectedCentral',
    'projectedHigh',
    'additionalCentral',
    'commissioned',
    'available',
    'blockPlaces',
    'openCases',
    'waiting',
    'placements',
    'outOfArea',
    'gapWorst',
    'gapCentral',
    'gapBest',
  ];
  const lines = [header.join(',')];
  for (const r of view.byType)
    r.projection.forEach((p, k) => {
      const g = r.gap[k]!;
      lines.push(
        [
          view.scope.id,
          r.type,
          p.year,
          r.latest,
          p.low,
          p.central,
          p.high,
          g.additional.central,
          r.capacity.commissioned,
          r.capacity.available,
          r.capacity.blockPlaces,
          r.marketplace.openCases,
          r.marketplace.waiting,
          r.marketplace.placements,
          r.marketplace.outOfArea,
          g.gap.worst,
          g.gap.central,
          g.gap.best,
        ]
          .map(cell)
          .join(','),
      );
    });
  return `${lines.join('\r\n')}\r\n`;
}
