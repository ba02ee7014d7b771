import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Case } from '@placements/domain';
import { createStore, dropTable, ensureTable, MAX_TRANSACTION_ACTIONS, planRoundChunks } from '@placements/store';

// A round's record on DynamoDB Local: its outcomes are split into parts under the item size limit
// and read back whole, in order; and the plan that cuts a listing's cases into transactions.

const tableName = `round-records-${Date.now()}`;
const store = createStore({ tableName, endpoint: inject('dynamoDbEndpoint') });
beforeAll(async () => {
  await ensureTable(store.db, tableName);
});
afterAll(async () => {
  await dropTable(store.db, tableName);
});

describe('a round’s record', () => {
  it('keeps every outcome of a 1,201-case round in order across its parts, with its head', async () => {
    const outcomes = Array.from({ length: 1201 }, (_, i) => ({ caseId: `c${i}`, outcome: 'unallocated' }));
    await store.cases.putRound('E10000016', 'r1', { state: 'done', seed: 's' }, outcomes);
    const read = await store.cases.getRound('E10000016', 'r1');
    expect(read?.head).toMatchObject({ state: 'done', seed: 's', parts: 3 });
    expect(read?.outcomes).toEqual(outcomes);
  });

  it('is not found for another organisation or an unknown id', async () => {
    expect(await store.cases.getRound('E06000035', 'r1')).toBeUndefined();
    expect(await store.cases.getRound('E10000016', 'r-none')).toBeUndefined();
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
