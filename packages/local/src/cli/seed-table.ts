import { createStore, loadReferenceData, readSeedInfo } from '@placements/store';
import { buildReferenceData, hasDataDir } from '../seed/index.ts';
import type { CommandIo } from './upload-args.ts';

/**
 * npm run seed:table -- <TableName> [--demo-settings] [--data-dir ../shared/data]
 * Loads the reference data (framework v1, LAs, partnerships, postcode districts) into a deployed
 * table with the default AWS credentials and region (AWS_PROFILE, AWS_REGION). Settings are not
 * loaded unless --demo-settings asks for the generated ones (for dev: never into prod); real
 * settings come from GIAS (npm run import:gias with TABLE_NAME) and from providers' listings.
 * Refuses a table that was seeded already. Answers the exit code: 0 loaded, 1 refused, 2 usage.
 */
export async function seedTableCommand(io: CommandIo): Promise<number> {
  const args = io.argv;
  const tableName = args.find((a) => !a.startsWith('--'));
  const dataDirAt = args.indexOf('--data-dir');
  const dataDir = dataDirAt >= 0 ? args[dataDirAt + 1] : undefined;
  const demo = args.includes('--demo-settings');
  if (tableName === undefined || tableName === dataDir) {
    io.err(
      'usage: npm run seed:table -- <TableName from the stack outputs> [--demo-settings] [--data-dir <public data folder>]\n',
    );
    return 2;
  }
  if (dataDir !== undefined && !hasDataDir(dataDir)) {
    io.err(`${dataDir} is not the public data folder (see README "Data").\n`);
    return 2;
  }
  const store = createStore({ tableName, ...(io.env.DYNAMODB_ENDPOINT ? { endpoint: io.env.DYNAMODB_ENDPOINT } : {}) });
  try {
    const already = await readSeedInfo(store.db, tableName);
    if (already !== undefined) {
      io.err(`${tableName} was seeded on ${already.loadedAt} (${JSON.stringify(already.counts)}); nothing loaded.\n`);
      return 1;
    }
    const data = buildReferenceData({ ...(dataDir ? { dataDir } : {}) });
    const info = await loadReferenceData(
      store.db,
      tableName,
      { ...data, settings: demo ? data.settings : [] },
      { source: data.source, ...(dataDir ? { dataDir } : {}), seed: 19 },
    );
    io.out(
      `Loaded into ${tableName}: ${Object.entries(info.counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}.`,
    );
    return 0;
  } finally {
    store.db.destroy();
  }
}
