/**
 * Capacity publishing benchmark, on DynamoDB Local through the real HTTP server:
 *  1. a 2,000-row bulk upload across 200 settings (10 listings each), sheet by sheet as the upload
 *     tool sends it, beside the same 2,000 listings sent one PUT at a time (the baseline);
 *  2. listing-update throughput with 20 concurrent clients on one setting (each on its own listing,
 *     and all on one listing, retrying on 412), beside one client alone (the baseline).
 * Bounded and self-stopping.   npm run bench:capacity
 */
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { bandsForType, FRAMEWORK_V1, type SettingWithListings } from '@placements/domain';
import { createApp, devTokenAuthenticator } from '@placements/api';
import { createStore, ensureTable, loadReferenceData } from '@placements/store';
import { buildReferenceData, startDynamoDbLocal } from '@placements/local';

const ROWS_PER_SETTING = 10;
const SETTINGS = 200;
const UPDATES_PER_CLIENT = 25;
const CLIENTS = 20;

const ddb = await startDynamoDbLocal();
const store = createStore({ tableName: 'bench-capacity', endpoint: ddb.endpoint });
await ensureTable(store.db, store.tableName);
const data = buildReferenceData({});
await loadReferenceData(store.db, store.tableName, data, { source: 'generated', seed: 19 });
const auth = devTokenAuthenticator('bench-key-0123456789abcdef0123456789');
const app = createApp({ store, auth });
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const tokens = new Map<string, string>();
const tokenFor = async (providerId: string) => {
  if (!tokens.has(providerId))
    tokens.set(providerId, (await auth.mint({ sub: `bench-${providerId}`, role: 'provider', org: providerId })).token);
  return tokens.get(providerId)!;
};

/** Ten valid listings for a setting, differing by prefix so each run creates new ones. */
function rows(s: SettingWithListings, prefix: string) {
  const band = bandsForType(FRAMEWORK_V1, s.type)[0]!;
  return Array.from({ length: ROWS_PER_SETTING }, (_, i) => ({
    listingId: `${prefix}-${i}`,
    band: band.code,
    needs: [s.needs[i % s.needs.length]!],
    ageMin: s.ageMin,
    ageMax: s.ageMax,
    attendance: 'day' as const,
    commissioned: 10 + i,
    filled: i,
    availableFrom: '2026-12-01',
  }));
}
const toCsv = (rs: ReturnType<typeof rows>) =>
  [
    'listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom',
    ...rs.map((r) =>
      [
        r.listingId,
        r.band,
        r.needs.join(';'),
        r.ageMin,
        r.ageMax,
        r.attendance,
        r.commissioned,
        r.filled,
        r.availableFrom,
      ].join(','),
    ),
  ].join('\n');

const settings = data.settings.filter((s) => s.needs.length > 0).slice(0, SETTINGS);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

// 1a. Bulk: one request per setting, as the upload tool does.
let t0 = performance.now();
for (const s of settings) {
  const res = await fetch(`${base}/settings/${s.urn}/listings:bulk`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${await tokenFor(s.providerId)}` },
    body: toCsv(rows(s, 'bulk')),
  });
  if (res.status !== 200) throw new Error(`bulk ${s.urn}: ${res.status} ${await res.text()}`);
}
const bulkMs = performance.now() - t0;

// 1b. Baseline: the same number of listings, one PUT each.
t0 = performance.now();
for (const s of settings) {
  for (const r of rows(s, 'single')) {
    const { listingId, ...body } = r;
    const res = await fetch(`${base}/settings/${s.urn}/listings/${listingId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(s.providerId)}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`put ${s.urn}/${listingId}: ${res.status} ${await res.text()}`);
  }
}
const singleMs = performance.now() - t0;

// 2. Concurrent updates on one setting: read, PUT with If-Match, re-read on 412.
const target = settings.find((s) => s.type === 'special_maintained') ?? settings[0]!;
const targetToken = await tokenFor(target.providerId);
async function client(
  listingId: string,
  updates: number,
  latencies: number[],
): Promise<{ ok: number; conflicts: number }> {
  let ok = 0;
  let conflicts = 0;
  let version: number | undefined = (
    (await (await fetch(`${base}/settings/${target.urn}`)).json()) as SettingWithListings
  ).listings.find((l) => l.listingId === listingId)?.version;
  for (let attempt = 0; ok < updates && attempt < updates * 50; attempt++) {
    const body = { ...rows(target, 'x')[0]!, listingId: undefined, filled: (ok + attempt) % 10 };
    const start = performance.now();
    const res = await fetch(`${base}/settings/${target.urn}/listings/${listingId}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${targetToken}`,
        'if-match': String(version),
      },
      body: JSON.stringify(body),
    });
    latencies.push(performance.now() - start);
    const json = (await res.json()) as any;
    if (res.status === 200) {
      ok++;
      version = json.version;
    } else if (res.status === 412) {
      conflicts++;
      version = json.error.details[0].current.version;
    } else throw new Error(`update: ${res.status} ${JSON.stringify(json)}`);
  }
  return { ok, conflicts };
}
async function run(clients: number, sameListing: boolean) {
  const latencies: number[] = [];
  const start = performance.now();
  const results = await Promise.all(
    Array.from({ length: clients }, (_, i) =>
      client(sameListing ? 'single-0' : `single-${i % ROWS_PER_SETTING}`, UPDATES_PER_CLIENT, latencies),
    ),
  );
  const ms = performance.now() - start;
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const conflicts = results.reduce((n, r) => n + r.conflicts, 0);
  return { clients, ok, conflicts, perSecond: ok / (ms / 1000), p50: pct(latencies, 50), p95: pct(latencies, 95) };
}
// Twenty clients need twenty listings on the setting; it has ten, so pairs share one.
const one = await run(1, false);
const spread = await run(CLIENTS, false);
const same = await run(CLIENTS, true);

server.close();
store.db.destroy();
await ddb.stop();

const rowsTotal = settings.length * ROWS_PER_SETTING;
const fmt = (n: number, d = 0) => n.toFixed(d);
console.log(`
### Capacity publishing (${new Date().toISOString().slice(0, 10)}, DynamoDB Local, HTTP on loopback, ${process.platform} ${process.arch}, 2 cores)

**Bulk upload: ${rowsTotal.toLocaleString('en-GB')} rows across ${settings.length} settings** (${ROWS_PER_SETTING} listings each, one request per setting as \`upload:listings\` sends them)

| how | time | listings per second |
|---|---|---|
| bulk upload, one request per setting | ${fmt(bulkMs / 1000, 1)} s | ${fmt(rowsTotal / (bulkMs / 1000))} |
| baseline: one PUT per listing | ${fmt(singleMs / 1000, 1)} s | ${fmt(rowsTotal / (singleMs / 1000))} |
| ratio | **${fmt(singleMs / bulkMs, 1)}× faster in bulk** | |

**Listing updates on one setting** (read, PUT with If-Match, on 412 take the current version and try again; ${UPDATES_PER_CLIENT} successful updates per client)

| clients | listings | updates | 412s retried | updates per second | p50 | p95 |
|---|---|---|---|---|---|---|
| 1 (baseline) | 1 | ${one.ok} | ${one.conflicts} | ${fmt(one.perSecond)} | ${fmt(one.p50, 1)} ms | ${fmt(one.p95, 1)} ms |
| ${CLIENTS} | ${ROWS_PER_SETTING} (2 clients each) | ${spread.ok} | ${spread.conflicts} | ${fmt(spread.perSecond)} (${fmt(spread.perSecond / one.perSecond, 1)}× baseline) | ${fmt(spread.p50, 1)} ms | ${fmt(spread.p95, 1)} ms |
| ${CLIENTS} | 1 (all on the same listing) | ${same.ok} | ${same.conflicts} | ${fmt(same.perSecond)} (${fmt(same.perSecond / one.perSecond, 1)}× baseline) | ${fmt(same.p50, 1)} ms | ${fmt(same.p95, 1)} ms |
`);
