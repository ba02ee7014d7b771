import { inParallel } from '@placements/api';
import { createStore, regionsOf, storeReachable } from '@placements/store';
import type { CommandIo } from './upload-args.ts';

/**
 * npm run search:reproject -- <TableName>
 * Rewrites every listing's search entries in the current key layout and deletes those an earlier
 * one left (after a change to the entries' keys: DATA_LAYOUT 6 split the age buckets), with the
 * default AWS credentials and region. A local database in an older layout is reloaded on start
 * instead. Safe to run while the service runs, and again: each write is conditioned on the
 * listing's version, as the stream's projection is. Answers the exit code: 0 done, 1 no table to
 * reach by that name, 2 usage.
 */
export async function searchReprojectCommand(io: CommandIo): Promise<number> {
  const tableName = io.argv.find((a) => !a.startsWith('--'));
  if (tableName === undefined) {
    io.err('usage: npm run search:reproject -- <TableName from the stack outputs>\n');
    return 2;
  }
  const store = createStore({ tableName, ...(io.env.DYNAMODB_ENDPOINT ? { endpoint: io.env.DYNAMODB_ENDPOINT } : {}) });
  const t0 = performance.now();
  let settings = 0;
  let listings = 0;
  let deleted = 0;
  try {
    if (!(await storeReachable(store.db, tableName))) {
      io.err(
        `No active table named ${tableName} can be reached: use the TableName from the stack outputs, with AWS_REGION and credentials for its account.\n`,
      );
      return 1;
    }
    // Each LA's region, which the map-cell keys begin with.
    const regionOf = regionsOf(await store.reference.allLas());
    let cursor: string | undefined;
    do {
      const page = await store.settings.listSettings({}, 100, cursor);
      settings += page.items.length;
      const pairs = page.items.flatMap((setting) => setting.listings.map((listing) => ({ setting, listing })));
      // A few at once: each is a query and a transaction, and a deployed table has tens of thousands.
      await inParallel(pairs, 8, async ({ setting, listing }) => {
        // Awaited first: `deleted += await …` would add to the count as it was before the await.
        const done = await store.search.reproject(setting, listing, regionOf(setting.laCode));
        deleted += done.deleted;
      });
      listings += pairs.length;
      if (io.tty) io.err(`\r${settings} settings, ${listings} listings`);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    if (io.tty) io.err('\n');
    io.out(
      `Reprojected ${listings} listings of ${settings} settings in ${tableName} in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${deleted} ${deleted === 1 ? 'entry' : 'entries'} of an earlier layout deleted.`,
    );
    return 0;
  } finally {
    store.db.destroy();
  }
}
