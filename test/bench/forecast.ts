/**
 * Forecast benchmark and backtest (npm run bench:forecast). Reads DfE's EHC plan files, then:
 *   1. chooses the method's parameters on the fitted years only: every candidate of a small grid
 *      is fitted to 2019/20, 2020/21 and 2021/22 in turn and scored on the following years up to
 *      2022/23 (never later), pooled; the lowest MAPE wins;
 *   2. the backtest: fitted on 2018/19–2022/23, predicting 2023/24 and 2024/25 for every LA and
 *      placement type, the chosen method against the two naive baselines in the same run;
 *   3. times the forecast of every current LA (median of 7 runs) beside the naive last-value
 *      projection of the same cells, and the files' parsing.
 * Prints markdown tables (docs/forecast.md holds a copy).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  BACKTEST_FIT_TO,
  BACKTEST_HORIZONS,
  backtest,
  buildForecasts,
  calibrateRanges,
  currentHistories,
  DEFAULT_FORECAST_PARAMS,
  type ForecastParams,
  forecastAll,
  lastValueProjector,
  PLACEMENT_TYPE_NAMES,
  PLACEMENT_TYPES,
  parseEhcpHistories,
  projectAll,
  shrunkTrendProjector,
} from '@placements/domain';

const dir = resolve(import.meta.dirname, '../../../shared/data/ehcp');
const caseload = readFileSync(resolve(dir, 'caseload.csv'), 'utf8');
const needs = readFileSync(resolve(dir, 'sen_needs_all_plans.csv'), 'utf8');
let t = performance.now();
const histories = parseEhcpHistories(caseload, needs);
const parseMs = performance.now() - t;
const current = currentHistories(histories);
const f1 = (n: number) => n.toFixed(1);

// 1. Choosing the parameters on the fitted years only.
const INNER: [number, number][] = [
  [1, 2],
  [2, 2],
  [3, 1],
];
const innerScore = (p: ForecastParams) => {
  let sum = 0;
  let n = 0;
  for (const [fitTo, horizons] of INNER) {
    const s = backtest(
      histories,
      fitTo,
      horizons,
      [{ name: 'candidate', projector: shrunkTrendProjector(p) }],
      p.window,
    ).scores[0]!;
    sum += s.mape * s.cells;
    n += s.cells;
  }
  return sum / n;
};
const grid: { p: ForecastParams; mape: number }[] = [];
for (const window of [2, 3, 4])
  for (const shrink of [30, 100, 300, 1000, null])
    for (const towardsTotal of [0, 0.5, 0.75, 1])
      for (const damping of [0.35, 0.55, 0.75, 0.9, 1]) {
        const p = { window, shrink, towardsTotal, damping };
        grid.push({ p, mape: innerScore(p) });
      }
grid.sort((a, b) => a.mape - b.mape);
const describe = (p: ForecastParams) =>
  `window ${p.window}, shrink ${p.shrink ?? 'own type not used'}, towards LA total ${p.towardsTotal ?? 0}, damping ${p.damping}`;
console.log(
  `\n## Choosing the method on the fitted years (${grid.length} candidates, fitted to 2019/20, 2020/21, 2021/22; scored up to 2022/23)\n`,
);
console.log('| rank | parameters | MAPE, fitted years % |\n|---|---|---|');
for (const [i, g] of grid.slice(0, 5).entries()) console.log(`| ${i + 1} | ${describe(g.p)} | ${f1(g.mape)} |`);
const chosen = DEFAULT_FORECAST_PARAMS;
const rank = grid.findIndex(
  (g) =>
    JSON.stringify({ ...g.p }) ===
    JSON.stringify({
      window: chosen.window,
      shrink: chosen.shrink,
      towardsTotal: chosen.towardsTotal,
      damping: chosen.damping,
    }),
);
console.log(
  `\nServed parameters (DEFAULT_FORECAST_PARAMS): ${describe(chosen)}; rank ${rank + 1} of ${grid.length} on the fitted years.`,
);

// 2. The backtest on the held-out years.
t = performance.now();
const { method } = buildForecasts(histories, current, chosen);
const buildMs = performance.now() - t;
const r = method.backtest;
console.log(
  `\n## Backtest: fitted ${r.fittedYears.join('–')}, predicting ${r.heldOutYears.join(' and ')} (${r.las} LAs, ${r.cells} LA × placement type × year cells)\n`,
);
console.log(
  `| method | MAPE % (${r.heldOutYears.join(' / ')}) | MAPE % | range coverage % (10th–90th percentile) |\n|---|---|---|---|`,
);
for (const s of r.scores)
  console.log(`| ${s.method} | ${s.mapeByHorizon.map(f1).join(' / ')} | **${f1(s.mape)}** | ${f1(s.coverage)} |`);
const [ours, ...baselines] = r.scores;
const beats = baselines.every((b) => ours!.mape < b.mape);
console.log(
  `\nThe method ${beats ? 'beats' : 'does NOT beat'} both naive baselines on MAPE over the held-out years (${r.scores[0]!.cells} cells with at least 10 plans).`,
);
console.log(
  `\n### MAPE % by placement type\n\n| placement type | ${r.scores.map((s) => s.method).join(' | ')} |\n|---|${r.scores.map(() => '---').join('|')}|`,
);
for (const ty of PLACEMENT_TYPES)
  console.log(`| ${PLACEMENT_TYPE_NAMES[ty]} | ${r.scores.map((s) => f1(s.mapeByType[ty])).join(' | ')} |`);
console.log(
  `\n### England's total (every LA's projection summed): error %\n\n| placement type | ${r.scores.map((s) => s.method).join(' | ')} |\n|---|${r.scores.map(() => '---').join('|')}|`,
);
for (const ty of PLACEMENT_TYPES)
  console.log(`| ${PLACEMENT_TYPE_NAMES[ty]} | ${r.scores.map((s) => f1(s.englandError[ty])).join(' | ')} |`);

// 3. Speed: every current LA forecast, against the naive projection of the same cells.
const upTo = histories[0]!.years.length - 1;
const calibration = calibrateRanges(
  histories,
  projectAll(histories, BACKTEST_FIT_TO, BACKTEST_HORIZONS, shrunkTrendProjector(chosen), chosen.window),
  BACKTEST_FIT_TO,
  BACKTEST_HORIZONS,
);
const median = (f: () => void) => {
  const xs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    f();
    xs.push(performance.now() - s);
  }
  return xs.sort((a, b) => a - b)[3]!;
};
let count = 0;
const forecastMs = median(() => {
  count = forecastAll(current, calibration, chosen).length;
});
const naiveMs = median(() => void projectAll(current, upTo, 5, lastValueProjector));
console.log(`\n## Speed (this machine, median of 7 runs)\n\n| step | ms |\n|---|---|`);
console.log(
  `| forecast of all ${count} current LAs, 7 placement types, 5 years, ranges, need and age splits | ${f1(forecastMs)} |`,
);
console.log(
  `| naive last-value projection of the same cells (baseline) | ${f1(naiveMs)} (forecast ${f1(forecastMs / naiveMs)}× it) |`,
);
console.log(`| backtest of three methods and the forecast (buildForecasts, once) | ${f1(buildMs)} |`);
console.log(
  `| parsing DfE's two files (${(caseload.length / 1e6).toFixed(1)} MB and ${(needs.length / 1e6).toFixed(1)} MB) | ${f1(parseMs)} |`,
);
console.log(`\n${method.summary}`);
if (!beats) process.exitCode = 1;
