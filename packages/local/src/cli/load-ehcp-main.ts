import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createStore } from '@placements/store';
import { cliTable } from '../runtime-file.ts';
import { loadEhcpBaseline } from './load-ehcp.ts';

/**
 * npm run load:ehcp -- [partnership id, default se19] [folder with the DfE EHCP files]
 * Loads DfE's EHC plan statistics for the partnership's member LAs into the running local
 * marketplace (found through .data/runtime.json), or into the table named by TABLE_NAME.
 */
const repoRoot = resolve(import.meta.dirname, '../../../..');
const partnershipId = process.argv[2] ?? 'se19';
const dir = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[3] ?? resolve(repoRoot, '../shared/data/ehcp'));
if (!existsSync(resolve(dir, 'caseload.csv'))) {
  console.error(`No caseload.csv in ${dir}: pass the folder holding DfE's caseload.csv and sen_needs_all_plans.csv.`);
  process.exit(2);
}
const target = cliTable(repoRoot);
if (target === undefined) {
  console.error(
    'No marketplace to load into: start it first (npm start), or set TABLE_NAME (and DYNAMODB_ENDPOINT for a local table).',
  );
  process.exit(2);
}
const store = createStore(target);
try {
  const r = await loadEhcpBaseline(store, dir, partnershipId);
  console.log(
    `Loaded DfE EHC plan statistics for ${r.loaded.length} LAs of ${partnershipId}${r.missing.length ? `; no DfE row for ${r.missing.join(', ')}` : ''}.`,
  );
  for (const s of r.loaded) console.log(`  ${s.laCode} ${s.laName}: ${s.plans ?? 'x'} plans (${s.year})`);
  console.log(`Forecast for ${r.forecasts} LAs. ${r.method.summary}`);
} catch (error) {
  console.error(`Load failed: ${(error as Error).message}`);
  process.exit(1);
} finally {
  store.db.destroy();
}
