import { createStore, loadReferenceData, readSeedInfo } from '@placements/store';
import { buildReferenceData, hasDataDir } from '../seed/index.ts';

/**
 * npm run seed:table -- <TableName> [--demo-settings] [--data-dir ../shared/data]
 * Loads the reference data (framework v1, LAs, partnerships, postcode districts) into a deployed
 * table with the default AWS credentials and region (AWS_PROFILE, AWS_REGION). Settings are not
 * loaded unless --demo-settings asks for the generated ones (for dev: never into prod); real
 * settings come from GIAS (npm run import:gias with TABLE_NAME) and from providers' listings.
 * Refuses a table that was seeded already.
 */
const args = process.argv.slice(2);
const tableName = args.find((a) => !a.startsWith('--'));
const dataDirAt = args.indexOf('--data-dir');
const dataDir = dataDirAt >= 0 ? args[dataDirAt + 1] : undefined;
const demo = args.includes('--demo-settings');
if (tableName === undefined) {
  console.error(
    'usage: npm run seed:table -- <TableName from the stack outputs> [--demo-settings] [--data-dir <public data folder>]',
  );
  process.exit(2);
}
if (dataDir !== undefined && !hasDataDir(dataDir)) {
  console.error(`${dataDir} is not the public data folder (see README "Data").`);
  process.exit(2);
}

const store = createStore({
  tableName,
  ...(process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : {}),
});
const already = await readSeedInfo(store.db, tableName);
if (already !== undefined) {
  console.error(`${tableName} was seeded on ${already.loadedAt} (${JSON.stringify(already.counts)}); nothing loaded.`);
  process.exit(1);
}
const data = buildReferenceData({ ...(dataDir ? { dataDir } : {}) });
const info = await loadReferenceData(
  store.db,
  tableName,
  { ...data, settings: demo ? data.settings : [] },
  { source: data.source, ...(dataDir ? { dataDir } : {}), seed: 19 },
);
console.log(
  `Loaded into ${tableName}: ${Object.entries(info.counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')}.`,
);
