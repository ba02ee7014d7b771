/**
 * Search at national scale on DynamoDB Local: about 25,000 settings and 60,000 listings across all
 * 153 LAs (generated over the public LA and postcode files), a mix of typical searches, and the
 * naive scan-and-filter baseline measured in the same run on the same table.
 * Prints p50/p95 latency and read amplification (items read per result).
 *   npm run bench:search [-- searches]
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  mismatches,
  placeCandidate,
  seededRandom,
  type NeedCode,
  type PlaceCandidate,
  type SearchCriteria,
  type Setting,
} from '@placements/domain';
import { devTokenAuthenticator, searchPlaces, type SearchRequest, type SearchStats } from '@placements/api';
import { batchPut, createStore, ensureTable, loadReferenceData, settingItems } from '@placements/store';
import { buildReferenceData, generateSettings, loadRealData, startDynamoDbLocal, type LaPlan } from '@placements/local';
import { FRAMEWORK_V1 } from '@placements/domain';
import { dataDir } from '../support/data-dir.ts';

if (dataDir === undefined)
  throw new Error('The search benchmark needs the public data folder (../shared/data or DATA_DIR) for all 153 LAs.');
const SEARCHES = Number(process.argv[2] ?? 300);
const BASELINE_SEARCHES = Number(process.env.BENCH_BASELINE ?? 50);
const TARGET_SETTINGS = Number(process.env.BENCH_SETTINGS ?? 25_000);

// 1. The national-scale dataset.
const t0 = performance.now();
const real = loadRealData(dataDir);
const reference = buildReferenceData({ dataDir });
const totalPop = [...real.populationK.values()].reduce((a, b) => a + b, 0);
const plans: LaPlan[] = real.las.map((la) => ({
  la,
  districts: real.districtsByLa.get(la.gssCode)!,
  settings: Math.max(20, Math.round((TARGET_SETTINGS * (real.populationK.get(la.gssCode) ?? 0)) / totalPop)),
}));
const settings = generateSettings({ plans, framework: FRAMEWORK_V1, seed: 2026, listingsPerSetting: [1, 4] });
const listingCount = settings.reduce((n, s) => n + s.listings.length, 0);
const ddb = await startDynamoDbLocal({ javaHeap: '2g' });
const store = createStore({ tableName: 'bench-search', endpoint: ddb.endpoint, requestTimeoutMs: 60_000 });
await ensureTable(store.db, store.tableName);
await loadReferenceData(store.db, store.tableName, { ...reference, settings: [] }, { source: 'data_dir', seed: 2026 });
const items = settings.flatMap(settingItems);
await batchPut(store.db, store.tableName, items);
const loadSeconds = (performance.now() - t0) / 1000;
console.error(
  `loaded ${settings.length} settings, ${listingCount} listings, ${items.length} items in ${loadSeconds.toFixed(0)} s`,
);

console.error('searching…');
// 2. A mix of typical searches, as LA commissioners, partnerships and the national team make them.
const rnd = seededRandom(7);
const NEED_WEIGHTS: [NeedCode, number][] = [
  ['ASD', 30],
  ['SLCN', 20],
  ['SEMH', 20],
  ['MLD', 10],
  ['SLD', 6],
  ['PD', 4],
  ['SpLD', 3],
  ['HI', 2],
  ['VI', 1],
  ['PMLD', 2],
  ['MSI', 1],
  ['DS', 1],
];
const pickNeed = () => {
  let r = rnd.next() * NEED_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  for (const [n, w] of NEED_WEIGHTS) if ((r -= w) < 0) return n;
  return 'ASD' as NeedCode;
};
const today = new Date().toISOString().slice(0, 10);
type Sample = { label: string; principal: { sub: string; role: 'la' | 'national'; org: string }; req: SearchRequest };
const samples: Sample[] = [];
for (let i = 0; i < SEARCHES; i++) {
  const la = rnd.pick(real.las);
  const district = rnd.pick(real.districtsByLa.get(la.gssCode)!);
  const age = rnd.int(4, 18);
  const kind = rnd.next();
  const criteria: SearchRequest['criteria'] = { needs: [pickNeed()], age };
  if (rnd.chance(0.6)) criteria.availableBy = today;
  if (rnd.chance(0.15)) criteria.band = rnd.pick(['S1', 'S2', 'S3']);
  let scope: SearchRequest['scope'];
  if (kind < 0.45) scope = 'la';
  else if (kind < 0.85) {
    scope = 'partnership';
    criteria.from = district.district;
    criteria.radiusKm = rnd.pick([20, 30, 50]);
  } else {
    scope = 'national';
    criteria.needs = [rnd.pick(['MSI', 'PMLD', 'HI', 'VI'] as NeedCode[])];
    delete criteria.availableBy;
  }
  samples.push({
    label: `${scope}:${criteria.needs.join('+')}`,
    principal:
      scope === 'national' ? { sub: 'b', role: 'national', org: 'dfe' } : { sub: 'b', role: 'la', org: la.gssCode },
    req: { criteria, scope, sort: criteria.from ? 'distance' : 'available', limit: 50 },
  });
}

const deps = { store, auth: devTokenAuthenticator('x'.repeat(32)) };
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
await searchPlaces(deps, samples[0]!.principal, samples[0]!.req); // warm the reference cache
const latencies: number[] = [];
const byScope = new Map<string, { ms: number[]; read: number; matched: number }>();
let read = 0;
let matched = 0;
const perSearch: { stats: SearchStats; sample: Sample }[] = [];
for (const sample of samples) {
  const stats: SearchStats = { itemsRead: 0, queries: 0, matched: 0 };
  const start = performance.now();
  await searchPlaces(deps, sample.principal, sample.req, stats);
  const ms = performance.now() - start;
  latencies.push(ms);
  read += stats.itemsRead;
  matched += stats.matched;
  perSearch.push({ stats, sample });
  const scope = sample.req.scope!;
  const s = byScope.get(scope) ?? { ms: [], read: 0, matched: 0 };
  s.ms.push(ms);
  s.read += stats.itemsRead;
  s.matched += stats.matched;
  byScope.set(scope, s);
}

// 3. Baseline: the naive design scans the whole table and filters in the application. Its reads do
//    not depend on the search (every item, every time), so the table is scanned once, timed, and
//    the first searches are filtered from that scan; its results must equal the index's, which
//    also checks the index finds everything.
console.error(`searches done; baseline: scanning the table…`);
const scanStart = performance.now();
const settingsByUrn = new Map<string, Setting>();
const scannedListings: Record<string, any>[] = [];
let scanned = 0;
let scanKey: Record<string, unknown> | undefined;
do {
  const res = await store.db.send(
    new ScanCommand({
      TableName: store.tableName,
      ExclusiveStartKey: scanKey,
      FilterExpression: 'itemType IN (:s, :l)',
      ExpressionAttributeValues: { ':s': 'setting', ':l': 'listing' },
    }),
  );
  scanned += res.ScannedCount ?? 0;
  for (const item of res.Items ?? [])
    item.itemType === 'setting' ? settingsByUrn.set(item.urn, item as Setting) : scannedListings.push(item);
  scanKey = res.LastEvaluatedKey;
} while (scanKey !== undefined);
const scanMs = performance.now() - scanStart;
function scanFilter(sample: Sample): Set<string> {
  const origin = sample.req.criteria.from
    ? real.districts.find((d) => d.district === sample.req.criteria.from)
    : undefined;
  const criteria = { ...sample.req.criteria, ...(origin ? { origin } : {}) } as SearchCriteria;
  const scopeLas =
    sample.req.scope === 'national'
      ? null
      : sample.req.scope === 'la'
        ? new Set([sample.principal.org])
        : new Set(reference.partnerships.find((p) => p.members.includes(sample.principal.org))!.members);
  const ids = new Set<string>();
  for (const l of scannedListings) {
    const s = settingsByUrn.get(l.urn)!;
    if (scopeLas !== null && !scopeLas.has(s.laCode)) continue;
    if (mismatches(placeCandidate(s, l as any), criteria).length === 0) ids.add(`${s.urn}#${l.listingId}`);
  }
  return ids;
}
const baseline: { indexRead: number; same: boolean }[] = [];
for (const { sample, stats } of perSearch.slice(0, BASELINE_SEARCHES)) {
  const expected = scanFilter(sample);
  // The index must find as many matches as the scan, and every result it keeps (at most 1,000) must be one of them.
  const page = await searchPlaces(deps, sample.principal, { ...sample.req, limit: 1000 });
  const ids = page.items.map((r) => `${r.setting.urn}#${r.listing.listingId}`);
  baseline.push({
    indexRead: stats.itemsRead,
    same:
      stats.matched === expected.size &&
      ids.length === Math.min(expected.size, 1000) &&
      ids.every((i) => expected.has(i)),
  });
}

store.db.destroy();
await ddb.stop();

const amp = read / Math.max(1, matched);
const baseRead = scanned;
const indexReadSame = baseline.reduce((s, b) => s + b.indexRead, 0) / baseline.length;
const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(`
### Search (${new Date().toISOString().slice(0, 10)}, DynamoDB Local in memory, ${process.platform} ${process.arch}, 2 cores)

Dataset: ${settings.length.toLocaleString('en-GB')} settings and ${listingCount.toLocaleString('en-GB')} listings across ${real.las.length} LAs (${items.length.toLocaleString('en-GB')} table items with the search entries), loaded in ${fmt(loadSeconds, 0)} s.
Searches: ${samples.length}: 45% own LA, 40% partnership with a radius of 20–50 km from a postcode district, 15% national for a low-incidence need (MSI, PMLD, HI, VI); needs weighted as in EHC plans; 60% "available now"; 15% with a band.

| searches | p50 | p95 | items read | results | read amplification |
|---|---|---|---|---|---|
| all | ${fmt(pct(latencies, 50))} ms | ${fmt(pct(latencies, 95))} ms | ${read.toLocaleString('en-GB')} | ${matched.toLocaleString('en-GB')} | **${fmt(amp, 2)}** |
${[...byScope].map(([scope, s]) => `| ${scope} (${s.ms.length}) | ${fmt(pct(s.ms, 50))} ms | ${fmt(pct(s.ms, 95))} ms | ${s.read.toLocaleString('en-GB')} | ${s.matched.toLocaleString('en-GB')} | ${fmt(s.read / Math.max(1, s.matched), 2)} |`).join('\n')}

Baseline, the naive design (Scan the table, filter in the application), on the first ${baseline.length} of the same searches:

| | items read per search | time per search |
|---|---|---|
| scan and filter | ${Math.round(baseRead).toLocaleString('en-GB')} (every item) | ${fmt(scanMs / 1000, 1)} s |
| search index | ${fmt(indexReadSame, 0)} | (above) |
| ratio | **${fmt(baseRead / Math.max(1, indexReadSame), 0)}× fewer items read** | |

Same matches from both (count, and every result kept is one the scan found) on ${baseline.filter((b) => b.same).length} of ${baseline.length} searches.
`);
