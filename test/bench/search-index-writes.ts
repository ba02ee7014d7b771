/**
 * What an index on the search entries costs a listing change: the same listings' entries written
 * as the stream's projection writes them (one transaction a listing, searchRepository.writeEntries)
 * into two tables on one DynamoDB Local, one with every index of the table definition and one
 * without the index named (gsi2 by default: the bands'), in alternating chunks so that
 * neither always meets a warmer or busier machine. Prints entries written a second and the ratio.
 *   npm run bench:search-writes [-- index [rounds]]
 */
import { loadavg } from 'node:os';
import { createStore, ensureTable, marketplaceTable, regionsOf, searchEntryItems } from '@placements/store';
import { buildReferenceData, startDynamoDbLocal } from '@placements/local';

const WITHOUT = process.argv[2] ?? 'gsi2';
const ROUNDS = Number(process.argv[3] ?? 6);
const CONCURRENCY = 8;
if (!marketplaceTable.globalSecondaryIndexes.some((i) => i.indexName === WITHOUT))
  throw new Error(`${WITHOUT} is not an index of the table`);

const ddb = await startDynamoDbLocal({ javaHeap: '2g' });
const data = buildReferenceData({});
const regionOf = regionsOf(data.las);
const listings = data.settings.flatMap((s) => s.listings.map((l) => ({ s, l })));
const entries = listings.reduce((n, { s, l }) => n + searchEntryItems(s, l, regionOf(s.laCode)).length, 0);
const tables = {
  every: createStore({ tableName: 'writes-every-index', endpoint: ddb.endpoint }),
  without: createStore({ tableName: `writes-without-${WITHOUT}`, endpoint: ddb.endpoint }),
};
await ensureTable(tables.every.db, tables.every.tableName, marketplaceTable, { stream: false });
await ensureTable(
  tables.without.db,
  tables.without.tableName,
  {
    ...marketplaceTable,
    globalSecondaryIndexes: marketplaceTable.globalSecondaryIndexes.filter((i) => i.indexName !== WITHOUT),
  },
  { stream: false },
);

async function writeAll(store: (typeof tables)[keyof typeof tables]): Promise<number> {
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < listings.length) {
        const { s, l } = listings[next++]!;
        // The same version again is allowed (listingVersion <= v), so every round writes every entry.
        await store.search.writeEntries(s, l, regionOf(s.laCode), []);
      }
    }),
  );
  return performance.now() - start;
}

console.error(`${listings.length} listings, ${entries} search entries; ${ROUNDS} rounds each, alternating…`);
const ms: Record<keyof typeof tables, number[]> = { every: [], without: [] };
await writeAll(tables.every); // warm the JIT and both tables' first writes
await writeAll(tables.without);
const loadAtStart = loadavg();
for (let r = 0; r < ROUNDS; r++)
  for (const which of r % 2 === 0 ? (['every', 'without'] as const) : (['without', 'every'] as const))
    ms[which].push(await writeAll(tables[which]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (t: number) => Math.round(entries / (t / 1000)).toLocaleString('en-GB');
console.log(`
| table | each round (ms) | median | entries written a second (median) |
|---|---|---|---|
| without ${WITHOUT} | ${ms.without.map((x) => x.toFixed(0)).join(', ')} | ${median(ms.without).toFixed(0)} ms | ${rate(median(ms.without))} |
| every index | ${ms.every.map((x) => x.toFixed(0)).join(', ')} | ${median(ms.every).toFixed(0)} ms | ${rate(median(ms.every))} |

${listings.length} listings (${entries} entries) a round, ${CONCURRENCY} listings at a time, one transaction each. ${WITHOUT} costs **${((median(ms.every) / median(ms.without) - 1) * 100).toFixed(1)}%** more time a listing change's entries (median against median). Load (1, 5, 15 min) at the start: ${loadAtStart.map((x) => x.toFixed(1)).join(', ')}; at the end: ${loadavg()
  .map((x) => x.toFixed(1))
  .join(', ')}.
`);
await ddb.stop();
