/**
 * Searches of every age (no age, or a phase) on the public data: one ordered range per age
 * bucket, a listing covering several buckets in each. Prints, for each search's first page of 50,
 * the rounds of reads (each waits for the one before), queries, entries read and the median time
 * of five runs, beside the same need searched for one age (one range) in the same run.
 * `npm run bench:search-any-age` (needs ../shared/data; loads it into an in-memory DynamoDB Local).
 */
import os from 'node:os';
import { createStore, ensureTable, loadReferenceData } from '@placements/store';
import { buildReferenceData, startDynamoDbLocal } from '@placements/local';
import { devTokenAuthenticator, searchPlaces, type SearchRequest, type SearchStats } from '@placements/api';
import { dataDir } from '../support/data-dir.ts';

if (dataDir === undefined) throw new Error('This benchmark needs the public data folder (../shared/data or DATA_DIR).');
const ddb = await startDynamoDbLocal({ javaHeap: '1g' });
try {
  const store = createStore({ tableName: 'any-age', endpoint: ddb.endpoint, requestTimeoutMs: 60_000 });
  await ensureTable(store.db, 'any-age', undefined, { stream: false });
  const data = buildReferenceData({ dataDir });
  const t0 = performance.now();
  await loadReferenceData(store.db, 'any-age', data, { source: data.source, seed: 19 });
  const listings = data.settings.reduce((n, s) => n + s.listings.length, 0);
  console.log(
    `loaded ${listings.toLocaleString('en-GB')} listings in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  const deps = { store, auth: devTokenAuthenticator('bench-secret-key-for-dev-tokens-00000'), now: () => new Date() };
  const national = { sub: 'dfe', role: 'national', org: 'dfe' } as const;
  const kent = { sub: 'k', role: 'la', org: 'E10000016' } as const;
  type Who = typeof national | typeof kent;
  const searches: [string, Who, SearchRequest][] = [
    [
      'national MSI, any age',
      national,
      { criteria: { needs: ['MSI'] }, scope: 'national', sort: 'available', limit: 50 },
    ],
    [
      'national MSI, age 10 (one range)',
      national,
      { criteria: { needs: ['MSI'], age: 10 }, scope: 'national', sort: 'available', limit: 50 },
    ],
    [
      'national HI, any age',
      national,
      { criteria: { needs: ['HI'] }, scope: 'national', sort: 'available', limit: 50 },
    ],
    [
      'national ASD, any age',
      national,
      { criteria: { needs: ['ASD'] }, scope: 'national', sort: 'available', limit: 50 },
    ],
    [
      'national VI, any age, cheapest',
      national,
      { criteria: { needs: ['VI'] }, scope: 'national', sort: 'price', limit: 50 },
    ],
    [
      'national PMLD, post-16',
      national,
      { criteria: { needs: ['PMLD'], phase: 'post16' }, scope: 'national', sort: 'available', limit: 50 },
    ],
    [
      'national SLD, secondary',
      national,
      { criteria: { needs: ['SLD'], phase: 'secondary' }, scope: 'national', sort: 'available', limit: 50 },
    ],
    ['Kent ASD, any age', kent, { criteria: { needs: ['ASD'] }, scope: 'la', sort: 'available', limit: 50 }],
    [
      'Kent partnership ASD, any age',
      kent,
      { criteria: { needs: ['ASD'] }, scope: 'partnership', sort: 'available', limit: 50 },
    ],
  ];
  const rows: string[] = [];
  for (const [label, who, req] of searches) {
    const ms: number[] = [];
    let stats: SearchStats = { itemsRead: 0, queries: 0, matched: 0 };
    let shown = 0;
    for (let i = 0; i < 5; i++) {
      stats = { itemsRead: 0, queries: 0, matched: 0 };
      const started = performance.now();
      shown = (await searchPlaces(deps, who, req, stats)).items.length;
      ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    rows.push(
      `| ${label} | ${shown} | ${stats.rounds} | ${stats.queries} | ${stats.itemsRead} | ${(stats.itemsRead / Math.max(1, shown)).toFixed(2)} | ${ms[2]!.toFixed(0)} ms |`,
    );
  }
  console.log(
    `\nSearches of every age, first page of 50 (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})\n`,
  );
  console.log('| search | shown | rounds | queries | entries read | per result shown | median of 5 |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
} finally {
  await ddb.stop();
}
