import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildForecasts,
  currentHistories,
  parseEhcpHistories,
  parseEhcpStatistics,
  type EhcpStatistics,
  type ForecastMethod,
} from '@placements/domain';
import type { Store } from '@placements/store';
import { cliCommand } from '../runtime-file.ts';
import type { CommandIo } from './upload-args.ts';

export interface EhcpLoad {
  partnershipId: string;
  loaded: EhcpStatistics[];
  /** Member LAs the DfE files have no row for. */
  missing: string[];
  /** LAs given a forecast, and the method's backtest. */
  forecasts: number;
  method: ForecastMethod;
}

/** Whether a folder holds DfE's two EHC plan files. */
export const hasEhcpFiles = (dir: string | undefined): dir is string =>
  dir !== undefined && existsSync(join(dir, 'caseload.csv')) && existsSync(join(dir, 'sen_needs_all_plans.csv'));

/**
 * Loads DfE's EHC plan statistics (caseload.csv and sen_needs_all_plans.csv in `ehcpDir`) into
 * the table: the latest year of each LA as the demand baseline the sufficiency view shows beside
 * the marketplace's own cases, and every year of every LA as the five-year forecast per placement
 * type (fitted and backtested on all of England, since each LA's projection leans on its region).
 * `las` limits both to those LAs; loading again replaces the figures.
 */
export async function loadEhcp(
  store: Store,
  ehcpDir: string,
  las: readonly string[],
): Promise<Omit<EhcpLoad, 'partnershipId'>> {
  const caseload = readFileSync(join(ehcpDir, 'caseload.csv'), 'utf8');
  const needs = readFileSync(join(ehcpDir, 'sen_needs_all_plans.csv'), 'utf8');
  const { statistics, missing } = parseEhcpStatistics(caseload, needs, las);
  const histories = parseEhcpHistories(caseload, needs);
  const wanted = new Set(las);
  const { method, forecasts } = buildForecasts(histories, currentHistories(histories));
  const mine = forecasts.filter((f) => wanted.has(f.laCode));
  await store.aggregates.putEhcpBaselines(statistics);
  await store.aggregates.putEhcpForecasts(mine, method);
  return { loaded: statistics, missing, forecasts: mine.length, method };
}

/** `npm run load:ehcp` for one partnership's members (the forecast's method is England-wide). */
export async function loadEhcpBaseline(store: Store, ehcpDir: string, partnershipId: string): Promise<EhcpLoad> {
  const partnership = await store.reference.getPartnership(partnershipId);
  if (partnership === undefined)
    throw new Error(`No partnership has the id ${partnershipId}; GET /partnerships lists them.`);
  return { partnershipId, ...(await loadEhcp(store, ehcpDir, partnership.members)) };
}

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');

/**
 * npm run load:ehcp -- [partnership id, default se19] [folder with the DfE EHCP files]
 * Loads DfE's EHC plan statistics for the partnership's member LAs into the running local
 * marketplace (found through .data/runtime.json), or into the table named by TABLE_NAME.
 * Answers the exit code: 0 loaded, 1 refused (no such partnership), 2 no files or nothing to load into.
 */
export async function loadEhcpCommand(io: CommandIo, repoRoot = REPO_ROOT): Promise<number> {
  const partnershipId = io.argv[0] ?? 'se19';
  const dir = resolve(io.env.INIT_CWD ?? process.cwd(), io.argv[1] ?? resolve(repoRoot, '../shared/data/ehcp'));
  if (!existsSync(join(dir, 'caseload.csv'))) {
    io.err(`No caseload.csv in ${dir}: pass the folder holding DfE's caseload.csv and sen_needs_all_plans.csv.\n`);
    return 2;
  }
  return cliCommand(io, repoRoot, 'load', async (store) => {
    const r = await loadEhcpBaseline(store, dir, partnershipId);
    io.out(
      `Loaded DfE EHC plan statistics for ${r.loaded.length} LAs of ${partnershipId}${r.missing.length ? `; no DfE row for ${r.missing.join(', ')}` : ''}.`,
    );
    for (const s of r.loaded) io.out(`  ${s.laCode} ${s.laName}: ${s.plans ?? 'x'} plans (${s.year})`);
    io.out(`Forecast for ${r.forecasts} LAs. ${r.method.summary}`);
  });
}
