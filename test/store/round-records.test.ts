import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Case } from '@placements/domain';
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createStore, dropTable, ensureTable, keys, MAX_TRANSACTION_ACTIONS, planRoundChunks } from '@placements/store';

// A round's plan and report on DynamoDB Local: outcomes kept gzipped in parts under the item size
// limit and read back whole, in order (and those written before they were packed, as they are);
// and the plan that cuts a listing's cases into transactions.

const tableName = `round-records-${Date.now()}`;
const store = createStore({ tableName, endpoint: inject('dynamoDbEndpoint') });
beforeAll(async () => {
  await ensureTable(store.db, tableName);
});
afterAll(async () => {
  await dropTable(store.db, tableName);
});

/** Outcomes as a round reports them: each names its case, listing and why. */
const outcomesOf = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    caseId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    laCode: 'E10000016',
    outcome: i % 4 === 0 ? 'unallocated' : 'allocated',
    ...(i % 4 === 0 ? {} : { urn: String(100000 + (i % 700)), listingId: `l${i % 5}`, rank: 1 + (i % 3) }),
    explanation: `Preference ${1 + (i % 3)} had a place free on the day of the round; cases with an earlier priority took the others.`,
  }));

describe('a round’s plan and report', () => {
  it('keeps every outcome of a 10,000-case round in order, gzipped in a handful of parts each well under the item limit', async () => {
    const outcomes = outcomesOf(10_000);
    const parts = await store.rounds.putOutcomes('E10000016', 'r1', outcomes);
    expect(await store.rounds.outcomes('E10000016', 'r1')).toEqual(outcomes);
    // 250 an item unpacked took 40 items of about 100 KB; packed, 10 items of a few KB.
    expect(parts).toBe(10);
    const items = await store.db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.round('E10000016', 'r1').pk },
      }),
    );
    const sizes = (items.Items ?? []).map((i) => (i.packed as Uint8Array).length);
    expect(sizes).toHaveLength(10);
    expect(Math.max(...sizes)).toBeLessThan(JSON.stringify(outcomes.slice(0, 1000)).length / 5);
  });

  it('keeps a run’s plan the same way, and another organisation reads nothing of it', async () => {
    const outcomes = outcomesOf(1201);
    expect(await store.rounds.putPlan('E10000016', 'r2', 0, 'tok', outcomes, { today: '2026-11-30' })).toBe(true);
    expect(await store.rounds.plan('E10000016', 'r2', 0)).toMatchObject({ meta: { today: '2026-11-30' }, outcomes });
    expect(await store.rounds.plan('E06000035', 'r2', 0)).toBeUndefined();
    expect(await store.rounds.outcomes('E06000035', 'r1')).toEqual([]);
  });

  it('splits a part whose packed outcomes would pass the item limit', async () => {
    // Explanations that do not compress (random text): 1,000 of them packed are about 700 KB.
    const outcomes = outcomesOf(2000).map((o) => ({ ...o, explanation: randomBytes(350).toString('base64') }));
    const parts = await store.rounds.putOutcomes('E10000016', 'r3', outcomes);
    expect(parts).toBeGreaterThan(2);
    expect(await store.rounds.outcomes('E10000016', 'r3')).toEqual(outcomes);
  });

  it('reads a report written before outcomes were packed', async () => {
    const outcomes = outcomesOf(300);
    const { pk } = keys.round('E10000016', 'r4');
    for (const [i, part] of [outcomes.slice(0, 250), outcomes.slice(250)].entries())
      await store.db.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk, sk: `OUTCOMES#${String(i).padStart(5, '0')}`, itemType: 'round_outcomes', outcomes: part },
        }),
      );
    expect(await store.rounds.outcomes('E10000016', 'r4')).toEqual(outcomes);
  });
});

describe('planning a round’s transactions', () => {
  const kase = (i: number, la = 'E10000016') =>
    ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, laCode: la, band: 'S2', needs: ['ASD'] }) as Case;

  it('cuts a listing’s cases into chunks that each fit one transaction, and leaves unallocated cases out', () => {
    const cases = new Map(Array.from({ length: 120 }, (_, i) => [kase(i).id, kase(i)] as const));
    const planned = [...cases.keys()].map((caseId, i) => ({
      caseId,
      ...(i === 0 ? {} : { assignment: { urn: '100001', listingId: 'l1' } }),
    }));
    const chunks = planRoundChunks(planned);
    expect(chunks.has(planned[0]!.caseId)).toBe(false);
    const sizes = new Map<number, number>();
    for (const n of chunks.values()) sizes.set(n, (sizes.get(n) ?? 0) + 1);
    // Chunks are numbered from 0 in order, every case is in one, and more than one is needed.
    expect([...sizes.keys()]).toEqual(Array.from({ length: sizes.size }, (_, i) => i));
    expect([...sizes.values()].reduce((a, b) => a + b, 0)).toBe(119);
    expect(sizes.size).toBeGreaterThan(1);
    // Three actions a case, the listing and the checkpoint: never over the limit, and full but for the last.
    for (const size of sizes.values()) expect(1 + 3 * size + 1).toBeLessThanOrEqual(MAX_TRANSACTION_ACTIONS);
    expect([...sizes.values()].slice(0, -1).every((size) => 1 + 3 * (size + 1) + 1 > MAX_TRANSACTION_ACTIONS)).toBe(
      true,
    );
  });

  it('puts small listings together in one transaction, filled towards the limit and never over it', () => {
    // 60 listings of two cases each, cases from several LAs and counter shards.
    const las = ['E10000016', 'E06000035', 'E06000036', 'E10000030'];
    const all = Array.from({ length: 120 }, (_, i) => kase(i, las[i % las.length]));
    const cases = new Map(all.map((c) => [c.id, c] as const));
    const planned = all.map((c, i) => ({
      caseId: c.id,
      assignment: { urn: String(200000 + Math.floor(i / 2)), listingId: 'l1' },
    }));
    const chunks = planRoundChunks(planned);
    const commits = new Map<number, { listings: Set<string>; cases: Case[] }>();
    planned.forEach((o) => {
      const n = chunks.get(o.caseId)!;
      const commit = commits.get(n) ?? { listings: new Set(), cases: [] };
      commit.listings.add(o.assignment.urn);
      commit.cases.push(cases.get(o.caseId)!);
      commits.set(n, commit);
    });
    // A listing's cases are never split between transactions, and most transactions hold several listings.
    for (let j = 0; j < 60; j++)
      expect(new Set([chunks.get(planned[2 * j]!.caseId), chunks.get(planned[2 * j + 1]!.caseId)]).size).toBe(1);
    expect(commits.size).toBeLessThan(60 / 3);
    // Counted as the commit writes it: each listing, three items a case, and the checkpoint
    // (which carries the counters' deltas: they are applied once for the whole run).
    for (const { listings, cases: members } of commits.values())
      expect(listings.size + 3 * members.length + 1).toBeLessThanOrEqual(MAX_TRANSACTION_ACTIONS);
    // Filled: every transaction but the last would have gone over with the next listing.
    expect(Math.min(...[...commits.values()].slice(0, -1).map((c) => c.cases.length))).toBeGreaterThan(24);
  });
});
