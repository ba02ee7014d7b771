import { describe, expect, it } from 'vitest';
import {
  backtest,
  backtestMethods,
  forecastAll,
  gapByYear,
  lastValueProjector,
  logSlope,
  placementsOfRow,
  type RangeCalibration,
  rangeOf,
  shrunkTrendProjector,
  straightLineProjector,
  sumProjections,
} from './index.ts';
import { EHCP_YEARS, type EhcpHistory, PLACEMENT_TYPES, type PlacementType } from './ehcp-history.ts';

/** An LA's history with the given series (seven years), every other placement type absent. */
function la(
  code: string,
  region: string,
  plans: (number | null)[],
  byType: Partial<Record<PlacementType, (number | null)[]>>,
): EhcpHistory {
  const none = EHCP_YEARS.map(() => null);
  return {
    laCode: code,
    laName: code,
    regionCode: region,
    regionName: region,
    years: [...EHCP_YEARS],
    plans,
    byType: Object.fromEntries(PLACEMENT_TYPES.map((t) => [t, byType[t] ?? none])) as EhcpHistory['byType'],
    needMix: null,
    ageMix: null,
    source: 'test',
  };
}

describe('the projection, against figures worked out by hand', () => {
  it('reads growth as the slope of log(1 + plans): 49, 99, 199 double each year (ln 2)', () => {
    expect(logSlope([49, 99, 199], 3)).toBeCloseTo(Math.LN2, 12);
    // Only the last `window` years count, and a missing year is skipped: ln 50 and ln 200 two years apart.
    expect(logSlope([5000, 49, 99, 199], 3)).toBeCloseTo(Math.LN2, 12);
    expect(logSlope([5000, 49, null, 199], 3)).toBeCloseTo(Math.LN2, 12);
    expect(logSlope([null, 7], 3)).toBeNull();
  });

  it('grows the latest figure by the LA’s overall growth blended with its region’s for the type, damped', () => {
    // LA A: 399 plans every year (overall growth 0); its special schools 49, 99, 199. LA B, same region:
    // 50, 100, 200. The region's special schools: 99, 199, 399 → growth ln 2. Blend 0.75 × 0 + 0.25 × ln 2.
    const flat = [399, 399, 399, 399, 399, 399, 399];
    const a = la('A', 'R', flat, { specialState: [null, null, null, null, 49, 99, 199] });
    const b = la('B', 'R', flat, { specialState: [null, null, null, null, 50, 100, 200] });
    const params = { window: 3, shrink: null, towardsTotal: 0.75, damping: 1 };
    const noRange: RangeCalibration = {
      horizons: 1,
      fittedTo: 'x',
      byType: Object.fromEntries(
        PLACEMENT_TYPES.map((t) => [t, [[[0, 0]], [[0, 0]], [[0, 0]]]]),
      ) as RangeCalibration['byType'],
    };
    const [fa] = forecastAll([a, b], noRange, params, 3);
    // By hand: (199 + 1) × 2^(0.25 h) − 1 = 236.8, 281.8, 335.4.
    expect(fa!.byType[0]).toMatchObject({
      type: 'specialState',
      projection: [
        { year: '2025/26', central: 237 },
        { year: '2026/27', central: 282 },
        { year: '2027/28', central: 335 },
      ],
    });
    // Damped by half each year: growth 0.25 ln 2 × (0.5 + 0.25) after two years → 200 × 2^0.1875 − 1 = 226.8.
    const [damped] = forecastAll([a, b], noRange, { ...params, damping: 0.5 }, 2);
    expect(damped!.byType[0]!.projection.map((p) => p.central)).toEqual([217, 227]);
  });

  it('uses the LA’s own growth in the type, weighted by its size, when asked to', () => {
    // Own growth ln 2 at 199 plans with shrink 199: weight 0.5; the outside growth (LA total, flat) 0.
    const p = shrunkTrendProjector({ window: 3, shrink: 199, towardsTotal: 1, damping: 1 });
    expect(p([49, 99, 199], { regional: null, laTotal: 0 }, 1)![0]).toBeCloseTo(200 * Math.SQRT2 - 1, 9);
  });

  it('gives a range from the calibrated errors, widening beyond the horizons the backtest scored', () => {
    const cal: RangeCalibration = {
      horizons: 2,
      fittedTo: 'x',
      byType: Object.fromEntries(
        PLACEMENT_TYPES.map((t) => [
          t,
          [0, 1, 2].map(() => [
            [Math.log(0.5), Math.log(2)],
            [Math.log(0.5), Math.log(2)],
          ]),
        ]),
      ) as RangeCalibration['byType'],
    };
    // (99 + 1) × 0.5 − 1 and (99 + 1) × 2 − 1; four years ahead the errors double: × 0.25 and × 4.
    const near = (r: { low: number; high: number }) => [Math.round(r.low * 1e6) / 1e6, Math.round(r.high * 1e6) / 1e6];
    expect(near(rangeOf(cal, 'mainstream', 99, 1, 99))).toEqual([49, 199]);
    expect(near(rangeOf(cal, 'mainstream', 99, 4, 99))).toEqual([24, 399]);
  });

  it('groups DfE’s placement columns into the seven types, "other" being what is left', () => {
    const row: Record<string, string> = {
      ehcplans: '1000',
      mainstream_total: '400',
      mainstream_la_maintained_resourced_provision: '10',
      mainstream_academy_resourced_provision: '20',
      mainstream_free_school_resourced_provision: '0',
      mainstream_la_maintained_senunit: '5',
      mainstream_academy_senunit: '5',
      mainstream_free_school_senunit: '0',
      special_la_maintained: '200',
      special_academy_free: '100',
      special_independent: '50',
      special_non_maintained: '10',
      fe_total: '150',
      ap_pru_total: '20',
    };
    expect(placementsOfRow((k) => row[k])).toEqual({
      mainstream: 360,
      resourcedProvision: 40,
      specialState: 300,
      specialIndependent: 60,
      post16: 150,
      alternativeProvision: 20,
      other: 70,
    });
    expect(placementsOfRow((k) => ({ ...row, special_independent: 'x' })[k]).specialIndependent).toBeNull();
  });
});

describe('the backtest', () => {
  it('scores each method against what happened: on a steady doubling the trend is exact and the baselines are out by the figures worked out by hand', () => {
    // plans + 1 = 100 × 2^t: 99, 199, … 6399. Fitted to 1599 (2022/23); held out: 3199 and 6399.
    const doubling = [99, 199, 399, 799, 1599, 3199, 6399];
    const hs = ['A', 'B', 'C'].map((c) => la(c, 'R', doubling, { specialState: doubling }));
    // All weight on the LA's overall growth (the region's sum of three is not an exact doubling).
    const r = backtest(hs, 4, 2, backtestMethods({ window: 3, shrink: null, towardsTotal: 1, damping: 1 }), 3);
    const [ours, last, line] = r.scores;
    expect(r.heldOutYears).toEqual(['2023/24', '2024/25']);
    expect(ours!.mape).toBeCloseTo(0, 9);
    // Last value: 1599 for both years → (1600/3199 + 4800/6399) / 2.
    expect(last!.mape).toBeCloseTo((100 * (1600 / 3199 + 4800 / 6399)) / 2, 9);
    // Straight line through 99…1599: slope 360 about (2, 619) → 1699 and 2059.
    expect(line!.mape).toBeCloseTo((100 * (1500 / 3199 + 4340 / 6399)) / 2, 9);
    expect(r.cells).toBe(3 * 2); // 3 LAs × 2 held-out years of their one placement type
  });

  it('the naive baselines project as named', () => {
    expect(lastValueProjector([10, 20, 30], { regional: null, laTotal: null }, 2)).toEqual([30, 30]);
    expect(straightLineProjector([10, 20, 30], { regional: null, laTotal: null }, 2)).toEqual([40, 50]);
  });
});

describe('against capacity', () => {
  it('adds members’ projections up and works out the gap each year', () => {
    const sum = sumProjections([
      [{ year: '2025/26', low: 90, central: 100, high: 120 }],
      [{ year: '2025/26', low: 9, central: 10, high: 12 }],
    ]);
    expect(sum).toEqual([{ year: '2025/26', low: 99, central: 110, high: 132 }]);
    // Latest 100 plans; 30 places free, 5 open cases: 25 free for new plans. 10 more plans (low −1, high 32).
    expect(gapByYear(sum, 100, 30, 5)).toEqual([
      { year: '2025/26', additional: { low: -1, central: 10, high: 32 }, gap: { worst: -7, central: 15, best: 26 } },
    ]);
  });
});
