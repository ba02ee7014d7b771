/**
 * Allocation benchmark, on DynamoDB Local through the real HTTP server:
 *  1. throughput of POST /cases/{id}/allocate with 20 concurrent clients from five LAs, beside one
 *     client alone (the baseline), then the invariants: no listing below zero, held places equal
 *     to placements made;
 *  2. a batch round (POST /allocation-rounds) of 10,000 cases over 2,000 listings: time, the share
 *     of cases given their first preference, and the time per case beside single allocation in
 *     the same run; the same inputs through deferred acceptance (computed only) for comparison;
 *  3. the stream lag, a listing's save to its search entries, quiet and under the reliability
 *     suite's load, with its parts timed from the search consumer itself (the wait for the batch,
 *     the projection, the benchmark's own polling read), and under the load how busy Node and
 *     DynamoDB Local were and how late Node's event loop ran (BENCH_LOAD=process: the load's
 *     clients in a process of their own).
 * Bounded and self-stopping.   npm run bench:allocation
 */
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { bucketsForRange, runRound, seededRandom, type Case, type SettingWithListings } from '@placements/domain';
import {
  backgroundRoundJobs,
  createApp,
  devTokenAuthenticator,
  followUpHandlers,
  PROJECTION_ITEM_TYPES,
  projectionHandlers,
  ROUND_ITEM_TYPES,
  STREAM_ITEM_TYPES,
} from '@placements/api';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createStore, enableStream, ensureTable, keys, loadReferenceData, type Store } from '@placements/store';
import { consumersTogether, localStreamConsumer } from '@placements/store/stream/local-stream';
import { dispatch, itemTypeOf, type StreamHandler } from '@placements/store/stream/change';
import { buildReferenceData, SE19_ID, startDynamoDbLocal } from '@placements/local';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { runLoad, type LoadOptions, type LoadResult, type LoadTarget } from '../reliability/load.ts';
import { spawn } from 'node:child_process';
import { roundCases, roundMarket, roundNotifications } from './round-inputs.ts';

const CLIENTS = 20;
// BENCH_LOAD=process: the loaded lag's load from a process of its own (as real clients are), not
// from this one, which is the server's and the consumers'.
const LOAD_IN_PROCESS = process.env.BENCH_LOAD !== 'process';
async function loadElsewhere(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const child = spawn(process.execPath, ['scripts/dev.mjs', 'run', 'test/bench/load-process.ts'], {
    env: { ...process.env, PLACEMENTS_INSTALLED: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.end(JSON.stringify({ target, options }));
  let out = '';
  for await (const chunk of child.stdout) out += chunk;
  const code = child.exitCode ?? (await new Promise<number | null>((r) => child.once('exit', r)));
  if (code !== 0) throw new Error(`the load's process (test/bench/load-process.ts) exited with ${code}; see above`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult;
}
// Smaller with BENCH_SINGLE_CASES / BENCH_CONCURRENT_CASES / BENCH_ROUND_CASES on a machine too busy for the full set.
const SINGLE_CASES = Number(process.env.BENCH_SINGLE_CASES ?? 100);
const CONCURRENT_CASES = Number(process.env.BENCH_CONCURRENT_CASES ?? 1_000);
const ROUND_LIMIT_MS = Number(process.env.BENCH_ROUND_LIMIT_S ?? 1800) * 1000;
const ROUND_CASES = Number(process.env.BENCH_ROUND_CASES ?? 10_000);
const ROUND_LISTINGS = 2_000;
const LISTINGS_PER_SETTING = 5;
const TODAY = new Date().toISOString().slice(0, 10);

const loadAtStart = loadavg();
const ddb = await startDynamoDbLocal({ javaHeap: '2g', readyTimeoutMs: 300_000 });
const auth = devTokenAuthenticator('bench-key-0123456789abcdef0123456789');
const reference = buildReferenceData({});
const las = reference.las.map((l) => l.laCode);
const rnd = seededRandom(2026);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function table(
  name: string,
  settings: SettingWithListings[],
): Promise<{ store: Store; base: string; app: ReturnType<typeof createApp>; close(): void }> {
  // A longer per-request timeout than the server's 10 s: the bulk loads below on a busy shared machine.
  const store = createStore({ tableName: name, endpoint: ddb.endpoint, requestTimeoutMs: 30_000 });
  // Loaded before the stream is on (the loader writes its own search entries).
  await ensureTable(store.db, name, undefined, { stream: false });
  await loadReferenceData(store.db, name, { ...reference, settings }, { source: 'generated', seed: 2026 });
  const app = createApp({ store, auth });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  return {
    store,
    app,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}

const laTokens = new Map(
  await Promise.all(
    las.map(async (la) => [la, (await auth.mint({ sub: `bench-${la}`, role: 'la', org: la })).token] as const),
  ),
);

// 1. Throughput: 100 settings × 5 listings × 4 places = 2,000 places; 1,100 cases want them.
console.log('setting up the throughput market…');
const small = await table(
  'bench-allocate',
  roundMarket(reference, 100, () => 4),
);
const throughputCases = roundCases(
  SINGLE_CASES + CONCURRENT_CASES,
  roundMarket(reference, 100, () => 4),
  las,
  rnd,
  randomUUID,
);
await small.store.cases.importCases(throughputCases, { sub: 'bench', role: 'system', org: 'bench' });
const allocateOne = async (c: Case) => {
  const t0 = performance.now();
  const res = await fetch(`${small.base}/cases/${c.id}/allocate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${laTokens.get(c.laCode)}` },
  });
  await res.text();
  if (res.status !== 201 && res.status !== 409) throw new Error(`allocate ${c.id}: ${res.status}`);
  return { ms: performance.now() - t0, status: res.status };
};
let t0 = performance.now();
const single: { ms: number; status: number }[] = [];
for (const c of throughputCases.slice(0, SINGLE_CASES)) single.push(await allocateOne(c));
const singleMs = performance.now() - t0;

const queue = throughputCases.slice(SINGLE_CASES);
const concurrent: { ms: number; status: number }[] = [];
t0 = performance.now();
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) concurrent.push(await allocateOne(c));
  }),
);
const concurrentMs = performance.now() - t0;

// Invariants, read back from the table.
let belowZero = 0;
let held = 0;
for (const s of (await small.store.settings.listSettings({}, 200)).items.filter((x) => x.urn.startsWith('8'))) {
  for (const l of s.listings) {
    if (l.available < 0) belowZero++;
    held += l.held;
  }
}
const placements = [...single, ...concurrent].filter((r) => r.status === 201).length;
small.close();

// 2. The round: 400 settings × 5 listings = 2,000 listings with 1–7 places; 10,000 cases.
console.log('setting up the round market (10,000 cases, 2,000 listings)…');
const bigSettings = roundMarket(reference, ROUND_LISTINGS / LISTINGS_PER_SETTING, () => rnd.int(1, 7));
const big = await table('bench-round', bigSettings);
const bigCases = roundCases(ROUND_CASES, bigSettings, las, rnd, randomUUID);
await big.store.cases.importCases(bigCases, { sub: 'bench', role: 'system', org: 'bench' });
await enableStream(big.store.db, 'bench-round');
// When each listing version reached the search projection and when its batch was done there: the
// lag's parts (below), without the benchmark's own polling read in them.
const projected = new Map<string, { reached: number; done?: number }>();
const versionKey = (image: Record<string, unknown>) => `${image.urn}#${image.listingId}#${image.version}`;
function observed(handlers: StreamHandler[]): StreamHandler[] {
  return [
    async (changes) => {
      const reached = performance.now();
      const ks = changes.filter((c) => itemTypeOf(c) === 'listing' && c.newImage).map((c) => versionKey(c.newImage!));
      for (const k of ks) if (!projected.has(k)) projected.set(k, { reached });
      await dispatch(handlers, changes);
      const done = performance.now();
      for (const k of ks) projected.get(k)!.done ??= done;
    },
  ];
}
// The stream consumer and the round worker as `npm start` runs them: the worker in the background.
const jobs = backgroundRoundJobs({ store: big.store, auth });
const consumer = consumersTogether(
  localStreamConsumer({
    db: big.store.db,
    tableName: 'bench-round',
    endpoint: ddb.endpoint,
    name: 'search',
    handlers: observed(projectionHandlers({ store: big.store, auth })),
    itemTypes: PROJECTION_ITEM_TYPES,
  }),
  localStreamConsumer({
    db: big.store.db,
    tableName: 'bench-round',
    endpoint: ddb.endpoint,
    handlers: [...followUpHandlers({ store: big.store, auth }), jobs.handler, roundNotifications(big.store)],
    itemTypes: [...STREAM_ITEM_TYPES, ...ROUND_ITEM_TYPES, 'audit'],
  }),
);
consumer.start();
const places = bigSettings.reduce((n, s) => n + s.listings.reduce((m, l) => m + l.available, 0), 0);
const se19 = (await auth.mint({ sub: 'bench-se19', role: 'partnership', org: SE19_ID })).token;
t0 = performance.now();
// In-process through the Hono app (the same routes and services), so no client socket times out on a long round.
const res = await big.app.request('/allocation-rounds', {
  method: 'POST',
  headers: { authorization: `Bearer ${se19}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    cases: bigCases.map((c) => ({ laCode: c.laCode, id: c.id })),
    seed: 'bench-2026',
    mechanism: 'serial_dictatorship',
  }),
});
const queuedMs = performance.now() - t0;
const queued = (await res.json()) as { id: string };
if (res.status !== 202) throw new Error(`round: ${res.status} ${JSON.stringify(queued)}`);
type RoundBody = {
  state: string;
  progress: { casesDecided: number; cases: number };
  summary: { allocated: number; firstPreference: number; unallocated: number };
  reruns: number;
  timings: Record<string, number>;
};
let round!: RoundBody & { progress: { listings: number; listingsCommitted: number }; phase?: string };
let shownAt = 0;
for (;;) {
  await new Promise((r) => setTimeout(r, 500));
  const got = await big.app.request(`/allocation-rounds/${queued.id}`, {
    headers: { authorization: `Bearer ${se19}` },
  });
  // A 503 (the store overwhelmed on a busy machine) is polled again, as a client would.
  if (got.status !== 200) continue;
  round = (await got.json()) as typeof round;
  if (round.state === 'done' || round.state === 'failed') break;
  if (performance.now() - shownAt > 15_000) {
    shownAt = performance.now();
    console.log(
      `  round ${round.state} at ${((performance.now() - t0) / 1000).toFixed(0)} s: ${round.progress.casesDecided} of ${round.progress.cases} cases decided, ${round.progress.listingsCommitted} of ${round.progress.listings} listings committed; load average ${loadavg()[0]!.toFixed(1)}`,
    );
  }
  if (performance.now() - t0 > ROUND_LIMIT_MS) break;
}
const roundMs = performance.now() - t0;
// Unfinished in the time allowed (a machine busy with others' work): say how far it got, and go on.
const roundFinished = round.state === 'done';
if (round.state === 'failed') throw new Error(`round: ${JSON.stringify(round).slice(0, 300)}`);
const roundLine = roundFinished
  ? ''
  : `   NOT DONE after ${(roundMs / 1000).toFixed(0)} s (the limit): ${round.progress.casesDecided} of ${round.progress.cases} cases decided, ${round.progress.listingsCommitted} of ${round.progress.listings} listings committed, timings so far ${JSON.stringify(round.timings ?? {})}\n`;
round.summary ??= { allocated: 0, firstPreference: 0, unallocated: 0 };
round.timings ??= {};
// Said at once, so a later failure cannot lose it.
console.log(
  `  round ${round.state} ${(roundMs / 1000).toFixed(1)} s after the request (202 in ${queuedMs.toFixed(0)} ms); timings ${JSON.stringify(round.timings)}; load average ${loadavg()[0]!.toFixed(1)}`,
);
// What the round leaves the stream (its listings' search entries, its waiting cases' queue
// entries) is derived work that goes on after done: how long until it has all been written.
const drainStart = performance.now();
await consumer.drain(600_000).catch(() => undefined);
const derivedMs = performance.now() - t0;
console.log(
  `  the stream caught up (search and queue entries of the round written) ${(derivedMs / 1000).toFixed(1)} s after the request, ${((performance.now() - drainStart) / 1000).toFixed(1)} s after done`,
);

// 3. Stream lag: a listing's commit to its search entries, with the consumer polling as in npm start;
//    first with nothing else running, then under the reliability suite's mixed load (test/reliability/load.ts).
const loadDuringRound = loadavg();
// How long the save itself took (its transaction acknowledged), within each lag.
const saveMs: number[] = [];
// The lag from the save's acknowledgement: the commit lies between the save sent and its
// acknowledgement (DynamoDB Local stamps stream records to the minute only, so the commit itself
// cannot be read), so the lag from the commit lies between this and the lag from the save sent.
const afterAck: number[] = [];
// The rest of each lag: from the save's acknowledgement to the projection's batch starting, the
// batch's projection, and the benchmark's polling read seeing the entry; and from the save sent to
// its projection done (no polling read in it).
const newParts = () => ({
  toProjection: [] as number[],
  projection: [] as number[],
  polled: [] as number[],
  sentToProjected: [] as number[],
});
let parts = newParts();
async function lagOf(s: SettingWithListings): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const setting = (await big.store.settings.getSetting(s.urn, { consistent: true }))!;
    const before = setting.listings[0]!;
    const listing = {
      ...before,
      commissioned: before.commissioned + 1,
      available: before.available + 1,
      version: before.version + 1,
      updatedAt: new Date().toISOString(),
    };
    const t1 = performance.now();
    let acked: number;
    try {
      await big.store.listings.putListing(
        setting,
        { listing, before },
        { sub: 'bench', role: 'provider', org: setting.providerId },
      );
      acked = performance.now();
      saveMs.push(acked - t1);
    } catch (error) {
      // The load's own listing updates may win the version race: read it again and retry.
      if (attempt < 5) continue;
      throw error;
    }
    const key = keys.searchEntry(
      s.urn,
      listing.listingId,
      listing.needs[0]!,
      bucketsForRange(listing.ageMin, listing.ageMax)[0]!,
      'available',
    );
    for (;;) {
      const got = await big.store.db.send(new GetCommand({ TableName: 'bench-round', Key: key }));
      if (((got.Item?.listingVersion as number | undefined) ?? 0) >= listing.version) break;
      if (performance.now() - t1 > 60_000) throw new Error('search entry never caught up');
      await new Promise((r) => setTimeout(r, 10));
    }
    const seen = performance.now();
    afterAck.push(seen - acked);
    // The entry can be read before the rest of its batch (other settings) is projected.
    const p = projected.get(`${s.urn}#${listing.listingId}#${listing.version}`);
    for (let waited = 0; p !== undefined && p.done === undefined && waited < 5_000; waited += 10)
      await new Promise((r) => setTimeout(r, 10));
    if (p?.done !== undefined) {
      parts.toProjection.push(p.reached - acked);
      parts.projection.push(p.done - p.reached);
      parts.polled.push(seen - p.done);
      parts.sentToProjected.push(p.done - t1);
    }
    return seen - t1;
  }
}
const lags: number[] = [];
for (const s of bigSettings.slice(0, 60)) lags.push(await lagOf(s));

const providerTokens = await Promise.all(
  bigSettings.slice(60, 180).map(async (s) => ({
    urn: s.urn,
    token: (await auth.mint({ sub: `bench-${s.providerId}`, role: 'provider', org: s.providerId })).token,
  })),
);
const loadTarget = {
  base: big.base,
  las: reference.las
    .map((l) => ({
      gss: l.laCode,
      token: laTokens.get(l.laCode)!,
      districts: reference.districts.filter((d) => d.laCode === l.laCode).map((d) => d.district),
    }))
    .filter((l) => l.districts.length > 0),
  partnershipToken: se19,
  providers: providerTokens,
};
const quietSaves = saveMs.splice(0);
const quietAfterAck = afterAck.splice(0);
const quietParts = parts;
parts = newParts();
const loadedLags: number[] = [];
let loadLoadavg = loadavg();
// Whether the server's event loop (shared by the API, the consumers and the load's own clients here)
// or DynamoDB Local is the busier under the load: CPU seconds of each, and the loop's delay.
const eld = monitorEventLoopDelay({ resolution: 10 });
// DynamoDB Local's CPU seconds from /proc (Linux; elsewhere not measured).
const javaCpu = () => {
  try {
    const f = readFileSync(`/proc/${ddb.javaPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
};
eld.enable();
const cpuAt = { node: process.cpuUsage(), java: javaCpu(), wall: performance.now() };
const load: LoadResult = await (async () => {
  let loadDone = false;
  const loadOptions = { clients: 24, maxRequests: 8000, maxMs: 75_000, seed: 2026, tag: 'LAG' };
  const running = (LOAD_IN_PROCESS ? runLoad(loadTarget, loadOptions) : loadElsewhere(loadTarget, loadOptions)).finally(
    () => (loadDone = true),
  );
  // Let the load build up, then one listing update every half second on listings the load does not touch.
  await new Promise((r) => setTimeout(r, 5_000));
  for (const s of bigSettings.slice(200, 300)) {
    if (loadDone) break;
    loadedLags.push(await lagOf(s));
    await new Promise((r) => setTimeout(r, 500));
    if (loadedLags.length === 30) loadLoadavg = loadavg();
  }
  return running;
})();
eld.disable();
const busy = {
  node: (() => {
    const u = process.cpuUsage(cpuAt.node);
    return (u.user + u.system) / 1e6;
  })(),
  java: javaCpu() - cpuAt.java,
  wall: (performance.now() - cpuAt.wall) / 1000,
};
jobs.stop();
await consumer.stop();

// The mechanisms alone, on the same inputs.
const settingsMap = new Map(bigSettings.map((s) => [s.urn, s] as const));
const roundInput = bigCases.map((c) => ({ ...c, ranked: c.preferences!.ranked }));
t0 = performance.now();
const sd = runRound({
  cases: roundInput,
  settings: settingsMap,
  seed: 'bench-2026',
  today: TODAY,
  mechanism: 'serial_dictatorship',
});
const sdMs = performance.now() - t0;
t0 = performance.now();
const da = runRound({
  cases: roundInput,
  settings: settingsMap,
  seed: 'bench-2026',
  today: TODAY,
  mechanism: 'deferred_acceptance',
});
const daMs = performance.now() - t0;
const share = (r: typeof sd) => r.outcomes.filter((o) => o.assignment?.rank === 1).length / r.outcomes.length;
big.close();
await ddb.stop();

const partsLine = (x: ReturnType<typeof newParts>) =>
  `saved to its batch at the projection ${pct(x.toProjection, 50).toFixed(0)} / ${pct(x.toProjection, 95).toFixed(0)} ms, the batch projected ${pct(x.projection, 50).toFixed(0)} / ${pct(x.projection, 95).toFixed(0)} ms, seen by the polling read (from the batch done, so below 0 where the entry was read before the rest of its batch was done) ${pct(x.polled, 50).toFixed(0)} / ${pct(x.polled, 95).toFixed(0)} ms; sent to projected ${pct(x.sentToProjected, 50).toFixed(0)} / ${pct(x.sentToProjected, 95).toFixed(0)} ms (${x.sentToProjected.length} of the lags)`;
const singleOk = single.map((r) => r.ms);
const concOk = concurrent.map((r) => r.ms);
const perCaseSingle = singleMs / SINGLE_CASES;
const perCaseRound = roundMs / ROUND_CASES;
console.log(`
Allocation on DynamoDB Local (${new Date().toISOString().slice(0, 10)})

1. POST /cases/{id}/allocate, ${CONCURRENT_CASES} cases from ${las.length} LAs, 2,000 places in 500 listings
   one client (baseline):  ${SINGLE_CASES} in ${(singleMs / 1000).toFixed(1)} s = ${(SINGLE_CASES / (singleMs / 1000)).toFixed(1)} allocations/s, p50 ${pct(singleOk, 50).toFixed(0)} ms, p95 ${pct(singleOk, 95).toFixed(0)} ms
   ${CLIENTS} clients:             ${CONCURRENT_CASES} in ${(concurrentMs / 1000).toFixed(1)} s = ${(CONCURRENT_CASES / (concurrentMs / 1000)).toFixed(1)} allocations/s, p50 ${pct(concOk, 50).toFixed(0)} ms, p95 ${pct(concOk, 95).toFixed(0)} ms
   throughput ratio ${CLIENTS} clients / one: ${(CONCURRENT_CASES / concurrentMs / (SINGLE_CASES / singleMs)).toFixed(2)}×
   201s ${placements}, 409s ${single.length + concurrent.length - placements}; listings below zero: ${belowZero}; places held ${held} = placements ${placements}: ${held === placements ? 'yes' : 'NO'}

2. POST /allocation-rounds, serial dictatorship: ${ROUND_CASES.toLocaleString('en-GB')} cases over ${ROUND_LISTINGS.toLocaleString('en-GB')} listings (${places.toLocaleString('en-GB')} places)
   queued (202) in ${queuedMs.toFixed(0)} ms; ${roundFinished ? 'from the 202 to done (GET)' : 'stopped waiting at the limit after'}: ${(roundMs / 1000).toFixed(1)} s (re-runs ${round.reruns}; ${Object.entries(
     round.timings,
   )
     .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
     .join(
       ', ',
     )}); ${perCaseRound.toFixed(2)} ms a case against ${perCaseSingle.toFixed(1)} ms a case allocated singly: ${(perCaseSingle / perCaseRound).toFixed(1)}× less time a case
${roundLine}   allocated ${round.summary.allocated.toLocaleString('en-GB')} (${((100 * round.summary.allocated) / ROUND_CASES).toFixed(1)}%), first preference ${round.summary.firstPreference.toLocaleString('en-GB')} (${((100 * round.summary.firstPreference) / ROUND_CASES).toFixed(1)}% of cases), waiting ${round.summary.unallocated.toLocaleString('en-GB')}
   the round's derived work (search and queue entries) written ${(derivedMs / 1000).toFixed(1)} s after the request
   (the same round as one synchronous request before issue 14: 139.7 s on this machine, docs/benchmarks.md); goal under 60 s: ${roundFinished && roundMs < 60_000 ? 'met' : 'MISSED'}
   the mechanism alone: serial dictatorship ${sdMs.toFixed(0)} ms (first preference ${(100 * share(sd)).toFixed(1)}%), deferred acceptance ${daMs.toFixed(0)} ms (first preference ${(100 * share(da)).toFixed(1)}%)

3. Stream lag, a listing's commit to its search entries (the local consumer polling DynamoDB Local's stream):
   quiet (${lags.length} listing updates one after another): p50 ${pct(lags, 50).toFixed(0)} ms, p95 ${pct(lags, 95).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms; of which the save's own transaction p50 ${pct(quietSaves, 50).toFixed(0)} ms, p95 ${pct(quietSaves, 95).toFixed(0)} ms; from the save's acknowledgement p50 ${pct(quietAfterAck, 50).toFixed(0)} ms, p95 ${pct(quietAfterAck, 95).toFixed(0)} ms
   under the reliability load (${loadedLags.length} listing updates, one every 0.5 s, while 24 clients made ${load.requests.toLocaleString('en-GB')} requests in ${(load.durationMs / 1000).toFixed(0)} s:
     ${Object.entries(load.byKind)
       .map(([k, v]) => `${v.count} ${k}`)
       .join(
         ', ',
       )}; ${load.errors} errors): p50 ${pct(loadedLags, 50).toFixed(0)} ms, p95 ${pct(loadedLags, 95).toFixed(0)} ms, max ${Math.max(...loadedLags).toFixed(0)} ms; goal p95 under 1 s: ${pct(loadedLags, 95) < 1000 ? 'met' : 'MISSED'}
     the load's ${busy.wall.toFixed(0)} s (its clients ${LOAD_IN_PROCESS ? 'in the server’s process' : 'in a process of their own, BENCH_LOAD=process'}): Node (server, consumers${LOAD_IN_PROCESS ? ', the load’s clients' : ''}) ${((100 * busy.node) / busy.wall).toFixed(0)}% of a core, DynamoDB Local ${Number.isNaN(busy.java) ? 'not measured (no /proc)' : `${((100 * busy.java) / busy.wall).toFixed(0)}%`}; Node's event loop delay p50 ${(eld.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(eld.percentile(99) / 1e6).toFixed(0)} ms, max ${(eld.max / 1e6).toFixed(0)} ms
     of which the save's own transaction (until acknowledged): p50 ${pct(saveMs, 50).toFixed(0)} ms, p95 ${pct(saveMs, 95).toFixed(0)} ms
     from the save's acknowledgement to its entries (the commit lies between the save sent and its acknowledgement, so the lag from it between the two figures): p50 ${pct(afterAck, 50).toFixed(0)} ms, p95 ${pct(afterAck, 95).toFixed(0)} ms, max ${Math.max(...afterAck).toFixed(0)} ms; goal p95 under 1 s from the acknowledgement: ${pct(afterAck, 95) < 1000 ? 'met' : 'MISSED'}
   the lag's parts, p50 / p95 (quiet; loaded): ${partsLine(quietParts)}; ${partsLine(parts)}

Machine: ${process.platform} ${process.arch}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}; load average (1, 5, 15 min) at the start ${loadAtStart.map((x) => x.toFixed(2)).join(', ')}, after the round ${loadDuringRound.map((x) => x.toFixed(2)).join(', ')}, during the loaded lag ${loadLoadavg.map((x) => x.toFixed(2)).join(', ')}
`);
process.exit(0);
