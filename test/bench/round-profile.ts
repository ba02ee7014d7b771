/**
 * Where a background allocation round's time goes: the round of bench:allocation (10,000 cases over
 * 2,000 listings by default; ROUND_CASES / ROUND_LISTINGS to scale it) run by the worker with the
 * stream consumer beside it, as `npm start` runs them, on DynamoDB Local. Counts every DynamoDB
 * call by phase (the round head's phase as the worker sets it) and by who made it (the worker, or
 * the stream consumer and its handlers), and times each phase. Call counts do not depend on the
 * machine's load, so they compare two versions of the code fairly on a shared machine.
 *   node scripts/dev.mjs run test/bench/round-profile.ts
 */
import { loadavg } from 'node:os';
import { seededRandom } from '@placements/domain';
import {
  backgroundRoundJobs,
  createApp,
  devTokenAuthenticator,
  ROUND_ITEM_TYPES,
  STREAM_ITEM_TYPES,
  streamHandlers,
} from '@placements/api';
import { createStore, enableStream, ensureTable, loadReferenceData } from '@placements/store';
import { localStreamConsumer } from '@placements/store/stream/local-stream';
import { buildReferenceData, SE19_ID, startDynamoDbLocal } from '@placements/local';
import { roundCases, roundMarket, roundNotifications } from './round-inputs.ts';

const ROUND_CASES = Number(process.env.ROUND_CASES ?? 10_000);
const ROUND_LISTINGS = Number(process.env.ROUND_LISTINGS ?? 2_000);
const LIMIT_MS = Number(process.env.ROUND_LIMIT_S ?? 600) * 1000;
const ddb = await startDynamoDbLocal({ javaHeap: '2g', readyTimeoutMs: 300_000 });
const auth = devTokenAuthenticator('bench-key-0123456789abcdef0123456789');
const reference = buildReferenceData({});
const las = reference.las.map((l) => l.laCode);
const rnd = seededRandom(2026);

/** Case ids from the seeded generator: the same cases, and so the same lottery, in every run. */
const caseId = () => {
  const h = Array.from({ length: 32 }, () => rnd.int(0, 15).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const TABLE = 'profile-round';
const config = { tableName: TABLE, endpoint: ddb.endpoint, requestTimeoutMs: 30_000 };
const worker = createStore(config);
const stream = createStore(config);
// Not counted: the benchmark's own polling of the round.
const poller = createStore(config);
let phase = 'setup';
const phaseMs = new Map<string, number>();
let phaseStart = performance.now();
const setPhase = (p: string) => {
  if (p === phase) return;
  phaseMs.set(phase, (phaseMs.get(phase) ?? 0) + performance.now() - phaseStart);
  console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s: ${phase} -> ${p}`);
  phase = p;
  phaseStart = performance.now();
};
const stats = new Map<string, { calls: number; items: number; ms: number }>();
for (const [who, store] of [
  ['worker', worker],
  ['stream', stream],
] as const) {
  store.db.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        TransactItems?: unknown[];
        RequestItems?: Record<string, unknown[] | { Keys: unknown[] }>;
      };
      // Items written or read: a transaction's actions, a batch's requests, one for anything else.
      const items =
        input.TransactItems?.length ??
        (input.RequestItems
          ? Object.values(input.RequestItems).reduce((n, v) => n + (Array.isArray(v) ? v.length : v.Keys.length), 0)
          : 1);
      const k = `${phase}\t${who}\t${context.commandName}`;
      const s = stats.get(k) ?? { calls: 0, items: 0, ms: 0 };
      stats.set(k, s);
      s.calls++;
      s.items += items;
      const t = performance.now();
      try {
        return await next(args);
      } finally {
        s.ms += performance.now() - t;
      }
    },
    { step: 'initialize', name: 'profileCounter' },
  );
}
// The worker's own phase, as it writes it to the round's head.
const update = worker.rounds.update;
worker.rounds.update = async (org, id, owner, set, remove) => {
  if (typeof set.phase === 'string') setPhase(set.phase);
  if (set.state === 'done') setPhase('done');
  return update(org, id, owner, set, remove);
};

const settings = roundMarket(reference, ROUND_LISTINGS / 5, () => rnd.int(1, 7));
await ensureTable(worker.db, TABLE, undefined, { stream: false });
await loadReferenceData(worker.db, TABLE, { ...reference, settings }, { source: 'generated', seed: 2026 });
const theCases = roundCases(ROUND_CASES, settings, las, rnd, caseId);
await worker.cases.importCases(theCases, { sub: 'bench', role: 'system', org: 'bench' });
await enableStream(worker.db, TABLE);
const jobs = backgroundRoundJobs({ store: worker, auth }, (line) => console.log(`  worker: ${line}`));
const consumer = localStreamConsumer({
  db: stream.db,
  tableName: TABLE,
  endpoint: ddb.endpoint,
  handlers: [...streamHandlers({ store: stream, auth }), jobs.handler, roundNotifications(stream)],
  itemTypes: [...STREAM_ITEM_TYPES, ...ROUND_ITEM_TYPES, 'audit'],
});
const app = createApp({ store: worker, auth });
consumer.start();
const se19 = (await auth.mint({ sub: 'bench-se19', role: 'partnership', org: SE19_ID })).token;
const t0 = performance.now();
setPhase('request');
const res = await app.request('/allocation-rounds', {
  method: 'POST',
  headers: { authorization: `Bearer ${se19}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    cases: theCases.map((c) => ({ laCode: c.laCode, id: c.id })),
    seed: 'bench-2026',
    mechanism: 'serial_dictatorship',
  }),
});
const queued = (await res.json()) as { id: string };
if (res.status !== 202) throw new Error(`round: ${res.status}`);
setPhase('queued');
const load0 = loadavg()[0];
let body: { state: string; timings?: Record<string, number>; summary?: unknown; progress?: unknown } = {
  state: 'queued',
};
while (performance.now() - t0 < LIMIT_MS) {
  await new Promise((r) => setTimeout(r, 250));
  body = ((await poller.rounds.head(SE19_ID, queued.id).catch(() => undefined)) ?? body) as typeof body;
  if (body.state === 'done' || body.state === 'failed') break;
}
const roundMs = performance.now() - t0;
setPhase('drain');
// The stream's backlog left when the round is done (its projections and queue records).
const drained = await consumer.drain(300_000).catch(() => -1);
const handledTotal = consumer.handled;
setPhase('end');
const drainMs = phaseMs.get('drain') ?? 0;
jobs.stop();
await consumer.stop();
await ddb.stop();
const final = await Promise.resolve(body);
const { attempts, lastError } = body as { attempts?: number; lastError?: string };
if (attempts) console.log(`the worker failed ${attempts} time(s) and resumed; last error: ${lastError}`);
console.log(
  `\nround of ${ROUND_CASES} cases over ${ROUND_LISTINGS} listings: ${final.state} in ${(roundMs / 1000).toFixed(1)} s from the request; worker timings ${JSON.stringify(final.timings)}; summary ${JSON.stringify(final.summary)}`,
);
console.log(
  `stream backlog after done: ${drained} changes, drained in ${(drainMs / 1000).toFixed(1)} s; load average at queue ${load0?.toFixed(2)}, now ${loadavg()[0]?.toFixed(2)}`,
);
console.log(`\nphase\tms\n${[...phaseMs].map(([p, ms]) => `${p}\t${ms.toFixed(0)}`).join('\n')}`);
console.log('\nphase\twho\tcommand\tcalls\titems\tms (summed over concurrent calls)');
for (const [k, v] of [...stats].sort()) console.log(`${k}\t${v.calls}\t${v.items}\t${v.ms.toFixed(0)}`);
const cpu = process.cpuUsage();
console.log(
  `\nthis process's CPU: user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s; stream changes handled ${handledTotal}`,
);
process.exit(0);
