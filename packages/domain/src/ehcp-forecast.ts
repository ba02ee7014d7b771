import { AGE_GROUPS, type AgeGroup, type EhcpHistory, PLACEMENT_TYPES, type PlacementType } from './ehcp-history.ts';

/**
 * Projection of EHC plans per LA and placement type (docs/forecast.md explains it in a page).
 *
 * Growth is measured on a log scale (log(1 + plans)), so a series that grows by the same
 * percentage every year is a straight line. For each LA and placement type:
 *   1. its own growth: the least-squares slope of log(1 + plans) over its last `window` years;
 *   2. the region's growth for the type: the same slope of the sum over the region's LAs;
 *   3. the two blended by size, w = n / (n + shrink), n the LA's latest plans of that type: a small
 *      LA's few plans jump about, so its trend leans on the region's; a large LA keeps its own;
 *   4. the blended growth applied to the latest figure, damped by `damping` each year ahead
 *      (growth h years on is g·(φ + φ² + … + φʰ)), because trends do not run on for ever;
 *   5. the low–high range: the latest backtest's errors (log of actual / predicted) for the
 *      placement type, size group and horizon, their 10th and 90th percentiles; beyond the
 *      horizons the backtest scored they widen in proportion to the horizon.
 */
export interface ForecastParams {
  /** Years of history the growth is measured over. */
  window: number;
  /**
   * Plans of the type at which the LA's own growth in that type and the outside growth (below)
   * weigh the same; null: the LA's own placement-type growth is not used at all (the backtest
   * over the fitted years found it mostly noise).
   */
  shrink: number | null;
  /** Share of last year's growth kept each further year ahead (1: none lost). */
  damping: number;
  /** How an LA's own growth is read from its years: least-squares slope, or the median year-on-year change. */
  estimator?: 'slope' | 'median';
  /** Of the weight not on the LA's own placement-type growth, the share on the LA's total growth (the rest: the region's). */
  towardsTotal?: number;
}

/** Chosen by `npm run bench:forecast` on the fitted years only (docs/forecast.md, "Choosing the method"). */
export const DEFAULT_FORECAST_PARAMS: ForecastParams = { window: 3, shrink: null, towardsTotal: 0.75, damping: 0.55 };

/** The central projection of one series, h = 1… years after its last figure. */
export interface GrowthContext {
  /** The region's growth for the placement type (log scale, a year). */
  regional: number | null;
  /** The LA's growth in all its plans: a steadier reading of the LA than one placement type. */
  laTotal: number | null;
}
export type Projector = (series: (number | null)[], context: GrowthContext, horizons: number) => number[] | null;

const ln1p = Math.log1p;

/** Least-squares slope of log(1 + y) against the year over the last `window` years (a missing year skipped). */
export function logSlope(series: (number | null)[], window: number): number | null {
  const pts: [number, number][] = [];
  for (let i = series.length - 1; i >= 0 && i >= series.length - window; i--) {
    const y = series[i];
    if (y !== null && y !== undefined) pts.push([i, ln1p(y)]);
  }
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}

/** The median of the year-on-year changes of log(1 + y) over the last `window` years (robust to one jump). */
export function logMedianChange(series: (number | null)[], window: number): number | null {
  const pts: [number, number][] = [];
  for (let i = series.length - 1; i >= 0 && i >= series.length - window; i--) {
    const y = series[i];
    if (y !== null && y !== undefined) pts.push([i, ln1p(y)]);
  }
  if (pts.length < 2) return null;
  const changes = pts
    .slice(1)
    .map((p, k) => (pts[k]![1] - p[1]) / (pts[k]![0] - p[0]))
    .sort((a, b) => a - b);
  return quantile(changes, 0.5);
}

/** The index and value of a series' last figure. */
export function lastFigure(series: (number | null)[]): { index: number; value: number } | null {
  for (let i = series.length - 1; i >= 0; i--) {
    const v = series[i];
    if (v !== null && v !== undefined) return { index: i, value: v };
  }
  return null;
}

/**
 * The projection: the latest figure grown by the LA's growth blended with its region's, damped.
 * Returns the central figure for each of `horizons` years after the series' end (its last index),
 * even where its last figure is older (a year DfE suppressed): the growth runs from that figure.
 */
export function shrunkTrendProjector(params: ForecastParams): Projector {
  return (series, context, horizons) => {
    const last = lastFigure(series);
    if (last === null) return null;
    const own =
      params.estimator === 'median' ? logMedianChange(series, params.window) : logSlope(series, params.window);
    const w = params.shrink === null ? 0 : last.value / (last.value + params.shrink);
    const lambda = params.towardsTotal ?? 0;
    const outside =
      context.regional === null
        ? context.laTotal
        : context.laTotal === null
          ? context.regional
          : lambda * context.laTotal + (1 - lambda) * context.regional;
    const growth = own === null ? (outside ?? 0) : outside === null ? own : w * own + (1 - w) * outside;
    const out: number[] = [];
    const gap = series.length - 1 - last.index;
    let cumulative = 0;
    let phi = 1;
    for (let h = 1; h <= horizons + gap; h++) {
      phi *= params.damping;
      cumulative += phi;
      if (h > gap) out.push(Math.max(0, Math.expm1(ln1p(last.value) + growth * cumulative)));
    }
    return out;
  };
}

/** Naive baseline: next year as last year. */
export const lastValueProjector: Projector = (series, _context, horizons) => {
  const last = lastFigure(series);
  return last === null ? null : Array.from({ length: horizons }, () => last.value);
};

/** Naive baseline: the least-squares straight line through every fitted year, extended. */
export const straightLineProjector: Projector = (series, _context, horizons) => {
  const pts = series.flatMap((y, i) => (y === null || y === undefined ? [] : [[i, y] as const]));
  if (pts.length === 0) return null;
  if (pts.length === 1) return Array.from({ length: horizons }, () => pts[0]![1]);
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const slope = pts.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / pts.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const end = series.length - 1;
  return Array.from({ length: horizons }, (_, k) => Math.max(0, my + slope * (end + k + 1 - mx)));
};

/** Size groups the ranges are calibrated in: small series jump about more, in proportion. */
export const SIZE_GROUPS = [
  { name: 'under 50', max: 50 },
  { name: '50 to 499', max: 500 },
  { name: '500 or more', max: Number.POSITIVE_INFINITY },
] as const;
export const sizeGroupOf = (n: number) => SIZE_GROUPS.findIndex((g) => n < g.max);

/**
 * Each region's growth per placement type over the fitted years: the log slope of the sum over
 * its LAs with a figure in every year of the window (an LA that appears or splits would otherwise
 * look like growth).
 */
export function regionalGrowth(
  histories: EhcpHistory[],
  upTo: number,
  window: number,
): Map<string, Record<PlacementType, number | null>> {
  const from = Math.max(0, upTo - window + 1);
  const byRegion = new Map<string, EhcpHistory[]>();
  for (const h of histories) {
    const members = byRegion.get(h.regionCode);
    if (members) members.push(h);
    else byRegion.set(h.regionCode, [h]);
  }
  const out = new Map<string, Record<PlacementType, number | null>>();
  for (const [region, members] of byRegion) {
    const r = {} as Record<PlacementType, number | null>;
    for (const t of PLACEMENT_TYPES) {
      const sums: (number | null)[] = [];
      for (let i = from; i <= upTo; i++) sums.push(0);
      for (const h of members) {
        const s = h.byType[t].slice(from, upTo + 1);
        if (s.some((v) => v === null)) continue;
        s.forEach((v, k) => {
          sums[k] = sums[k]! + v!;
        });
      }
      r[t] = sums.every((v) => v === 0) ? null : logSlope(sums, window);
    }
    out.set(region, r);
  }
  return out;
}

/** One cell of a projection run: an LA's placement type, what was predicted h years ahead. */
export interface ProjectionCell {
  laCode: string;
  regionCode: string;
  type: PlacementType;
  /** The latest figure used: decides the size group its range comes from. */
  base: number;
  central: number[];
}

/** Central projections of every LA and placement type from the years up to and including `upTo`. */
export function projectAll(
  histories: EhcpHistory[],
  upTo: number,
  horizons: number,
  projector: Projector,
  window = DEFAULT_FORECAST_PARAMS.window,
): ProjectionCell[] {
  const regions = regionalGrowth(histories, upTo, window);
  const cells: ProjectionCell[] = [];
  for (const h of histories) {
    const laTotal = logSlope(h.plans.slice(0, upTo + 1), window);
    for (const t of PLACEMENT_TYPES) {
      const series = h.byType[t].slice(0, upTo + 1);
      const central = projector(series, { regional: regions.get(h.regionCode)?.[t] ?? null, laTotal }, horizons);
      const last = lastFigure(series);
      if (central === null || last === null) continue;
      cells.push({ laCode: h.laCode, regionCode: h.regionCode, type: t, base: last.value, central });
    }
  }
  return cells;
}

/**
 * Range calibration: for each placement type, size group and horizon, the 10th and 90th
 * percentiles of log((1 + actual) / (1 + predicted)) over a backtest's cells. A bin with fewer
 * than `MIN_BIN` errors borrows the size group's errors across every type.
 */
export interface RangeCalibration {
  /** [type][size group][horizon − 1] → [lower, upper] log ratios. */
  byType: Record<PlacementType, [number, number][][]>;
  horizons: number;
  /** The backtest it came from: fitted up to this year, scored on the years after. */
  fittedTo: string;
}

const MIN_BIN = 20;
export const RANGE_QUANTILES = [0.1, 0.9] as const;

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Errors of `cells` (projected from `upTo`) against what happened in `histories`. */
export function calibrateRanges(
  histories: EhcpHistory[],
  cells: ProjectionCell[],
  upTo: number,
  horizons: number,
): RangeCalibration {
  const actual = new Map(histories.map((h) => [h.laCode, h]));
  const bins = new Map<string, number[]>();
  const put = (k: string, e: number) => {
    const bin = bins.get(k);
    if (bin) bin.push(e);
    else bins.set(k, [e]);
  };
  for (const c of cells) {
    const h = actual.get(c.laCode)!;
    const g = sizeGroupOf(c.base);
    for (let k = 0; k < horizons; k++) {
      const a = h.byType[c.type][upTo + 1 + k];
      if (a === null || a === undefined) continue;
      const e = Math.log1p(a) - Math.log1p(c.central[k]!);
      put(`${c.type}|${g}|${k}`, e);
      put(`*|${g}|${k}`, e);
    }
  }
  const band = (k: string): [number, number] => {
    const s = (bins.get(k) ?? []).sort((a, b) => a - b);
    return [quantile(s, RANGE_QUANTILES[0]), quantile(s, RANGE_QUANTILES[1])];
  };
  const byType = {} as RangeCalibration['byType'];
  for (const t of PLACEMENT_TYPES) {
    byType[t] = SIZE_GROUPS.map((_, g) =>
      Array.from({ length: horizons }, (_, k) =>
        (bins.get(`${t}|${g}|${k}`)?.length ?? 0) >= MIN_BIN ? band(`${t}|${g}|${k}`) : band(`*|${g}|${k}`),
      ),
    );
  }
  return { byType, horizons, fittedTo: histories[0]?.years[upTo] ?? String(upTo) };
}

/** The range around a central figure h years ahead; past the calibrated horizons it widens with h. */
export function rangeOf(
  cal: RangeCalibration,
  type: PlacementType,
  base: number,
  h: number,
  central: number,
): { low: number; high: number } {
  const bins = cal.byType[type][sizeGroupOf(base)]!;
  const k = Math.min(h, cal.horizons) - 1;
  const scale = h > cal.horizons ? h / cal.horizons : 1;
  const [lo, hi] = bins[k]!;
  const at = (e: number) => Math.max(0, Math.expm1(Math.log1p(central) + e * scale));
  return { low: Math.min(at(lo), central), high: Math.max(at(hi), central) };
}

// ---- Backtest -----------------------------------------------------------------------------

export interface MethodScore {
  method: string;
  /** Mean absolute percentage error over cells whose actual figure is at least MAPE_FLOOR. */
  mape: number;
  mapeByHorizon: number[];
  /** Share of cells whose actual figure fell inside the method's low–high range. */
  coverage: number;
  /** Absolute error of England's total (the LAs' projections summed) per placement type, %. */
  englandError: Record<PlacementType, number>;
  mapeByType: Record<PlacementType, number>;
  cells: number;
}

export interface BacktestResult {
  fittedYears: [string, string];
  heldOutYears: string[];
  scores: MethodScore[];
  /** Cells scored (LA, placement type, year) and LAs in the run. */
  cells: number;
  las: number;
}

/** Cells with fewer plans than this are left out of the MAPE (a miss of 1 on 2 is 50%), not of coverage. */
export const MAPE_FLOOR = 10;

export interface BacktestMethod {
  name: string;
  projector: Projector;
}

/**
 * Fits on the years up to `fitTo` (index into EHCP_YEARS), predicts the `horizons` years after
 * it for every LA and placement type with each method, and scores them against what DfE then
 * published. Each method's range is calibrated the same way from its own errors one origin
 * earlier (fitted to `fitTo − horizons`, scored on years up to `fitTo`), so no held-out year
 * informs any range.
 */
export function backtest(
  histories: EhcpHistory[],
  fitTo: number,
  horizons: number,
  methods: BacktestMethod[],
  window = DEFAULT_FORECAST_PARAMS.window,
): BacktestResult {
  const scores: MethodScore[] = [];
  let cellCount = 0;
  const inner = fitTo - horizons;
  for (const m of methods) {
    const cal = calibrateRanges(
      histories,
      projectAll(histories, inner, horizons, m.projector, window),
      inner,
      horizons,
    );
    const cells = projectAll(histories, fitTo, horizons, m.projector, window);
    const actual = new Map(histories.map((h) => [h.laCode, h]));
    const ape: number[][] = Array.from({ length: horizons }, () => []);
    const apeType = new Map<PlacementType, number[]>();
    const england = new Map<string, { a: number; p: number }>();
    let inside = 0;
    let scored = 0;
    for (const c of cells) {
      const h = actual.get(c.laCode)!;
      for (let k = 0; k < horizons; k++) {
        const a = h.byType[c.type][fitTo + 1 + k];
        if (a === null || a === undefined) continue;
        const p = c.central[k]!;
        scored++;
        const r = rangeOf(cal, c.type, c.base, k + 1, p);
        if (a >= r.low && a <= r.high) inside++;
        const e = england.get(`${c.type}|${k}`) ?? { a: 0, p: 0 };
        e.a += a;
        e.p += p;
        england.set(`${c.type}|${k}`, e);
        if (a >= MAPE_FLOOR) {
          const x = Math.abs(p - a) / a;
          ape[k]!.push(x);
          if (apeType.has(c.type)) apeType.get(c.type)!.push(x);
          else apeType.set(c.type, [x]);
        }
      }
    }
    const mean = (xs: number[]) => (xs.length === 0 ? 0 : (100 * xs.reduce((s, x) => s + x, 0)) / xs.length);
    const englandError = {} as Record<PlacementType, number>;
    const mapeByType = {} as Record<PlacementType, number>;
    for (const t of PLACEMENT_TYPES) {
      const es = Array.from({ length: horizons }, (_, k) => england.get(`${t}|${k}`)).filter(
        (e) => e !== undefined && e.a > 0,
      );
      englandError[t] = mean(es.map((e) => Math.abs(e!.p - e!.a) / e!.a));
      mapeByType[t] = mean(apeType.get(t) ?? []);
    }
    cellCount = scored;
    scores.push({
      method: m.name,
      mape: mean(ape.flat()),
      mapeByHorizon: ape.map(mean),
      coverage: scored === 0 ? 0 : (100 * inside) / scored,
      englandError,
      mapeByType,
      cells: ape.flat().length,
    });
  }
  const years = histories[0]?.years ?? [];
  return {
    fittedYears: [years[0] ?? '', years[fitTo] ?? ''],
    heldOutYears: years.slice(fitTo + 1, fitTo + 1 + horizons),
    scores,
    cells: cellCount,
    las: new Set(histories.map((h) => h.laCode)).size,
  };
}

// ---- The forecast served -------------------------------------------------------------------

export interface ProjectedYear {
  year: string;
  low: number;
  central: number;
  high: number;
}

export interface TypeForecast {
  type: PlacementType;
  /** DfE's figures, oldest first. */
  history: { year: string; plans: number | null }[];
  projection: ProjectedYear[];
  /** Central projection split by primary need at the latest year's mix (null: DfE gives none). */
  byNeed: { need: string; latest: number; projected: number[] }[] | null;
  byAge: { ageGroup: AgeGroup; latest: number; projected: number[] }[] | null;
}

export interface LaForecast {
  laCode: string;
  laName: string;
  regionCode: string;
  baseYear: string;
  years: string[];
  byType: TypeForecast[];
}

export const FORECAST_HORIZONS = 5;

/** The academic year `k` years after `year` (2024/25 + 1 → 2025/26). */
export function yearAfter(year: string, k: number): string {
  const start = Number(year.slice(0, 4)) + k;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}

const round = (n: number) => Math.round(n);

function split<K extends string>(
  mix: Record<K, number> | undefined,
  keys: readonly K[],
  projected: number[],
): { key: K; latest: number; projected: number[] }[] | null {
  if (mix === undefined) return null;
  const share = (k: K): number => mix[k] ?? 0;
  const total = keys.reduce<number>((s, k) => s + share(k), 0);
  if (total <= 0) return null;
  return keys
    .filter((k) => share(k) > 0)
    .map((k) => ({ key: k, latest: share(k), projected: projected.map((p) => round((p * share(k)) / total)) }));
}

/**
 * The forecast of every current LA: five years on from DfE's latest year, each placement type's
 * central figure and range, split by need and age at the latest year's mix (one year of those
 * breakdowns cannot carry a trend of its own).
 */
export function forecastAll(
  histories: EhcpHistory[],
  calibration: RangeCalibration,
  params: ForecastParams = DEFAULT_FORECAST_PARAMS,
  horizons = FORECAST_HORIZONS,
): LaForecast[] {
  const upTo = (histories[0]?.years.length ?? 1) - 1;
  const projector = shrunkTrendProjector(params);
  const cells = projectAll(histories, upTo, horizons, projector, params.window);
  const byLa = new Map<string, ProjectionCell[]>();
  for (const c of cells) {
    const mine = byLa.get(c.laCode);
    if (mine) mine.push(c);
    else byLa.set(c.laCode, [c]);
  }
  return histories.flatMap((h) => {
    const mine = byLa.get(h.laCode);
    if (mine === undefined) return [];
    const baseYear = h.years[upTo]!;
    const years = Array.from({ length: horizons }, (_, k) => yearAfter(baseYear, k + 1));
    return [
      {
        laCode: h.laCode,
        laName: h.laName,
        regionCode: h.regionCode,
        baseYear,
        years,
        byType: mine.map((c) => {
          const central = c.central.map(round);
          const needMix = h.needMix?.byType[c.type];
          const ageMix = h.ageMix?.byType[c.type];
          return {
            type: c.type,
            history: h.years.map((year, i) => ({ year, plans: h.byType[c.type][i] ?? null })),
            projection: years.map((year, k) => {
              const r = rangeOf(calibration, c.type, c.base, k + 1, c.central[k]!);
              return { year, low: round(r.low), central: central[k]!, high: round(r.high) };
            }),
            byNeed:
              split(needMix, Object.keys(needMix ?? {}).sort(), central)?.map((s) => ({
                need: s.key,
                latest: s.latest,
                projected: s.projected,
              })) ?? null,
            byAge:
              split(ageMix, AGE_GROUPS, central)?.map((s) => ({
                ageGroup: s.key,
                latest: s.latest,
                projected: s.projected,
              })) ?? null,
          };
        }),
      },
    ];
  });
}

/** The method and how it scored, as stored beside the forecasts and shown on screen. */
export interface ForecastMethod {
  name: string;
  params: ForecastParams;
  summary: string;
  backtest: BacktestResult;
}

export const METHOD_NAME = 'damped growth: the LA’s overall trend blended with its region’s for the placement type';
export const BASELINE_NAMES = {
  lastValue: 'last value (naive)',
  straightLine: 'straight line through the fitted years (naive)',
} as const;

/** The three methods scored in the backtest: ours and the two naive baselines. */
export function backtestMethods(params: ForecastParams = DEFAULT_FORECAST_PARAMS): BacktestMethod[] {
  return [
    { name: METHOD_NAME, projector: shrunkTrendProjector(params) },
    { name: BASELINE_NAMES.lastValue, projector: lastValueProjector },
    { name: BASELINE_NAMES.straightLine, projector: straightLineProjector },
  ];
}

/** The published backtest: fit 2018/19–2022/23, predict 2023/24 and 2024/25. */
export const BACKTEST_FIT_TO = 4;
export const BACKTEST_HORIZONS = 2;

/**
 * Everything the forecast needs from DfE's files in one pass: the backtest (and the method's
 * summary sentence from it), the ranges calibrated on the backtest's held-out years, and each
 * current LA's five-year forecast.
 */
export function buildForecasts(
  histories: EhcpHistory[],
  current: EhcpHistory[],
  params: ForecastParams = DEFAULT_FORECAST_PARAMS,
): { method: ForecastMethod; forecasts: LaForecast[] } {
  const result = backtest(histories, BACKTEST_FIT_TO, BACKTEST_HORIZONS, backtestMethods(params), params.window);
  // The live ranges come from the most recent errors there are: those of the held-out years.
  const calibration = calibrateRanges(
    histories,
    projectAll(histories, BACKTEST_FIT_TO, BACKTEST_HORIZONS, shrunkTrendProjector(params), params.window),
    BACKTEST_FIT_TO,
    BACKTEST_HORIZONS,
  );
  const ours = result.scores[0]!;
  const [last, line] = [result.scores[1]!, result.scores[2]!];
  const summary =
    `Projected from DfE's EHC plan figures for ${histories[0]?.years[0]} to ${histories[0]?.years.at(-1)}: each placement type grows from its latest figure at the LA's overall rate of growth ` +
    `blended with its region's rate for that placement type (${Math.round((params.towardsTotal ?? 0) * 100)}:${Math.round((1 - (params.towardsTotal ?? 0)) * 100)}), the growth damped by ${Math.round((1 - params.damping) * 100)}% each further year. ` +
    `Fitted on ${result.fittedYears[0]}–${result.fittedYears[1]} and tested on ${result.heldOutYears.join(' and ')} for every LA and placement type, it was out by ${ours.mape.toFixed(1)}% on average ` +
    `(last year's figure: ${last.mape.toFixed(1)}%; a straight line: ${line.mape.toFixed(1)}%), and ${ours.coverage.toFixed(0)}% of actual figures fell inside its range.`;
  return {
    method: { name: METHOD_NAME, params, summary, backtest: result },
    forecasts: forecastAll(current, calibration, params),
  };
}

// ---- Against capacity ----------------------------------------------------------------------

/** The marketplace's setting types that offer places of each DfE placement type. */
export const PLACEMENT_TYPE_SETTINGS: Record<PlacementType, readonly string[]> = {
  mainstream: ['mainstream'],
  resourcedProvision: ['resourced_provision', 'sen_unit'],
  specialState: ['special_maintained', 'special_academy'],
  specialIndependent: ['independent_special', 'non_maintained_special'],
  post16: ['fe_college', 'special_post16'],
  alternativeProvision: ['alternative_provision'],
  other: ['early_years'],
};

/**
 * The bands whose cases count as demand for each placement type. A case at a specialist band
 * (S1–S4) is sought first in a state special school, so its open case counts there; placements
 * made in independent or non-maintained schools count under those.
 */
export const PLACEMENT_TYPE_BANDS: Record<PlacementType, readonly string[]> = {
  mainstream: ['M1'],
  resourcedProvision: ['M2'],
  specialState: ['S1', 'S2', 'S3', 'S4'],
  specialIndependent: [],
  post16: ['P1', 'P2'],
  alternativeProvision: ['A1'],
  other: [],
};

/** The placement type of a setting type (undefined: none). */
export function placementTypeOfSetting(settingType: string): PlacementType | undefined {
  return PLACEMENT_TYPES.find((t) => PLACEMENT_TYPE_SETTINGS[t].includes(settingType));
}

/** The placement type whose open cases a band's cases count under. */
export function placementTypeOfBand(band: string): PlacementType | undefined {
  return PLACEMENT_TYPES.find((t) => PLACEMENT_TYPE_BANDS[t].includes(band));
}

/** Several LAs' projections of one placement type added up (their ranges too: a wide, cautious range). */
export function sumProjections(parts: ProjectedYear[][]): ProjectedYear[] {
  const first = parts[0];
  if (first === undefined) return [];
  return first.map((y, k) => ({
    year: y.year,
    low: parts.reduce((s, p) => s + (p[k]?.low ?? 0), 0),
    central: parts.reduce((s, p) => s + (p[k]?.central ?? 0), 0),
    high: parts.reduce((s, p) => s + (p[k]?.high ?? 0), 0),
  }));
}

export interface GapYear {
  year: string;
  /** Projected plans less the latest DfE figure: children to find places for, beyond today's. */
  additional: { low: number; central: number; high: number };
  /**
   * Places free today less the marketplace's open cases less the additional plans: below zero,
   * places to commission by that year. `worst` uses the high projection, `best` the low.
   */
  gap: { worst: number; central: number; best: number };
}

/** The gap each projected year between published free places and projected demand. */
export function gapByYear(
  projection: ProjectedYear[],
  latest: number,
  available: number,
  openCases: number,
): GapYear[] {
  return projection.map((p) => {
    const additional = { low: p.low - latest, central: p.central - latest, high: p.high - latest };
    const free = available - openCases;
    return {
      year: p.year,
      additional,
      gap: { worst: free - additional.high, central: free - additional.central, best: free - additional.low },
    };
  });
}
