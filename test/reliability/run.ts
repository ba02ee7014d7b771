/**
 * Proof under load, faults and bad input, in one command:   npm run reliability
 *
 * Starts the marketplace as `npm start` does (DynamoDB Local on disk in a temporary folder,
 * generated SE19 data, the HTTP server on a free loopback port), then:
 *  1. load: many LAs' searches, providers' listing updates and allocations at once;
 *  2. faults: DynamoDB Local killed and restarted mid-load; a Lambda timing out after its
 *     transaction committed; clients aborting allocations mid-request and replaying them;
 *  3. bad input: thousands of fast-check cases over every route of GET /openapi.json, 413s, 401s;
 *  4. crashes of the whole marketplace (test/reliability/crash.ts): `npm start` in a process group
 *     of its own, SIGKILLed (server and DynamoDB Local) mid-way through an allocation round of
 *     2,000 cases, then right after a burst of listing saves (between their commits and their
 *     search entries), and started again with `npm start` over the same state folder;
 * and after each phase reads the table back to check the invariants. Writes docs/reliability.md
 * with the figures and exits non-zero if anything failed. Bounded (about 15 minutes here).
 *
 * Options (environment): RELIABILITY_LOAD_SECONDS (75), RELIABILITY_LOAD_REQUESTS (8000),
 * RELIABILITY_FUZZ_CASES (5000), RELIABILITY_ROUND_CASES (2000), RELIABILITY_REPORT (docs/reliability.md; '' prints only),
 * RELIABILITY_STATE_DIR (where the temporary database folder goes; /dev/shm when present).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createApp, devTokenAuthenticator, MAX_BODY_BYTES } from '@placements/api';
import { createDocumentClient, createStore, type Store } from '@placements/store';
import { buildReferenceData, DEFAULT_SEED, SE19_ID, startMarketplace } from '@placements/local';
import { checkInvariants, type InvariantReport } from './invariants.ts';
import { percentile, runLoad, type LoadResult, type LoadTarget } from './load.ts';
import { fixedChecks, fuzz, operationsOf, type FuzzIdentities, type Send } from './fuzz.ts';
import {
  killLeftovers,
  projectionCrash,
  roundCrash,
  type ProjectionCrashResult,
  type RoundCrashResult,
} from './crash.ts';

const LOAD_SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? 75);
const LOAD_REQUESTS = Number(process.env.RELIABILITY_LOAD_REQUESTS ?? 8000);
const FUZZ_CASES = Number(process.env.RELIABILITY_FUZZ_CASES ?? 5000);
const ROUND_CASES = Number(process.env.RELIABILITY_ROUND_CASES ?? 2000);
const REPORT = process.env.RELIABILITY_REPORT ?? 'docs/reliability.md';
const started = new Date();
const log = (line: string) =>
  console.log(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const failures: string[] = [];
// Every HTTP request any phase makes, for the report's total.
let httpRequests = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (...args: Parameters<typeof fetch>) => {
  httpRequests++;
  return realFetch(...args);
};
const fmtN = (n: number) => n.toLocaleString('en-GB');
const fail = (what: string) => {
  failures.push(what);
  log(`FAILED: ${what}`);
};

// The database file survives java being killed; in RAM-backed /dev/shm where there is one, so a
// busy shared disk does not time out the load (the crash and restart are the same either way).
const state = mkdtempSync(
  join(
    process.env.RELIABILITY_STATE_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir()),
    'placements-reliability-',
  ),
);
process.on('exit', () => {
  killLeftovers();
  rmSync(state, { recursive: true, force: true });
});
log(`starting the marketplace (DynamoDB Local on disk in ${state})…`);
const secret = randomBytes(32).toString('hex');
const running = await startMarketplace({
  port: 0,
  statePath: state,
  fresh: true,
  seed: DEFAULT_SEED,
  devTokenSecret: secret,
});
const data = buildReferenceData({ seed: DEFAULT_SEED });
const las = data.las.map((l) => l.laCode);
const token = async (role: 'la' | 'provider' | 'partnership' | 'national' | 'trust' | 'adjudicator', org: string) =>
  (await running.mint({ sub: `reliability-${role}-${org}`, role, org })).token;
const target: LoadTarget = {
  base: running.url,
  las: await Promise.all(
    data.las.map(async (l) => ({
      gss: l.laCode,
      token: await token('la', l.laCode),
      districts: data.districts.filter((d) => d.laCode === l.laCode).map((d) => d.district),
    })),
  ).then((xs) => xs.filter((x) => x.districts.length > 0)),
  partnershipToken: await token('partnership', SE19_ID),
  providers: await Promise.all(
    data.settings
      .filter((s) => s.listings.length > 0)
      .slice(0, 120)
      .map(async (s) => ({ urn: s.urn, token: await token('provider', s.providerId) })),
  ),
};
const allPlaced: LoadResult['placed'] = [];
const invariantRuns: { phase: string; report: InvariantReport }[] = [];

async function invariants(phase: string, strictHeld = true) {
  // Derived data follows from the table's stream: let the consumer catch up first, as it would in a moment.
  await running.stream.drain(300_000);
  await running.rounds.idle();
  const report = await checkInvariants(running.store, las, { strictHeld });
  invariantRuns.push({ phase, report });
  for (const v of report.violations.slice(0, 20)) fail(`invariant after ${phase}: ${v}`);
  // Every 201 a client was given is still in the table: no place lost, also across the crash.
  const cases = await running.store.cases.getCases(allPlaced.map((p) => ({ laCode: p.la, id: p.caseId })));
  let lost = 0;
  for (const p of allPlaced) {
    const c = cases.get(`${p.la}#${p.caseId}`);
    if (c?.activePlacementId !== p.placementId && !(phase.includes('fuzz') && c !== undefined)) {
      lost++;
      if (lost <= 5)
        fail(
          `after ${phase}: case ${p.caseId} was told it holds placement ${p.placementId}, the table says ${c?.state}/${c?.activePlacementId}`,
        );
    }
  }
  report.checks += allPlaced.length;
  log(
    `invariants after ${phase}: ${report.checks.toLocaleString('en-GB')} checks over ${report.listings} listings, ${report.placements} placements, ${report.allocatedCases} allocated cases, ${report.auditEventsChecked} audit events; ${allPlaced.length} acknowledged allocations re-read, ${lost} lost; violations ${report.violations.length}`,
  );
}

// 1. Load ────────────────────────────────────────────────────────────────────────────────────
log(
  `load: ${target.las.length} LAs, ${target.providers.length} providers, 24 clients, up to ${LOAD_REQUESTS} requests or ${LOAD_SECONDS} s…`,
);
const load = await runLoad(target, {
  clients: 24,
  maxRequests: LOAD_REQUESTS,
  maxMs: LOAD_SECONDS * 1000,
  seed: 2026,
  tag: 'LOAD',
});
allPlaced.push(...load.placed);
if (load.errors > 0) fail(`load: ${load.errors} requests answered 5xx or not at all`);
if (load.unavailable > 0) fail(`load: ${load.unavailable} 503s with DynamoDB Local up`);
log(
  `load: ${load.requests} requests in ${(load.durationMs / 1000).toFixed(1)} s; allocations ${load.allocations.placed} placed, ${load.allocations.noPlace} no place; statuses ${JSON.stringify(load.byStatus)}`,
);
await invariants('load');

// 2. Faults ──────────────────────────────────────────────────────────────────────────────────
const faults: { name: string; what: string; outcome: string; survived: boolean }[] = [];

/**
 * An open case of `la` whose first preference has a place just for it, made over HTTP: the load
 * has used up most places, so the setting's provider first publishes a one-place listing for it.
 */
async function preparedCase(la: LoadTarget['las'][number], ref: string): Promise<string | undefined> {
  const h = { authorization: `Bearer ${la.token}`, 'content-type': 'application/json' };
  for (const [i, district] of la.districts.entries()) {
    const opened = await fetch(`${running.url}/cases`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ ref: `${ref}-${i}`, needs: ['ASD'], band: 'S3', age: 9, homeDistrict: district }),
    });
    const id = ((await opened.json()) as any).id as string;
    const list = (await (await fetch(`${running.url}/cases/${id}/tailored-list`, { headers: h })).json()) as any;
    const setting = ((list.included ?? []) as { setting: { urn: string } }[])
      .map((e) => data.settings.find((s) => s.urn === e.setting.urn))
      .find(
        (s) =>
          s !== undefined && !s.type.startsWith('mainstream') && s.type !== 'early_years' && s.needs.includes('ASD'),
      );
    if (setting === undefined) continue;
    const provider = await token('provider', setting.providerId);
    const listing = {
      band: 'S3',
      needs: ['ASD'],
      ageMin: setting.ageMin,
      ageMax: setting.ageMax,
      attendance: 'day',
      commissioned: 1,
      filled: 0,
      availableFrom: '2026-09-01',
    };
    const published = await fetch(`${running.url}/settings/${setting.urn}/listings/${ref.toLowerCase()}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${provider}`, 'content-type': 'application/json' },
      body: JSON.stringify(listing),
    });
    if (published.status !== 201) continue;
    const prefs = await fetch(`${running.url}/cases/${id}/preferences`, {
      method: 'PUT',
      headers: h,
      body: JSON.stringify({ holder: 'parent', ranked: [setting.urn] }),
    });
    if (prefs.status === 200) return id;
  }
  return undefined;
}

// 2a. DynamoDB Local killed outright mid-load, then restarted on the same port and folder.
{
  log('fault: DynamoDB Local killed mid-load, then restarted…');
  const background = runLoad(target, { clients: 12, maxRequests: 6000, maxMs: 60_000, seed: 7, tag: 'CRASH' });
  await sleep(15_000);
  const killedAt = performance.now();
  await running.dynamoDb.kill();
  log(`  java ${running.dynamoDb.javaPid} killed (SIGKILL)`);
  const kent = target.las.find((l) => l.gss === 'E10000016') ?? target.las[0]!;
  const provider = target.providers[0]!;
  const probes: { route: string; status: number; retryAfter: string | null; code?: string }[] = [];
  const probe = async (route: string, method: string, path: string, tok: string, body?: unknown) => {
    try {
      const res = await fetch(`${running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      probes.push({
        route,
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        ...(res.status >= 400 ? { code: JSON.parse(text)?.error?.code } : {}),
      });
    } catch {
      probes.push({ route, status: 0, retryAfter: null });
    }
  };
  const downUntil = performance.now() + 8000;
  while (performance.now() < downUntil) {
    await Promise.all([
      probe('GET /settings/{urn}', 'GET', `/settings/${provider.urn}`, provider.token),
      probe(
        'GET /places/search',
        'GET',
        `/places/search?need=ASD&age=9&from=${kent.districts[0]}&scope=partnership`,
        kent.token,
      ),
      probe('POST /cases', 'POST', '/cases', kent.token, {
        ref: 'DOWN-1',
        needs: ['ASD'],
        band: 'S3',
        age: 9,
        homeDistrict: kent.districts[0],
      }),
      probe('GET /cases?state=allocated', 'GET', '/cases?state=allocated', kent.token),
      probe('GET /health', 'GET', '/health', kent.token),
    ]);
    await sleep(250);
  }
  const bad = probes.filter((p) => p.status !== 503 || p.retryAfter === null);
  if (bad.length > 0)
    fail(
      `while DynamoDB Local was down, ${bad.length} of ${probes.length} probes were not 503 with Retry-After: ${JSON.stringify(bad.slice(0, 3))}`,
    );
  await running.dynamoDb.restart();
  const restartedAt = performance.now();
  let recoveredAt = 0;
  for (let i = 0; i < 600 && recoveredAt === 0; i++) {
    const res = await fetch(`${running.url}/settings/${provider.urn}`).catch(() => undefined);
    if (res?.status === 200) recoveredAt = performance.now();
    else await sleep(100);
  }
  if (recoveredAt === 0) fail('the server did not recover within 60 s of DynamoDB Local restarting');
  const bg = await background;
  allPlaced.push(...bg.placed);
  if (bg.errors > 0) fail(`crash load: ${bg.errors} requests answered a 5xx other than 503`);
  if (bg.unavailableWithoutRetryAfter > 0)
    fail(`crash load: ${bg.unavailableWithoutRetryAfter} 503s without Retry-After`);
  log(
    `  down ${((restartedAt - killedAt) / 1000).toFixed(1)} s: ${probes.length} probes, ${probes.filter((p) => p.status === 503 && p.retryAfter !== null).length} answered 503 with Retry-After; the server answered again ${((recoveredAt - restartedAt) / 1000).toFixed(1)} s after the restart`,
  );
  log(
    `  background load: ${bg.requests} requests, ${bg.unavailable} 503s, ${bg.errors} other errors; allocations ${bg.allocations.placed} placed (503s retried with the same Idempotency-Key), ${bg.allocations.gaveUp} given up`,
  );
  faults.push({
    name: 'DynamoDB Local killed and restarted mid-load',
    what: `SIGKILL to java 15 s into a 12-client load; ${((restartedAt - killedAt) / 1000).toFixed(1)} s down; restarted on the same port and database folder`,
    outcome: `${probes.length} probes while down (5 routes): ${probes.filter((p) => p.status === 503 && p.retryAfter !== null).length} answered 503 with Retry-After; served again ${((recoveredAt - restartedAt) / 1000).toFixed(1)} s after the restart with no action; ${bg.requests} load requests meanwhile, ${bg.unavailable} 503s, ${bg.errors} other 5xx; ${bg.allocations.placed} allocations acknowledged`,
    survived: bad.length === 0 && recoveredAt > 0 && bg.errors === 0,
  });
  await invariants('the DynamoDB Local crash');
}

let faultsInProcess = 0;
// 2b. A Lambda times out after its transaction committed: the caller sees a failure, the retry
//     with the same Idempotency-Key returns the original placement and allocates nothing more.
{
  log('fault: Lambda timeout after the allocation transaction committed…');
  const db = createDocumentClient({ tableName: running.store.tableName, endpoint: running.dynamoDb.endpoint });
  const realSend = db.send.bind(db) as (c: unknown) => Promise<unknown>;
  let timedOut = 0;
  (db as { send: unknown }).send = async (command: unknown) => {
    const out = await realSend(command);
    if (command instanceof TransactWriteCommand) {
      timedOut++;
      throw Object.assign(new Error('Task timed out after 3.00 seconds'), { name: 'TimeoutError' });
    }
    return out;
  };
  const lambda = createApp({
    store: createStore({ tableName: running.store.tableName }, db) as Store,
    auth: devTokenAuthenticator(secret),
  });
  let ok = 0;
  let tried = 0;
  const n = 10;
  const outcomes: string[] = [];
  for (let i = 0; i < n; i++) {
    const la = target.las[i % target.las.length]!;
    const id = await preparedCase(la, `LAMBDA-${i}`);
    if (id === undefined) continue; // no setting in the LA's tailored list to publish a place at
    tried++;
    const key = `lambda-timeout-${id}`;
    const headers = { authorization: `Bearer ${la.token}`, 'idempotency-key': key };
    const first = await lambda.request(`/cases/${id}/allocate`, { method: 'POST', headers });
    faultsInProcess++;
    const replay = await fetch(`${running.url}/cases/${id}/allocate`, { method: 'POST', headers });
    const replayBody = (await replay.json()) as any;
    const again = (await (
      await fetch(`${running.url}/cases/${id}/allocate`, { method: 'POST', headers })
    ).json()) as any;
    const c = await running.store.cases.getCase(la.gss, id);
    const placements = (
      await running.store.cases.listPlacements(replayBody.placement?.urn ?? 'x', { limit: 200 })
    ).items.filter((p) => p.caseId === id);
    const good =
      first.status === 503 &&
      replay.status === 201 &&
      again.placement?.id === replayBody.placement.id &&
      c?.activePlacementId === replayBody.placement.id &&
      placements.length === 1;
    outcomes.push(`${first.status}→${replay.status}`);
    if (good) {
      ok++;
      allPlaced.push({ caseId: id, la: la.gss, placementId: replayBody.placement.id, key });
    } else
      fail(
        `Lambda timeout ${i}: first ${first.status} ${(await first.text()).slice(0, 120)}, replay ${replay.status} ${JSON.stringify(replayBody).slice(0, 200)}, again ${again.placement?.id}, case holds ${c?.activePlacementId}, ${placements.length} placements`,
      );
  }
  db.destroy();
  log(
    `  ${ok} of ${tried} (${n - tried} of ${n} skipped: no place could be published for the case): the timed-out call answered 503, its transaction had committed, the replay returned that placement, one placement each (${timedOut} transactions timed out)`,
  );
  faults.push({
    name: 'Lambda timeout after the transaction committed',
    what: `${n} allocations through the app over a client whose TransactWriteItems commits and then throws TimeoutError, as a Lambda cut off after the write`,
    outcome: `${ok} of ${tried} tried (${n - tried} skipped: no place could be published for the case): the caller got 503; the retry with the same Idempotency-Key got 201 with the committed placement, a second retry the same; exactly one placement per case`,
    survived: tried > 0 && ok === tried,
  });
  await invariants('the Lambda timeouts');
}

// 2c. Clients give up mid-allocation (AbortController) and replay with the same Idempotency-Key.
{
  log('fault: clients abort allocations mid-request and replay them…');
  const n = 30;
  let ok = 0;
  let tried = 0;
  let abortedBeforeAnswer = 0;
  for (let i = 0; i < n; i++) {
    const la = target.las[(i * 7) % target.las.length]!;
    const id = await preparedCase(la, `ABORT-${i}`);
    if (id === undefined) continue; // no setting in the LA's tailored list to publish a place at
    tried++;
    const key = `client-abort-${id}`;
    const headers = { authorization: `Bearer ${la.token}`, 'idempotency-key': key };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 2 + (i % 10) * 6);
    try {
      await (
        await fetch(`${running.url}/cases/${id}/allocate`, { method: 'POST', headers, signal: controller.signal })
      ).text();
    } catch {
      abortedBeforeAnswer++;
    }
    clearTimeout(timer);
    let replayBody: any;
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await fetch(`${running.url}/cases/${id}/allocate`, { method: 'POST', headers });
      replayBody = await res.json();
      if (res.status === 201 || (res.status === 409 && replayBody?.error?.code !== 'request_in_progress')) break;
      await sleep(200); // request_in_progress: the first is still being processed
    }
    const again = (await (
      await fetch(`${running.url}/cases/${id}/allocate`, { method: 'POST', headers })
    ).json()) as any;
    const c = await running.store.cases.getCase(la.gss, id);
    const placements = (
      await running.store.cases.listPlacements(replayBody?.placement?.urn ?? 'x', { limit: 200 })
    ).items.filter((p) => p.caseId === id);
    if (
      replayBody?.placement?.id !== undefined &&
      again.placement?.id === replayBody.placement.id &&
      c?.activePlacementId === replayBody.placement.id &&
      placements.length === 1
    ) {
      ok++;
      allPlaced.push({ caseId: id, la: la.gss, placementId: replayBody.placement.id, key });
    } else
      fail(
        `client abort ${i}: replay ${JSON.stringify(replayBody).slice(0, 200)}, again ${again.placement?.id}, case holds ${c?.activePlacementId}, ${placements.length} placements`,
      );
  }
  log(
    `  ${ok} of ${tried} replays returned one placement (${abortedBeforeAnswer} aborted before the answer came; ${n - tried} of ${n} skipped: no place could be published for the case)`,
  );
  faults.push({
    name: 'Client timeout, then replay',
    what: `${n} allocations aborted by the client (AbortController) 2–56 ms in, then replayed with the same Idempotency-Key`,
    outcome: `${abortedBeforeAnswer} aborted before an answer; ${ok} of ${tried} replays returned exactly one placement (a second replay the same, the case holding it); ${n - tried} of ${n} skipped: no place could be published for the case`,
    survived: tried > 0 && ok === tried,
  });
  await invariants('the client aborts');
}

// 3. Bad input ───────────────────────────────────────────────────────────────────────────────
log(`fuzz: ${FUZZ_CASES} cases over every route of GET /openapi.json, over HTTP…`);
/** Over its own connection, closed after: the server answers 413 without reading the body and then closes the socket, which would fail the next request sharing it. */
function sendAlone(
  method: string,
  path: string,
  init: { headers: Record<string, string>; body?: string },
): ReturnType<Send> {
  httpRequests++;
  return new Promise((resolve) => {
    const req = httpRequest(`${running.url}${path}`, { method, headers: init.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          text,
          headers: new Headers(
            Object.entries(res.headers).flatMap(([k, v]) =>
              v === undefined ? [] : [[k, String(v)] as [string, string]],
            ),
          ),
        }),
      );
    });
    req.on('error', (error) => resolve({ status: 599, text: `no answer: ${String(error)}`, headers: new Headers() }));
    req.end(init.body);
  });
}
const send: Send = async (method, path, init) => {
  if (init.body !== undefined && init.body.length > MAX_BODY_BYTES) return sendAlone(method, path, init);
  try {
    const res = await fetch(`${running.url}${path}`, {
      method,
      headers: init.headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
  } catch (error) {
    return { status: 599, text: `no answer: ${String(error)}`, headers: new Headers() };
  }
};
const ops = operationsOf(JSON.parse((await send('GET', '/openapi.json', { headers: {} })).text));
const sampleSetting = data.settings.find(
  (s) => s.listings.length > 0 && target.providers.some((p) => p.urn === s.urn),
)!;
const ids: FuzzIdentities = {
  valid: [
    target.las[0]!.token,
    target.las[1]!.token,
    target.providers.find((p) => p.urn === sampleSetting.urn)!.token,
    target.partnershipToken,
    await token('national', 'dfe'),
    await token('trust', sampleSetting.trustId ?? 'TR1'),
    await token('adjudicator', 'osa'),
  ],
  expired: (await running.mint({ sub: 'expired', role: 'la', org: las[0]! }, -60)).token,
  foreign: (
    await devTokenAuthenticator('some-other-key-0123456789abcdef0123').mint({ sub: 'x', role: 'la', org: las[0]! })
  ).token,
};
const samples = {
  urn: [sampleSetting.urn],
  listingId: sampleSetting.listings.map((l) => l.listingId),
  id: [...allPlaced.slice(0, 3).flatMap((p) => [p.caseId, p.placementId]), SE19_ID],
  version: ['v1', 'v2'],
  laCode: las.slice(0, 2),
};
const fuzzStarted = performance.now();
const fuzzRun = await fuzz(send, ops, ids, samples, FUZZ_CASES, 20261122, Date.now() + 240_000);
const fuzzMs = performance.now() - fuzzStarted;
for (const f of fuzzRun.failures.slice(0, 10))
  fail(`fuzz ${f.route}: ${f.problem} — ${JSON.stringify(f.request).slice(0, 300)}`);
const fixed = await fixedChecks(send, ops, ids, samples, MAX_BODY_BYTES);
for (const f of fixed.failures.slice(0, 10)) fail(`fixed check ${f}`);
log(
  `fuzz: ${fuzzRun.cases} cases in ${(fuzzMs / 1000).toFixed(0)} s over ${Object.keys(fuzzRun.byRoute).length} routes, statuses ${JSON.stringify(fuzzRun.byStatus)}; ${fuzzRun.failures.length} problems; fixed checks ${fixed.checked}, ${fixed.failures.length} problems`,
);
await invariants('fuzzing', false);

await running.stop();

// 4. The whole marketplace killed ────────────────────────────────────────────────────────────
const crashContext = {
  repoRoot: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  statePath: join(state, 'npm-start'),
  log,
  fail,
  roundCases: ROUND_CASES,
};
let roundCrashed: RoundCrashResult | undefined;
let projectionCrashed: ProjectionCrashResult | undefined;
try {
  roundCrashed = await roundCrash(crashContext);
  invariantRuns.push({ phase: 'the kill mid-round (npm start again)', report: roundCrashed.invariants });
  faults.push({
    name: 'The whole marketplace killed mid-round',
    what: `SIGKILL to the \`npm start\` process group (${roundCrashed.killedPids}) ${(roundCrashed.killedAfterMs / 1000).toFixed(1)} s into a round of ${fmtN(roundCrashed.cases)} cases; \`npm start\` again over the same state folder`,
    outcome: `the round finished by itself ${(roundCrashed.doneAfterReadyMs / 1000).toFixed(1)} s after the restarted marketplace served (${roundCrashed.summary}); invariants ${roundCrashed.invariants.violations.length === 0 ? 'hold' : 'VIOLATED'}`,
    survived: roundCrashed.survived,
  });
} catch (error) {
  fail(`the kill mid-round: ${String(error)}`);
  killLeftovers();
}
try {
  projectionCrashed = await projectionCrash(crashContext);
  invariantRuns.push({ phase: 'the kill before projection (npm start again)', report: projectionCrashed.invariants });
  faults.push({
    name: 'The whole marketplace killed between listing commits and their projection',
    what: `SIGKILL to the process group the moment the ${fmtN(projectionCrashed.acknowledged)}th of 24 providers' listing saves was answered 200`,
    outcome: `at the crash ${fmtN(projectionCrashed.staleAtCrash)} listings' search entries differed from the listing, no acknowledged save lost; after \`npm start\` every listing's search entries matched it ${(projectionCrashed.projectedAfterReadyMs / 1000).toFixed(1)} s after it served`,
    survived: projectionCrashed.survived,
  });
} catch (error) {
  fail(`the kill before projection: ${String(error)}`);
  killLeftovers();
}

// Report ──────────────────────────────────────────────────────────────────────────────────
const fmt = fmtN;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const s1 = (x: number) => `${(x / 1000).toFixed(1)} s`;
const kinds = Object.entries(load.byKind).sort((a, b) => b[1].count - a[1].count);
const allMs = kinds.flatMap(([, k]) => k.ms);
const totalChecks = invariantRuns.reduce((n, r) => n + r.report.checks, 0);
const violations = invariantRuns.reduce((n, r) => n + r.report.violations.length, 0);
const served = httpRequests;
const report = `# Reliability: proof under load, faults and bad input

Generated by \`npm run reliability\` (\`test/reliability/run.ts\`) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC,
${process.platform} ${process.arch}, Node ${process.versions.node}, DynamoDB Local 3.3 on disk, the 2-core shared
development machine. Re-run it whenever a core path (allocation, listings, the store) changes; it
exits non-zero if any check below fails.

## Summary

| | |
|---|---|
| requests served | ${fmt(served)} over HTTP (load ${fmt(load.requests)}, fuzz ${fmt(fuzzRun.cases)}, fixed 413/401 checks ${fmt(fixed.checked)}, the rest in the fault phase), plus ${fmt(faultsInProcess)} through the app in-process (the Lambda timeouts) |
| invariant checks | ${fmt(totalChecks)} in ${invariantRuns.length} passes over the table, ${violations} violated |
| fuzz cases | ${fmt(fuzzRun.cases)} over ${Object.keys(fuzzRun.byRoute).length} routes, ${fuzzRun.failures.length} answered 5xx or off the error shape |
| faults survived | ${faults.filter((f) => f.survived).length} of ${faults.length} |
| places lost or given twice | **${violations === 0 && failures.length === 0 ? 0 : 'see failures'}** (every acknowledged allocation re-read from the table; held places = placements holding them) |
| result | ${failures.length === 0 ? '**pass**' : `**FAIL** (${failures.length} problems, below)`} |

## 1. Load

${load.requests.toLocaleString('en-GB')} requests from ${target.las.length} LAs, the SE19 partnership and ${target.providers.length} providers, 24 clients at once
over HTTP on loopback, bounded at ${fmt(LOAD_REQUESTS)} requests or ${LOAD_SECONDS} s: 45% place searches, 15% listing updates
(read, PUT with If-Match, on 412 take the current version and retry), 40% the allocation flow (open a
case, its tailored list, preferences, allocate with an Idempotency-Key).

Throughput **${(load.requests / (load.durationMs / 1000)).toFixed(1)} requests/s** over ${(load.durationMs / 1000).toFixed(1)} s; all requests p50 ${ms(percentile(allMs, 50))}, p95 ${ms(percentile(allMs, 95))}, p99 ${ms(percentile(allMs, 99))}.
The server, DynamoDB Local and the 24 clients share two cores with other engineers' test runs, so the
latencies say more about the machine than the service; the counts and invariants are what this proves.

| request | count | p50 | p95 | p99 |
|---|---|---|---|---|
${kinds.map(([k, s]) => `| ${k} | ${fmt(s.count)} | ${ms(percentile(s.ms, 50))} | ${ms(percentile(s.ms, 95))} | ${ms(percentile(s.ms, 99))} |`).join('\n')}

Statuses: ${Object.entries(load.byStatus)
  .map(([s, n]) => `${s} × ${fmt(n)}`)
  .join(', ')}. Errors (5xx or no answer): **${load.errors}**.
Allocations: ${fmt(load.allocations.placed)} placed, ${fmt(load.allocations.noPlace)} answered 409 \`no_available_place\` (the case joins the waiting lists); listing updates ${fmt(load.listingUpdates.saved)} saved, ${fmt(load.listingUpdates.stale)} 412s retried on the current version.

## 2. Faults

| fault | what was done | outcome | survived |
|---|---|---|---|
${faults.map((f) => `| ${f.name} | ${f.what} | ${f.outcome} | ${f.survived ? 'yes' : '**no**'} |`).join('\n')}

## 3. Bad input

${fmt(fuzzRun.cases)} fast-check cases (seed 20261122) in ${(fuzzMs / 1000).toFixed(0)} s over HTTP, spread over all ${ops.length} operations of
\`GET /openapi.json\`: path parameters (known ids and arbitrary text), documented and unknown query
parameters, headers (valid tokens of every role, none, malformed, expired, foreign-signed, non-Bearer;
If-Match, Idempotency-Key, content types), bodies (shaped by each route's schema, the same with one
field dropped, replaced or added, any JSON, raw bytes). Every answer must be below 500 and every
4xx in the documented shape \`{error: {code, message, details}}\`, a 400's details each naming a
\`field\` with a \`message\`.

Statuses: ${Object.entries(fuzzRun.byStatus)
  .map(([s, n]) => `${s} × ${fmt(n)}`)
  .join(', ')}. Problems: **${fuzzRun.failures.length}**.

Fixed checks on every route: a body over 1 MiB answers 413 (each route taking a body), and a
malformed, an expired, a foreign-signed and a non-Bearer token each answer 401: ${fmt(fixed.checked)} checks, ${fixed.failures.length} failed.

## 4. The whole marketplace killed

\`npm start\` run as a child in a process group of its own (the generated SE19 data, its state in a
fresh folder), then killed with SIGKILL to the whole group, server and DynamoDB Local's java
alike, as a power cut or the OOM killer would, and started again with \`npm start\` over the same
folder, so the table and the stream consumer's checkpoint are what the crash left. What the crash
left is read first with DynamoDB Local alone (no server, no consumer), so the figures say what the
restart had to repair.

DynamoDB Local answers a transaction before its COMMIT has run (it queues the COMMIT on its SQLite
job queue and returns), so a kill in that window loses a transaction it acknowledged; AWS's
DynamoDB does not. The store's client therefore follows each transaction against DynamoDB Local with
one consistent read, which that queue runs only after the COMMIT (\`awaitLocalCommits\` in
packages/store/src/client.ts; \`npm run check:dynamodb-local-commits\` shows the loss without it).

${
  roundCrashed === undefined
    ? '**The mid-round kill did not complete** (see the failures below).\n'
    : `**a. Mid-round.** As Kent's commissioner, through the API: ${fmt(roundCrashed.cases)} cases with preferences (one per district and need opened singly with its tailored list, the rest in CSV uploads of 100 to \`POST /cases:bulk\`), and each setting they rank publishing a listing of 150 places (${s1(roundCrashed.setupMs)}); then \`POST /allocation-rounds\` (202), \`GET\` polled until it showed the round running with chunks being committed, and the kill.

| | |
|---|---|
| killed | ${s1(roundCrashed.killedAfterMs)} after the 202; \`GET\` showed ${roundCrashed.progressAtKill} |
| processes killed | ${roundCrashed.killedPids} (none left after) |
| the table at the kill | round ${roundCrashed.headAtKill} |
| down | ${s1(roundCrashed.downMs)} (reading the table alone in between) |
| \`npm start\` again | serving in ${s1(roundCrashed.restartReadyMs)}; it resumed the round left running (its dead worker's lease runs out within 20 s) |
| round done | ${s1(roundCrashed.doneAfterRestartMs)} after \`npm start\` again, ${s1(roundCrashed.doneAfterReadyMs)} after it served; ${s1(roundCrashed.roundWallMs)} of work from the 202 to done, less the time down |
| outcome | ${roundCrashed.summary} |
| invariants | ${fmt(roundCrashed.invariants.checks)} checks, ${roundCrashed.invariants.violations.length} violated: no listing below zero, no case holding two places, held places = placements holding them, ${fmt(roundCrashed.invariants.roundsChecked)} done round(s) with an outcome for each case, ${fmt(roundCrashed.invariants.searchEntriesChecked)} search entries equal to their listing, ${fmt(roundCrashed.invariants.queueEntriesChecked)} waiting-list entries of open cases only (the passes until a clean read took ${s1(roundCrashed.settleMs)}) |
`
}
${
  projectionCrashed === undefined
    ? '**The kill before projection did not complete** (see the failures below).\n'
    : `**b. Between commits and their projection.** 24 providers saving their listings (read, \`PUT\` with If-Match) through the restarted marketplace; the group was killed the moment the ${fmt(projectionCrashed.acknowledged)}th save was answered 200 (${projectionCrashed.attempts} attempt${projectionCrashed.attempts === 1 ? '' : 's'}; ${fmt(projectionCrashed.puts)} saves sent, the rest cut off).

| | |
|---|---|
| at the crash | ${fmt(projectionCrashed.staleAtCrash)} of ${fmt(projectionCrashed.listings)} listings' search entries differed from the listing (${fmt(projectionCrashed.staleAcknowledgedAtCrash)} of them saves already answered 200): committed, not yet projected |
| acknowledged saves lost | ${fmt(projectionCrashed.lostAcknowledged)} (each acknowledged version read back) |
| \`npm start\` again | serving in ${s1(projectionCrashed.restartReadyMs)} |
| projected | every one of them matched its listing ${s1(projectionCrashed.projectedAfterRestartMs)} after \`npm start\` again (${s1(projectionCrashed.projectedAfterReadyMs)} after it served): the consumer resumed from its checkpoint and the records were waiting in the stream |
| invariants | ${fmt(projectionCrashed.invariants.checks)} checks over all ${fmt(projectionCrashed.listings)} listings, ${projectionCrashed.invariants.violations.length} violated |
`
}
## Invariants, read from the table after each phase

| after | listings | placements | holding a place | of them offered from a waiting list | allocated cases | audit events read | search entries | waiting-list entries | done rounds | checks | violations |
|---|---|---|---|---|---|---|---|---|---|---|---|
${invariantRuns.map(({ phase, report: r }) => `| ${phase} | ${fmt(r.listings)} | ${fmt(r.placements)} | ${fmt(r.holdingPlacements)} | ${fmt(r.fromWaitingList)} | ${fmt(r.allocatedCases)} | ${fmt(r.auditEventsChecked)} | ${fmt(r.searchEntriesChecked)} | ${fmt(r.queueEntriesChecked)} | ${fmt(r.roundsChecked)} | ${fmt(r.checks)} | ${r.violations.length} |`).join('\n')}

Placements outnumber the 201s clients received: a listing update that raises the places
commissioned offers each freed place to the listing's waiting list at once (cases that got
\`no_available_place\` earlier), and those allocations are checked like the others.

Each pass reads every listing, every placement of every setting, the cases of every LA and the audit
of every case holding a place, and checks: no listing below zero; available = commissioned − filled −
held; filled + held ≤ commissioned; the listing's held count equals the placements holding its places
(after fuzzing, whose random decisions may name a declined setting, only that they fit); each holding
placement's case is allocated to exactly it and its audit has the \`case.allocated\` event for it; each
allocated case's placement exists and is its own; no case holds two places; every listing's search
entries are exactly those the listing projects to now (same keys, version, sort key, places); no
case holding a place is still on a waiting list; every round \`done\` has one outcome for each of its
cases; and every allocation a client was answered 201 for (${fmt(allPlaced.length)} by the end) is still the case's placement.
${failures.length > 0 ? `\n## Failures\n\n${failures.map((f) => `- ${f}`).join('\n')}\n` : ''}`;

if (REPORT !== '') {
  writeFileSync(REPORT, report);
  log(`wrote ${REPORT}`);
}
console.log(
  `\n${failures.length === 0 ? 'PASS' : `FAIL: ${failures.length} problems`}: ${fmt(served)} requests, ${fmt(totalChecks)} invariant checks, ${fmt(fuzzRun.cases)} fuzz cases, ${faults.filter((f) => f.survived).length}/${faults.length} faults survived`,
);
process.exit(failures.length === 0 ? 0 : 1);
