/**
 * Sufficiency benchmark, on DynamoDB Local: GET /partnerships/se19/sufficiency over the generated
 * SE19 region at about 400 settings and at ten times that (4,000 settings, 10 times the cases),
 * each loaded the way the marketplace loads data (counters seeded at load, cases imported with
 * their demand added to the counters). The view reads counters, one Query per member LA, so its
 * time should stay in the same order however many settings there are; the ratio is printed.
 * Both tables are loaded first and then asked in turn, so load on the machine falls on both alike.
 * Bounded and self-stopping.   npm run bench:sufficiency
 */
import { randomUUID } from 'node:crypto';
import type { Case, SettingWithListings } from '@placements/domain';
import { createApp, devTokenAuthenticator } from '@placements/api';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createStore, ensureTable, keys, loadReferenceData } from '@placements/store';
import { buildReferenceData, SE19_ID, startDynamoDbLocal } from '@placements/local';

const REQUESTS = 40;
const CASES_PER_SETTING = 2.5;
const ddb = await startDynamoDbLocal({ javaHeap: '2g' });
const auth = devTokenAuthenticator('bench-key-0123456789abcdef0123456789');
const reference = buildReferenceData({});
const token = (await auth.mint({ sub: 'bench', role: 'partnership', org: SE19_ID })).token;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const NEEDS = ['ASD', 'SLD', 'SEMH', 'MLD', 'SLCN', 'PMLD'] as const;
const BANDS = ['S1', 'S2', 'S3', 'S4'];

/** The generated region repeated under new URNs until it has `count` settings, each in its own LA. */
function region(count: number): SettingWithListings[] {
  const base = reference.settings;
  return Array.from({ length: count }, (_, i) => {
    const s = base[i % base.length]!;
    if (i < base.length) return s;
    const urn = String(700000 + i);
    return { ...s, urn, listings: s.listings.map((l) => ({ ...l, urn })) };
  });
}

function cases(n: number): Case[] {
  const las = reference.las.map((l) => l.laCode);
  return Array.from({ length: n }, (_, i) => {
    const opened = new Date(Date.now() - (i % 120) * 86_400_000).toISOString();
    return {
      id: randomUUID(),
      reference: `SUFF-${i}`,
      ref: `SUFF-${i}`,
      laCode: las[i % las.length]!,
      needs: [NEEDS[i % NEEDS.length]!],
      band: BANDS[i % BANDS.length]!,
      age: 5 + (i % 14),
      homeDistrict: 'ME14',
      postSixteen: false,
      state: 'open',
      openedAt: opened,
      withoutPlaceSince: opened,
      version: 1,
    } satisfies Case;
  });
}

async function load(settings: SettingWithListings[]) {
  const name = `bench-suff-${settings.length}`;
  const store = createStore({ tableName: name, endpoint: ddb.endpoint });
  await ensureTable(store.db, name);
  const t0 = performance.now();
  await loadReferenceData(store.db, name, { ...reference, settings }, { source: 'generated', seed: 19 });
  const n = Math.round(settings.length * CASES_PER_SETTING);
  const all = cases(n);
  for (let i = 0; i < n; i += 1000)
    await store.cases.importCases(all.slice(i, i + 1000), { sub: 'bench', role: 'la', org: 'bench' });
  const loadS = Math.round((performance.now() - t0) / 100) / 10;
  const app = createApp({ store, auth });
  const get = async () => {
    const res = await app.request(`/partnerships/${SE19_ID}/sufficiency`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  for (let i = 0; i < 5; i++) await get(); // warm: the reference cache, the JIT
  // Items the view's Queries read (every shard of every counter of the members), not the merged figures.
  const counted = await Promise.all(
    reference.las.map((l) =>
      store.db.send(
        new QueryCommand({
          TableName: name,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.counterPartition(l.laCode) },
          Select: 'COUNT',
        }),
      ),
    ),
  );
  const counterItems = counted.reduce((k, r) => k + (r.Count ?? 0), 0);
  return {
    store,
    get,
    settings: settings.length,
    listings: settings.reduce((k, s) => k + s.listings.length, 0),
    cases: n,
    counterItems,
    loadS,
    times: [] as number[],
    body: undefined as any,
  };
}

try {
  const small = await load(region(reference.settings.length));
  const large = await load(region(4_000));
  for (let i = 0; i < REQUESTS; i++) {
    for (const t of i % 2 === 0 ? [small, large] : [large, small]) {
      const t0 = performance.now();
      t.body = await t.get();
      t.times.push(performance.now() - t0);
    }
  }
  console.log(
    `\n| settings | listings | open cases | counter items read | load | median | p95 |\n|---|---|---|---|---|---|---|`,
  );
  for (const r of [small, large]) {
    if (r.body.totals.demand.openCases !== r.cases)
      throw new Error(`the view counted ${r.body.totals.demand.openCases} open cases, not ${r.cases}`);
    console.log(
      `| ${r.settings.toLocaleString('en-GB')} | ${r.listings.toLocaleString('en-GB')} | ${r.cases.toLocaleString('en-GB')} | ${r.counterItems} | ${r.loadS} s | ${pct(r.times, 50).toFixed(1)} ms | ${pct(r.times, 95).toFixed(1)} ms |`,
    );
  }
  console.log(
    `\nmedian at ${large.settings.toLocaleString('en-GB')} / median at ${small.settings}: ${(pct(large.times, 50) / pct(small.times, 50)).toFixed(2)}×`,
  );
  small.store.db.destroy();
  large.store.db.destroy();
} finally {
  await ddb.stop();
}
