import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  caseContribution,
  counterChange,
  listingContribution,
  logicalKey,
  placementContribution,
  type Placement,
  type SettingWithListings,
} from '@placements/domain';
import { createDocumentClient, createStore, keys } from '@placements/store';
import { backgroundRoundJobs, type Deps, runRoundJob } from '@placements/api';
import { LEASE_MS, MAX_RERUNS } from '../../packages/api/src/services/round-worker.ts';
import { withTwoLaOfficers, type SeededApp } from '../support/store.ts';

/**
 * The allocation round's worker when things go wrong: DynamoDB failing under it (forced with
 * aws-sdk-client-mock, every other call going to the real DynamoDB Local table), a listing that
 * keeps changing, another worker holding or taking over the round. The coordinator sees a round
 * that ends (done or failed, with a reason), and no place is ever given twice or half-written.
 */
const TODAY = new Date('2026-11-22T10:00:00Z');
const KENT = 'E10000016';
let t: SeededApp;
let kent: string;
withTwoLaOfficers(
  () => TODAY,
  (s) => ({ t, kent } = s),
);

/** The index-th setting that takes SLD at 11, given one S2 SLD listing with `places` free places. */
async function listingAt(index: number, listingId: string, places: number): Promise<SettingWithListings> {
  const s = t.data.settings.filter(
    (x) =>
      x.needs.includes('SLD') &&
      x.ageMin <= 11 &&
      x.ageMax >= 11 &&
      x.type !== 'independent_special' &&
      !x.listings.some((l) => l.band === 'S2' && l.needs.includes('SLD')),
  )[index]!;
  const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
  const res = await t.put(`/settings/${s.urn}/listings/${listingId}`, provider, {
    band: 'S2',
    needs: ['SLD'],
    ageMin: s.ageMin,
    ageMax: s.ageMax,
    attendance: 'day',
    commissioned: places,
    filled: 0,
    availableFrom: '2026-09-01',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return s;
}

async function openCase(ref: string, urn: string): Promise<string> {
  const c = await t.post('/cases', kent, { ref, needs: ['SLD'], band: 'S2', age: 11, homeDistrict: 'ME14' });
  expect((await t.put(`/cases/${c.body.id}/preferences`, kent, { holder: 'parent', ranked: [urn] })).status).toBe(200);
  return c.body.id;
}

/** A round posted and left queued: its worker is run by hand below, as the stream consumer would run it. */
async function queued(cases: string[], seed: string): Promise<string> {
  const res = await t.request('/allocation-rounds', {
    method: 'POST',
    token: kent,
    drain: false,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cases, seed }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id;
}

/**
 * The index-th such setting with a listing of `places` places, a case preferring it for each of
 * `refs`, and a round of those cases left queued; the listing's id is also the round's seed.
 */
async function queuedRound(index: number, listingId: string, places: number, refs: string[]) {
  const s = await listingAt(index, listingId, places);
  const ids: string[] = [];
  for (const ref of refs) ids.push(await openCase(ref, s.urn));
  return { s, ids, id: await queued(ids, listingId) };
}

const COMMANDS = [
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  DeleteCommand,
  BatchGetCommand,
  BatchWriteCommand,
  TransactWriteCommand,
] as const;
type Intercept = (command: (typeof COMMANDS)[number]['name'], input: any) => Promise<void> | void;

/** The API's dependencies over a client that calls `intercept` first (to fail, or to race), then the real table. */
function depsWith(intercept: Intercept): { deps: Deps; mock: ReturnType<typeof mockClient> } {
  const real = t.store.db;
  const db = createDocumentClient({ tableName: t.store.tableName, endpoint: 'http://127.0.0.1:1' });
  const mock = mockClient(db);
  for (const Command of COMMANDS)
    mock.on(Command as any).callsFake(async (input: any) => {
      await intercept(Command.name, input);
      return real.send(new (Command as any)(input));
    });
  return { deps: { ...t.deps, store: createStore({ tableName: t.store.tableName }, db) }, mock };
}

const isRoundCommit = (command: string, input: any) =>
  command === 'TransactWriteCommand' && input.TransactItems?.some((i: any) => i.Put?.Item?.itemType === 'round_commit');

const caseState = async (id: string) => (await t.store.cases.getCases([{ laCode: KENT, id }])).get(`${KENT}#${id}`);
const listingOf = async (urn: string, listingId: string) =>
  (await t.ownSetting(urn)).body.listings.find((l: any) => l.listingId === listingId);

describe('the round worker when DynamoDB keeps failing', () => {
  it('retries, keeping the error, and after five attempts marks the round failed, with nothing half-written', {
    timeout: 180_000,
  }, async () => {
    const { s, ids, id } = await queuedRound(0, 'fails', 2, ['FAIL-1', 'FAIL-2']);
    // An internal error on every commit: a fault DynamoDB Local never produces.
    const { deps, mock } = depsWith((command, input) => {
      if (isRoundCommit(command, input))
        throw Object.assign(new Error('We currently do not have sufficient capacity'), {
          name: 'InternalServerError',
          $fault: 'server',
        });
    });
    for (let attempt = 1; attempt <= 4; attempt++) {
      // The batch is retried (the event source mapping's retry), each time from the checkpoints.
      await expect(runRoundJob(deps, KENT, id, { owner: `worker-${attempt}` })).rejects.toThrow();
      const head = await t.store.rounds.head(KENT, id);
      expect(head).toMatchObject({ state: 'running', attempts: attempt, leaseUntil: 0 });
      // Kept as the store's own words for it, for whoever looks at the round's record.
      expect(head!.lastError).toMatch(/The placement store is not answering just now/);
    }
    expect(await runRoundJob(deps, KENT, id, { owner: 'worker-5' })).toBe('failed');
    expect(mock.commandCalls(TransactWriteCommand).length).toBeGreaterThanOrEqual(5);
    // Failed stays failed: a later worker leaves it alone.
    expect(await runRoundJob(t.deps, KENT, id, { owner: 'worker-6' })).toBe('failed');
    const round = (await t.request(`/allocation-rounds/${id}`, { token: kent })).body;
    expect(round).toMatchObject({ id, state: 'failed' });
    expect(round.error).toMatch(/stopped after repeated failures.*Run the remaining cases again/);
    expect(round.outcomes).toBeUndefined();
    // No place was given: both cases are open, the listing holds nothing.
    for (const c of ids) expect((await caseState(c))!.state).toBe('open');
    expect(await listingOf(s.urn, 'fails')).toMatchObject({ available: 2, held: 0 });
    // And no longer listed among the active rounds a restarted marketplace resumes.
    expect((await t.store.rounds.active()).map((r) => r.id)).not.toContain(id);
  });
});

describe('the round worker when a listing keeps changing under it', () => {
  it(`gives up on the case after ${MAX_RERUNS} re-runs, saying why, and a worker resumed after the commits reports the same`, {
    timeout: 180_000,
  }, async () => {
    const { s, ids, id } = await queuedRound(1, 'churn', 6, ['CHURN-1']);
    let raced = 0;
    let outcomesFailed = false;
    const { deps } = depsWith(async (command, input) => {
      // Just before each of the round's commits, the provider changes the listing's needs (SLD always among them).
      if (isRoundCommit(command, input)) {
        const needs = [
          ['SLD', 'PMLD'],
          ['SLD', 'MLD'],
          ['SLD', 'PMLD', 'MLD'],
          ['SLD', 'ASD'],
        ][raced++ % 4];
        await t.store.db.send(
          new UpdateCommand({
            TableName: t.store.tableName,
            Key: keys.listing(s.urn, 'churn'),
            UpdateExpression: 'SET needs = :needs, version = version + :one',
            ExpressionAttributeValues: { ':needs': needs, ':one': 1 },
          }),
        );
      }
      // And the worker dies writing the report, once.
      if (!outcomesFailed && command === 'PutCommand' && input.Item?.itemType === 'round_outcomes') {
        outcomesFailed = true;
        throw Object.assign(new Error('connection reset'), { name: 'TimeoutError' });
      }
    });
    await expect(runRoundJob(deps, KENT, id, { owner: 'first' })).rejects.toThrow();
    // Each run's commit was beaten: run 0 and the three re-runs.
    expect(raced).toBe(MAX_RERUNS + 1);
    expect(await t.store.rounds.head(KENT, id)).toMatchObject({
      state: 'running',
      phase: 'reporting',
      run: MAX_RERUNS,
    });
    // The next worker resumes at the report, reading the plans back rather than deciding again.
    expect(await runRoundJob(deps, KENT, id, { owner: 'second' })).toBe('done');
    expect(raced).toBe(MAX_RERUNS + 1);
    const round = (await t.request(`/allocation-rounds/${id}`, { token: kent })).body;
    expect(round).toMatchObject({
      state: 'done',
      reruns: MAX_RERUNS,
      summary: { cases: 1, allocated: 0, unallocated: 1 },
    });
    expect(round.outcomes).toEqual([
      expect.objectContaining({
        caseId: ids[0],
        outcome: 'unallocated',
        explanation: expect.stringMatching(
          /Not committed: the listing kept changing while the round ran; allocate this case again\.$/,
        ),
      }),
    ]);
    expect(round.outcomes[0].placementId).toBeUndefined();
    // The case holds no place, and the listing gave none.
    expect((await caseState(ids[0]!))!.state).not.toBe('allocated');
    expect(await listingOf(s.urn, 'churn')).toMatchObject({ available: 6, held: 0, needs: ['SLD', 'ASD'] });
  });
});

describe('the round worker and other workers', () => {
  it('answers missing for a round that does not exist', async () => {
    expect(await runRoundJob(t.deps, KENT, 'no-such-round')).toBe('missing');
  });

  it('leaves a round another worker holds, and takes it over once that worker’s lease runs out', {
    timeout: 180_000,
  }, async () => {
    const { ids, id } = await queuedRound(2, 'leased', 1, ['LEASE-1']);
    expect(await t.store.rounds.lease(KENT, id, 'other', LEASE_MS, { state: 'running' })).toBe(true);
    expect(await runRoundJob(t.deps, KENT, id, { owner: 'mine' })).toBe('busy');
    expect((await caseState(ids[0]!))!.state).toBe('open');
    // The other worker died: its lease runs out (shortened here) and the next worker finishes the round.
    expect(await t.store.rounds.lease(KENT, id, 'other', 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(await runRoundJob(t.deps, KENT, id, { owner: 'mine' })).toBe('done');
    expect((await caseState(ids[0]!))!.state).toBe('allocated');
  });

  it('stops without finishing when another worker takes its lease mid-run, and the round still ends with one place each', {
    timeout: 180_000,
  }, async () => {
    const { s, ids, id } = await queuedRound(3, 'stolen', 2, ['STOLEN-1', 'STOLEN-2']);
    let stolen = false;
    const { deps } = depsWith(async (command, input) => {
      // As the first worker commits, it is presumed dead and another takes the round.
      if (!stolen && isRoundCommit(command, input)) {
        stolen = true;
        expect(
          await t.store.rounds.update(KENT, id, 'first', { leaseOwner: 'thief', leaseUntil: Date.now() + 1 }),
        ).toBe(true);
      }
    });
    expect(await runRoundJob(deps, KENT, id, { owner: 'first' })).toBe('busy');
    expect(stolen).toBe(true);
    // The first worker wrote no report: the round is not done.
    expect((await t.store.rounds.head(KENT, id))!.state).toBe('running');
    await new Promise((r) => setTimeout(r, 20));
    expect(await runRoundJob(t.deps, KENT, id, { owner: 'next' })).toBe('done');
    const round = (await t.request(`/allocation-rounds/${id}`, { token: kent })).body;
    expect(round.summary).toMatchObject({ cases: 2, allocated: 2 });
    expect(await listingOf(s.urn, 'stolen')).toMatchObject({ available: 0, held: 2 });
    for (const c of ids) expect((await caseState(c))!.state).toBe('allocated');
  });

  it('in the local marketplace: rounds left active are resumed at start, and one whose worker failed is tried again', {
    timeout: 180_000,
  }, async () => {
    const { ids, id } = await queuedRound(4, 'resumed', 1, ['RESUMED-1']);
    let failedOnce = false;
    const { deps } = depsWith((command, input) => {
      if (!failedOnce && isRoundCommit(command, input)) {
        failedOnce = true;
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      }
    });
    const logged: string[] = [];
    const jobs = backgroundRoundJobs(deps, (l) => logged.push(l));
    try {
      // As `npm start` does over kept data: the round left queued is found and run in the background.
      expect(await jobs.resumeActive()).toBe(1);
      await jobs.idle();
      // The stream hands on the head's older records (queued, running) after it is done: they start nothing.
      const head = { itemType: 'round', org: KENT, id, state: 'running' };
      await jobs.handler([
        { eventId: 'late', eventName: 'MODIFY', sequenceNumber: '1', newImage: head, oldImage: head },
      ]);
      await jobs.idle();
    } finally {
      jobs.stop();
    }
    expect(failedOnce).toBe(true);
    expect(logged).toEqual([
      expect.stringMatching(new RegExp(`^allocation round ${id} \\(${KENT}\\) stopped: .*; it will be resumed$`)),
      `allocation round ${id} (${KENT}): done`,
    ]);
    expect((await caseState(ids[0]!))!.state).toBe('allocated');
    expect(await t.store.rounds.active()).toEqual([]);
  });
});

describe('the round’s regional counters', () => {
  /** Every counter of these LAs, by LA and logical key (shards summed), as the sufficiency figures read them. */
  async function counters(las: string[]): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    for (const la of las) for (const c of await t.store.aggregates.countersOf(la)) out.set(`${la}|${c.key}`, c.values);
    return out;
  }

  it('move by exactly what the round placed and left waiting, once, even when a worker dies as each update is acknowledged', {
    timeout: 180_000,
  }, async () => {
    // Three cases on two one-place listings: two placed, one left waiting.
    const a = await listingAt(5, 'counted-a', 1);
    const b = await listingAt(6, 'counted-b', 1);
    const ids = [
      await openCase('COUNTED-1', a.urn),
      await openCase('COUNTED-2', a.urn),
      await openCase('COUNTED-3', b.urn),
    ];
    const id = await queued(ids, 'counted');
    const las = [...new Set([KENT, a.laCode, b.laCode])];
    const listing = async (s: SettingWithListings, listingId: string) =>
      (await t.store.settings.getSetting(s.urn, { consistent: true }))!.listings.find(
        (l) => l.listingId === listingId,
      )!;
    const casesBefore = await Promise.all(ids.map(caseState));
    const listingsBefore = [await listing(a, 'counted-a'), await listing(b, 'counted-b')];
    const before = await counters(las);

    // A worker writes the first batch of counters under `markers` (the commits', then the waiting
    // lists') and dies before hearing so; until that batch is applied the round is not past `phase`.
    const dyingAt = async (owner: string, markers: string, phase: string) => {
      let died = false;
      const { deps } = depsWith(async (command, input) => {
        if (
          !died &&
          command === 'TransactWriteCommand' &&
          input.TransactItems?.some(
            (i: any) => i.Put?.Item?.itemType === 'round_counters' && i.Put.Item.sk.startsWith(markers),
          )
        ) {
          died = true;
          await t.store.db.send(new TransactWriteCommand(input));
          throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
        }
      });
      await expect(runRoundJob(deps, KENT, id, { owner })).rejects.toThrow();
      expect(died).toBe(true);
      expect(await t.store.rounds.head(KENT, id)).toMatchObject({ state: 'running', phase });
      return deps;
    };
    await dyingAt('first', 'COUNTERS#0#', 'committing');
    const deps = await dyingAt('second', 'COUNTERS#W#', 'waiting_lists');
    expect(await runRoundJob(deps, KENT, id, { owner: 'third' })).toBe('done');

    const casesAfter = await Promise.all(ids.map(caseState));
    const placements = (await Promise.all(
      casesAfter.map((c) => (c?.activePlacementId ? t.store.cases.getPlacement(c.activePlacementId) : undefined)),
    )) as (Placement | undefined)[];
    expect(placements.filter(Boolean)).toHaveLength(2);
    const listingsAfter = [await listing(a, 'counted-a'), await listing(b, 'counted-b')];
    // What single allocations would have counted, from the items the round left.
    const expected = counterChange(
      ...ids.map((_, i) => ({ before: caseContribution(casesBefore[i]!), after: caseContribution(casesAfter[i]!) })),
      ...placements.flatMap((p) => (p ? [{ after: placementContribution(p) }] : [])),
      ...[a, b].map((s, i) => ({
        before: listingContribution(s.laCode, listingsBefore[i]!),
        after: listingContribution(s.laCode, listingsAfter[i]!),
      })),
    );
    const want = new Map<string, Record<string, number>>();
    for (const d of expected) {
      const k = `${d.la}|${logicalKey(d.key)}`;
      const m = want.get(k) ?? {};
      for (const [f, v] of Object.entries(d.add)) m[f] = Math.round(((m[f] ?? 0) + v) * 10) / 10;
      want.set(k, m);
    }
    const after = await counters(las);
    const moved = new Map<string, Record<string, number>>();
    for (const [k, values] of after) {
      const m = Object.fromEntries(
        Object.entries(values)
          .map(([f, v]) => [f, Math.round((v - (before.get(k)?.[f] ?? 0)) * 10) / 10] as const)
          .filter(([, v]) => v !== 0),
      );
      if (Object.keys(m).length > 0) moved.set(k, m);
    }
    const nonZero = new Map(
      [...want].map(([k, m]) => [k, Object.fromEntries(Object.entries(m).filter(([, v]) => v !== 0))] as const),
    );
    expect(moved).toEqual(new Map([...nonZero].filter(([, m]) => Object.keys(m).length > 0)));
    // Placements and the case left waiting counted once: the batch written before the worker
    // died was not written again.
    const sum = (prefix: string, field: string) =>
      [...moved].filter(([k]) => k.includes(`|${prefix}#`)).reduce((total, [, m]) => total + (m[field] ?? 0), 0);
    expect(sum('PLC', 'placements')).toBe(2);
    expect(casesAfter.filter((c) => c?.state === 'open' && Object.keys(c.waitingOn ?? {}).length > 0)).toHaveLength(1);
    expect(sum('DEM', 'waiting')).toBe(1);
  });
});
