/**
 * The whole local marketplace killed outright (SIGKILL to its process group: the server and
 * DynamoDB Local's java) and started again with `npm start` over the same state folder, so the
 * table and the stream's checkpoint are kept:
 *  a. during an allocation round of thousands of cases: the round must finish by itself;
 *  b. right after a burst of listing saves, before the stream consumer has projected them all
 *     (the crash between a listing's commit and its search entries): after the restart every
 *     listing's search entries must match it again.
 * Where each kill landed is read from the table with DynamoDB Local alone (no consumer running),
 * so the report says what the restart had to repair. The invariants are read back after each.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devTokenAuthenticator } from '@placements/api';
import { createStore, type Store } from '@placements/store';
import {
  buildReferenceData,
  DEFAULT_SEED,
  freePort,
  readRuntime,
  startDynamoDbLocal,
  type RuntimeInfo,
} from '@placements/local';
import { checkInvariants, searchEntriesAgainstListings, type InvariantReport } from './invariants.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface CrashContext {
  repoRoot: string;
  /** A fresh folder for this marketplace's state (database, signing key, logs). */
  statePath: string;
  log: (line: string) => void;
  fail: (what: string) => void;
  roundCases: number;
}

export interface RoundCrashResult {
  cases: number;
  setupMs: number;
  listingsInRound: number;
  killedAfterMs: number;
  progressAtKill: string;
  headAtKill: string;
  killedPids: string;
  downMs: number;
  restartReadyMs: number;
  doneAfterRestartMs: number;
  doneAfterReadyMs: number;
  roundWallMs: number;
  summary: string;
  invariants: InvariantReport;
  settleMs: number;
  survived: boolean;
}

export interface ProjectionCrashResult {
  attempts: number;
  puts: number;
  acknowledged: number;
  lostAcknowledged: number;
  staleAtCrash: number;
  staleAcknowledgedAtCrash: number;
  listings: number;
  restartReadyMs: number;
  projectedAfterRestartMs: number;
  projectedAfterReadyMs: number;
  invariants: InvariantReport;
  survived: boolean;
}

/** A marketplace started as `npm start` starts it, in a process group of its own. */
interface Started {
  child: ChildProcess;
  pgid: number;
  runtime: RuntimeInfo;
  readyMs: number;
}

function env(statePath: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    STATE_DIR: statePath,
    // The generated SE19 data (as the in-process phases use), no mail catcher, no timed job.
    DATA_DIR: '',
    MAIL_CATCHER: '0',
    ESCALATION_INTERVAL_MINUTES: '0',
  };
}

/** Every process group started here, so a phase that throws leaves no marketplace behind. */
const startedGroups = new Set<number>();

/** Kills what a failed phase left running (only the groups this module started). */
export function killLeftovers(): void {
  for (const pgid of startedGroups) killGroup(pgid);
  startedGroups.clear();
}

async function npmStart(ctx: CrashContext, port: number, label: string): Promise<Started> {
  const logFile = join(ctx.statePath, `npm-start-${label}.log`);
  const out = openSync(logFile, 'a');
  const from = statSync(logFile).size;
  const t0 = performance.now();
  // detached: the child leads a new process group, which is what a crash takes down whole.
  const child = spawn('npm', ['start'], {
    cwd: ctx.repoRoot,
    detached: true,
    stdio: ['ignore', out, out],
    env: env(ctx.statePath, port),
  });
  closeSync(out);
  startedGroups.add(child.pid!);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (;;) {
    const text = readFileSync(logFile, 'utf8').slice(from);
    if (text.includes('The marketplace is serving at')) break;
    if (exited !== undefined) throw new Error(`npm start (${label}) exited with ${exited}:\n${text.slice(-2000)}`);
    if (performance.now() - t0 > 300_000) {
      killGroup(child.pid!);
      throw new Error(`npm start (${label}) was not serving after 300 s:\n${text.slice(-2000)}`);
    }
    await sleep(200);
  }
  const runtime = readRuntime(ctx.statePath);
  if (runtime === undefined) throw new Error(`npm start (${label}) is serving but wrote no runtime.json`);
  return { child, pgid: child.pid!, runtime, readyMs: performance.now() - t0 };
}

/** The processes of a group, as `ps` lists them (pid and command). */
function groupMembers(pgid: number): { pid: number; comm: string }[] {
  const ps = spawnSync('ps', ['-e', '-o', 'pid=,pgid=,comm='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && Number(f[1]) === pgid)
    .map((f) => ({ pid: Number(f[0]), comm: f.slice(2).join(' ') }));
}

function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Waits until no process of the group is left (java included). */
async function gone(pgid: number, ms = 30_000): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (groupMembers(pgid).filter((m) => m.comm !== '<defunct>').length === 0) return true;
    await sleep(100);
  }
  return false;
}

async function stopGracefully(s: Started): Promise<void> {
  killGroup(s.pgid, 'SIGTERM');
  if (!(await gone(s.pgid, 60_000))) killGroup(s.pgid);
  await gone(s.pgid);
}

const storeOf = (r: RuntimeInfo) => createStore({ tableName: r.tableName, endpoint: r.dynamoDbEndpoint });

/** With nothing but DynamoDB Local over the state folder (no server, no consumer): what the crash left. */
async function atTheCrash<T>(ctx: CrashContext, tableName: string, read: (store: Store) => Promise<T>): Promise<T> {
  // A long wait to answer: java starting over a large table on a shared, busy machine.
  const ddb = await startDynamoDbLocal({ dbPath: join(ctx.statePath, 'dynamodb'), readyTimeoutMs: 300_000 });
  const store = createStore({ tableName, endpoint: ddb.endpoint });
  try {
    return await read(store);
  } finally {
    store.db.destroy();
    await ddb.stop();
  }
}

/**
 * Invariants once the restarted marketplace has settled: derived data follows the stream, so a
 * pass that finds a stale search entry or a queue entry of a placed case is repeated (up to
 * `ms`); what is still wrong then is a violation.
 */
async function settledInvariants(
  store: Store,
  las: string[],
  ms: number,
): Promise<{ report: InvariantReport; settleMs: number }> {
  const t0 = performance.now();
  for (;;) {
    const report = await checkInvariants(store, las);
    if (report.violations.length === 0 || performance.now() - t0 > ms)
      return { report, settleMs: performance.now() - t0 };
    await sleep(1000);
  }
}

async function call(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(typeof body === 'string'
            ? { 'content-type': 'text/csv' }
            : body !== undefined
              ? { 'content-type': 'application/json' }
              : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await res.text();
      if ((res.status === 503 || res.status === 429) && attempt < 5) {
        await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
        continue;
      }
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(1000);
    }
  }
}

/** a. The process group killed during a round; npm start again; the round finishes by itself. */
export async function roundCrash(ctx: CrashContext): Promise<RoundCrashResult> {
  const { log, fail } = ctx;
  mkdirSync(ctx.statePath, { recursive: true });
  const secret = 'reliability-crash-0123456789abcdef0123456789';
  // The key npm start keeps with its data: written first, so this script can mint tokens too.
  writeFileSync(join(ctx.statePath, 'dev-token-secret'), secret, { mode: 0o600 });
  const auth = devTokenAuthenticator(secret);
  const port = await freePort();
  const data = buildReferenceData({ seed: DEFAULT_SEED });
  const las = data.las.map((l) => l.laCode);
  const kent = 'E10000016';
  const la = (await auth.mint({ sub: 'reliability-crash-kent', role: 'la', org: kent })).token;

  log(`round crash: npm start on port ${port} (state in ${ctx.statePath})…`);
  let started = await npmStart(ctx, port, 'first');
  const base = started.runtime.url;
  log(`  serving in ${secs(started.readyMs)} (pid ${started.pgid})`);

  // The cohort, through the API as the LA: one case per district and need opened singly, its
  // tailored list read and preferences recorded; the rest uploaded as CSV (POST /cases:bulk)
  // with the same needs, districts and preferences.
  const setupStarted = performance.now();
  const districts = data.districts.filter((d) => d.laCode === kent).map((d) => d.district);
  const combos: { needs: 'ASD' | 'SEMH'; district: string; ranked: string[]; list: string[] }[] = [];
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      const mine = districts
        .flatMap((d) => (['ASD', 'SEMH'] as const).map((need) => ({ d, need })))
        .filter((_, i) => i % 4 === worker);
      for (const { d, need } of mine) {
        if (ids.length >= ctx.roundCases) return;
        const opened = await call(base, la, 'POST', '/cases', {
          ref: `CRASH-${need}-${d}`,
          needs: [need],
          band: 'S3',
          age: 9,
          homeDistrict: d,
        });
        if (opened.status !== 201) throw new Error(`POST /cases: ${opened.status} ${JSON.stringify(opened.body)}`);
        const list = await call(base, la, 'GET', `/cases/${opened.body.id}/tailored-list`);
        const entries = (list.body?.included ?? []) as {
          setting: { urn: string };
          group: string;
          placeNow: boolean;
        }[];
        const specialist = [
          ...new Set(
            entries
              .filter((e) => e.group !== 'mainstream')
              .map((e) => e.setting.urn)
              .filter((urn) => data.settings.find((s) => s.urn === urn)?.needs.includes(need)),
          ),
        ];
        const ranked = specialist.slice(0, 3);
        if (ranked.length === 0) continue;
        const prefs = await call(base, la, 'PUT', `/cases/${opened.body.id}/preferences`, {
          holder: 'parent',
          ranked,
        });
        if (prefs.status !== 200) throw new Error(`PUT preferences: ${prefs.status} ${JSON.stringify(prefs.body)}`);
        ids.push(opened.body.id);
        combos.push({ needs: need, district: d, ranked, list: specialist.slice(0, 12) });
      }
    }),
  );
  if (combos.length === 0) throw new Error('no Kent case had a specialist setting on its tailored list');
  // Places for the round: each setting the cohort can rank publishes a listing of 150 (as its provider).
  const wanted = [...new Set(combos.flatMap((c) => c.list))];
  let published = 0;
  await Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      for (const [i, urn] of wanted.entries()) {
        if (i % 4 !== worker) continue;
        const s = data.settings.find((x) => x.urn === urn)!;
        const provider = (
          await auth.mint({ sub: `reliability-crash-${s.providerId}`, role: 'provider', org: s.providerId })
        ).token;
        const res = await call(base, provider, 'PUT', `/settings/${urn}/listings/reliability-round`, {
          band: 'S3',
          needs: (['ASD', 'SEMH'] as const).filter((n) => s.needs.includes(n)),
          ageMin: s.ageMin,
          ageMax: s.ageMax,
          attendance: 'day',
          commissioned: 150,
          filled: 0,
          availableFrom: '2026-09-01',
        });
        if (res.status === 201 || res.status === 200) published++;
      }
    }),
  );
  // Each case ranks three of the settings on its list, in an order of its own.
  const rows = Array.from({ length: ctx.roundCases - ids.length }, (_, i) => {
    const c = combos[i % combos.length]!;
    const n = c.list.length;
    const ranked = [...new Set([0, 1, 2].map((k) => c.list[(i * 7 + k * 3) % n]!))];
    return `${c.needs},S3,9,${c.district},parent,${ranked.join(';')},false,CRASH-${i}`;
  });
  const parts: string[][] = [];
  for (let i = 0; i < rows.length; i += 100) parts.push(rows.slice(i, i + 100));
  await Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      for (const [i, part] of parts.entries()) {
        if (i % 4 !== worker) continue;
        const sheet = `needs,band,age,homeDistrict,holder,ranked,mainstreamRequested,ref\n${part.join('\n')}\n`;
        const res = await call(base, la, 'POST', '/cases:bulk', sheet, { 'idempotency-key': `crash-part-${i}` });
        if (res.status !== 200 || res.body.saved !== part.length)
          throw new Error(`POST /cases:bulk part ${i}: ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
        ids.push(...(res.body.cases as { id: string }[]).map((c) => c.id));
      }
    }),
  );
  const setupMs = performance.now() - setupStarted;
  log(
    `  ${ids.length} cases with preferences in ${secs(setupMs)} (${combos.length} opened singly, the rest in ${parts.length} CSV uploads); ${published} listings of 150 places published for them`,
  );

  // The round, then the kill once GET shows it running with some progress.
  const queued = await call(base, la, 'POST', '/allocation-rounds', {
    cases: ids,
    seed: 'reliability-crash',
    mechanism: 'serial_dictatorship',
  });
  const t202 = performance.now();
  if (queued.status !== 202)
    throw new Error(`POST /allocation-rounds: ${queued.status} ${JSON.stringify(queued.body)}`);
  const location = queued.headers.get('location')!;
  const roundId = queued.body.id as string;
  let seen: any;
  let lastDecided = 0;
  for (;;) {
    seen = (await call(base, la, 'GET', location)).body;
    if (seen.state === 'done' || seen.state === 'failed') break;
    // Mid-commit: some cases' chunks committed, not every listing's (or, failing that, any progress after a minute).
    const p = seen.progress;
    const committing = p.listings > 0 && p.listingsCommitted < p.listings && p.casesDecided < p.cases;
    if (seen.state === 'running' && committing && p.casesDecided > lastDecided && lastDecided > 0) break;
    if (seen.state === 'running' && committing) lastDecided = p.casesDecided;
    if (seen.state === 'running' && p.casesDecided > 0 && performance.now() - t202 > 60_000) break;
    if (performance.now() - t202 > 600_000) throw new Error('the round showed no progress in 10 minutes');
    await sleep(100);
  }
  if (seen.state !== 'running') {
    fail(`round crash: the round was ${seen.state} before it could be killed; raise RELIABILITY_ROUND_CASES`);
  }
  const members = groupMembers(started.pgid);
  killGroup(started.pgid);
  const killedAt = performance.now();
  const killedAfterMs = killedAt - t202;
  const progressAtKill = `${seen.progress.casesDecided} of ${seen.progress.cases} cases decided, ${seen.progress.listingsCommitted} of ${seen.progress.listings} listings committed`;
  const killedPids = members.map((m) => `${m.comm} ${m.pid}`).join(', ');
  if (!(await gone(started.pgid))) fail(`round crash: processes of group ${started.pgid} outlived SIGKILL`);
  log(
    `  killed (SIGKILL to process group ${started.pgid}: ${killedPids}) ${secs(killedAfterMs)} after the 202; GET showed ${progressAtKill}`,
  );

  // What the crash left, read with DynamoDB Local alone.
  const headAtKill = await atTheCrash(ctx, started.runtime.tableName, async (store) => {
    const head = (await store.rounds.head(kent, roundId)) as any;
    const commits = await store.rounds.commits(kent, roundId, head?.run ?? 0);
    return `${head?.state}, phase ${head?.phase}, run ${head?.run ?? 0}, ${commits.size} listing chunks committed (checkpoints), lease until ${head?.leaseUntil ? new Date(head.leaseUntil).toISOString().slice(11, 19) : 'none'}`;
  });
  log(`  the table at the kill: round ${headAtKill}`);

  const restartAt = performance.now();
  started = await npmStart(ctx, port, 'after-round-kill');
  const downMs = restartAt - killedAt;
  log(`  npm start again: serving in ${secs(started.readyMs)}`);
  const readyAt = performance.now();
  for (;;) {
    seen = (await call(started.runtime.url, la, 'GET', location)).body;
    if (seen.state === 'done' || seen.state === 'failed') break;
    if (performance.now() - restartAt > 900_000) break;
    await sleep(250);
  }
  const doneAt = performance.now();
  const survivedRound = seen.state === 'done';
  if (!survivedRound)
    fail(`round crash: after the restart the round is ${seen.state}: ${JSON.stringify(seen).slice(0, 300)}`);
  const outcomes = (seen.outcomes ?? []) as { outcome: string }[];
  const summary = seen.summary
    ? `${seen.summary.allocated} allocated (${seen.summary.firstPreference} first preference), ${seen.summary.unallocated} waiting, ${seen.summary.notEligible} not eligible; re-runs ${seen.reruns ?? 0}; ${outcomes.length} outcomes`
    : 'no summary';
  log(
    `  the round is ${seen.state} ${secs(doneAt - restartAt)} after npm start again (${secs(doneAt - readyAt)} after it served): ${summary}`,
  );
  if (outcomes.length !== ids.length) fail(`round crash: ${outcomes.length} outcomes for ${ids.length} cases`);

  const store = storeOf(started.runtime);
  const { report, settleMs } = await settledInvariants(store, las, 120_000);
  store.db.destroy();
  for (const v of report.violations.slice(0, 20)) fail(`invariant after the round crash: ${v}`);
  if (report.roundsChecked === 0) fail('round crash: no done round was checked');
  log(
    `  invariants: ${report.checks} checks (${report.roundsChecked} rounds, ${report.searchEntriesChecked} search entries, ${report.queueEntriesChecked} queue entries), ${report.violations.length} violations`,
  );
  await stopGracefully(started);
  return {
    cases: ids.length,
    setupMs,
    listingsInRound: seen.progress?.listings ?? 0,
    killedAfterMs,
    progressAtKill,
    headAtKill,
    killedPids,
    downMs,
    restartReadyMs: started.readyMs,
    doneAfterRestartMs: doneAt - restartAt,
    doneAfterReadyMs: doneAt - readyAt,
    roundWallMs: killedAfterMs + (doneAt - readyAt),
    summary,
    invariants: report,
    settleMs,
    survived: survivedRound && report.violations.length === 0 && outcomes.length === ids.length,
  };
}

/**
 * b. The group killed the moment the burst's `killAfter`-th listing save is acknowledged: saves
 * committed in the table whose stream records the consumer has not yet projected.
 */
export async function projectionCrash(ctx: CrashContext): Promise<ProjectionCrashResult> {
  const { log, fail } = ctx;
  // After the round crash the folder holds its data and key; on its own, a fresh folder and key.
  mkdirSync(ctx.statePath, { recursive: true });
  const keyFile = join(ctx.statePath, 'dev-token-secret');
  if (!existsSync(keyFile)) writeFileSync(keyFile, 'reliability-crash-0123456789abcdef0123456789', { mode: 0o600 });
  const secret = readFileSync(keyFile, 'utf8').trim();
  const auth = devTokenAuthenticator(secret);
  const port = await freePort();
  const data = buildReferenceData({ seed: DEFAULT_SEED });
  const las = data.las.map((l) => l.laCode);
  const providers = await Promise.all(
    data.settings
      .filter((s) => s.listings.length > 0)
      .slice(0, 200)
      .map(async (s) => ({
        urn: s.urn,
        token: (await auth.mint({ sub: `reliability-crash-${s.providerId}`, role: 'provider', org: s.providerId }))
          .token,
      })),
  );
  const acknowledged = new Map<string, number>();
  let staleAtCrash = 0;
  let staleAcknowledged = 0;
  let lost = 0;
  let puts = 0;
  let attempts = 0;
  let staleKeys = new Set<string>();
  let started: Started | undefined;
  for (const killAfter of [150, 60, 20]) {
    attempts++;
    started = await npmStart(ctx, port, `projection-${attempts}`);
    log(
      `projection crash ${attempts}: serving in ${secs(started.readyMs)}; 24 providers saving listings, killed at the ${killAfter}th 200…`,
    );
    const base = started.runtime.url;
    const queue = [...providers];
    let killed = false;
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        for (let p = queue.shift(); p !== undefined && !killed; p = queue.shift()) {
          try {
            const s = await fetch(`${base}/settings/${p.urn}`, { headers: { authorization: `Bearer ${p.token}` } });
            const setting = (await s.json()) as any;
            const l = setting.listings[0];
            const body = {
              band: l.band,
              needs: l.needs,
              ageMin: l.ageMin,
              ageMax: l.ageMax,
              attendance: l.attendance,
              commissioned: l.commissioned + 1,
              filled: l.filled,
              availableFrom: l.availableFrom,
              ...(l.variationReason ? { price: l.price, variationReason: l.variationReason } : {}),
            };
            if (killed) return;
            puts++;
            const res = await fetch(`${base}/settings/${p.urn}/listings/${l.listingId}`, {
              method: 'PUT',
              headers: {
                authorization: `Bearer ${p.token}`,
                'content-type': 'application/json',
                'if-match': String(l.version),
              },
              body: JSON.stringify(body),
            });
            const saved = (await res.json()) as any;
            if (killed) return;
            if (res.status === 200) {
              acknowledged.set(`${p.urn}#${l.listingId}`, saved.version);
              if (acknowledged.size >= killAfter) {
                // The crash: the answer has just gone out; its stream record may not be projected yet.
                killed = true;
                killGroup(started!.pgid);
              }
            }
          } catch {
            // the marketplace is gone: this save's outcome is unknown, and not counted
          }
        }
      }),
    );
    if (!killed) killGroup(started.pgid);
    if (!(await gone(started.pgid))) fail(`projection crash: processes of group ${started.pgid} outlived SIGKILL`);
    const at = await atTheCrash(ctx, started.runtime.tableName, async (store) => {
      const search = await searchEntriesAgainstListings(store);
      let lostNow = 0;
      let staleAck = 0;
      for (const [k, version] of acknowledged) {
        const [urn, listingId] = k.split('#') as [string, string];
        const s = await store.settings.getSetting(urn, { consistent: true });
        const l = s?.listings.find((x) => x.listingId === listingId);
        if (l === undefined || l.version < version) lostNow++;
        if (search.staleKeys.includes(k)) staleAck++;
      }
      return {
        stale: search.stale.length,
        staleKeys: search.staleKeys,
        lost: lostNow,
        staleAck,
        listings: search.listings,
      };
    });
    staleAtCrash = at.stale;
    staleKeys = new Set(at.staleKeys);
    staleAcknowledged = at.staleAck;
    lost = at.lost;
    log(
      `  killed after ${acknowledged.size} saves acknowledged (${puts} sent); at the crash ${at.stale} of ${at.listings} listings' search entries differ from the listing (${at.staleAck} of them acknowledged saves), ${at.lost} acknowledged saves missing`,
    );
    if (at.stale > 0) break;
  }
  if (staleAtCrash === 0) fail('projection crash: no kill landed between a commit and its projection in 3 tries');
  if (lost > 0) fail(`projection crash: ${lost} acknowledged listing saves were lost`);

  const restartAt = performance.now();
  started = await npmStart(ctx, port, 'after-projection-kill');
  const readyAt = performance.now();
  const store = storeOf(started.runtime);
  // Polls the listings the crash left unprojected until each matches, then checks every listing.
  let remaining = Number.POSITIVE_INFINITY;
  while (performance.now() - readyAt < 120_000) {
    remaining = (await searchEntriesAgainstListings(store, undefined, staleKeys)).stale.length;
    if (remaining === 0) break;
    await sleep(100);
  }
  const projectedAt = performance.now();
  const whole = await searchEntriesAgainstListings(store);
  const listings = whole.listings;
  remaining += whole.stale.length;
  if (remaining > 0)
    fail(`projection crash: ${remaining} listings' search entries still differ 120 s after the restart`);
  log(
    `  npm start again: serving in ${secs(started.readyMs)}; every listing's search entries match it ${secs(projectedAt - restartAt)} after the restart (${secs(projectedAt - readyAt)} after it served)`,
  );
  const { report } = await settledInvariants(store, las, 60_000);
  store.db.destroy();
  for (const v of report.violations.slice(0, 20)) fail(`invariant after the projection crash: ${v}`);
  log(`  invariants: ${report.checks} checks, ${report.violations.length} violations`);
  await stopGracefully(started);
  return {
    attempts,
    puts,
    acknowledged: acknowledged.size,
    lostAcknowledged: lost,
    staleAtCrash,
    staleAcknowledgedAtCrash: staleAcknowledged,
    listings,
    restartReadyMs: started.readyMs,
    projectedAfterRestartMs: projectedAt - restartAt,
    projectedAfterReadyMs: projectedAt - readyAt,
    invariants: report,
    survived: remaining === 0 && lost === 0 && staleAtCrash > 0 && report.violations.length === 0,
  };
}
