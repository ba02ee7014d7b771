import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Case, SettingWithListings } from '@placements/domain';
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
  const setting = (urn: string, needs: string[]) =>
    ({ urn, listings: [{ listingId: 'l1', needs }] }) as unknown as SettingWithListings;
  const kase = (i: number, la = 'E10000016') =>
    ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, laCode: la, band: 'S2', needs: ['ASD'] }) as Case;

  it('cuts a listing’s cases into chunks that each fit one transaction, and leaves unallocated cases out', () => {
    const cases = new Map(Array.from({ length: 120 }, (_, i) => [kase(i).id, kase(i)] as const));
    const planned = [...cases.keys()].map((caseId, i) => ({
      caseId,
      ...(i === 0 ? {} : { assignment: { urn: '100001', listingId: 'l1' } }),
    }));
    const chunks = planRoundChunks(planned, cases, new Map([['100001', setting('100001', ['ASD', 'SLD'])]]));
    expect(chunks.has(planned[0]!.caseId)).toBe(false);
    const sizes = new Map<number, number>();
    for (const n of chunks.values()) sizes.set(n, (sizes.get(n) ?? 0) + 1);
    // Chunks are numbered from 0 in order, every case is in one, and more than one is needed.
    expect([...sizes.keys()]).toEqual(Array.from({ length: sizes.size }, (_, i) => i));
    expect([...sizes.values()].reduce((a, b) => a + b, 0)).toBe(119);
    expect(sizes.size).toBeGreaterThan(1);
    // Three actions a case, the listing's own and the counters: never over the limit.
    for (const size of sizes.values()) expect(3 + 2 + 3 * size).toBeLessThanOrEqual(MAX_TRANSACTION_ACTIONS);
  });

  it('plans each listing on its own: two listings’ cases never share a chunk count', () => {
    const cases = new Map([kase(1), kase(2, 'E06000035')].map((c) => [c.id, c] as const));
    const chunks = planRoundChunks(
      [
        { caseId: kase(1).id, assignment: { urn: '100001', listingId: 'l1' } },
        { caseId: kase(2, 'E06000035').id, assignment: { urn: '100002', listingId: 'l1' } },
      ],
      cases,
      new Map([
        ['100001', setting('100001', ['ASD'])],
        ['100002', undefined],
      ]),
    );
    expect([...chunks.values()]).toEqual([0, 0]);
  });
});
