import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bucketsForRange, mapCellOf, type PlaceCandidate } from '@placements/domain';
import { batchPut, cellRanges, createStore, dropTable, ensureTable, searchEntryItems } from '@placements/store';
import { buildReferenceData } from '@placements/local';

// Nearest-first search reads fine map cells; cells whose keys follow one another in a coarse cell
// are read as one range (one query), and nothing outside the cells asked for is ever in a range.

describe('the ranges that read some fine map cells', () => {
  const pk = (coarse: string) => `SG#ASD#S#${coarse}`;

  const cells = ['22', '03', '21', '10', '33', '20'].map((fine) => ({ coarse: '650:-4', fine }));

  it('reads neighbours in key order as one range, a lone cell by its prefix, and each coarse cell apart', () => {
    const ranges = cellRanges('ASD', 'S', [...cells, { coarse: '651:-4', fine: '00' }], false);
    expect(ranges).toEqual([
      // 03 then 10: the end of one row and the start of the next are neighbours in key order.
      { index: 'gsi1', pk: pk('650:-4'), between: ['03#', '10#\uffff'] },
      { index: 'gsi1', pk: pk('650:-4'), between: ['20#', '22#\uffff'] },
      { index: 'gsi1', pk: pk('650:-4'), prefix: '33#' },
      { index: 'gsi1', pk: pk('651:-4'), prefix: '00#' },
    ]);
  });

  it('reads the same runs from the cells of places free when a place must be free (no full listing in them)', () => {
    expect(cellRanges('ASD', 'S', cells, true)).toEqual([
      { index: 'gsi1', pk: 'SGA#ASD#S#650:-4', between: ['03#', '10#\uffff'] },
      { index: 'gsi1', pk: 'SGA#ASD#S#650:-4', between: ['20#', '22#\uffff'] },
      { index: 'gsi1', pk: 'SGA#ASD#S#650:-4', prefix: '33#' },
    ]);
  });

  it('reads a whole coarse cell as its partition', () => {
    const all = Array.from({ length: 16 }, (_, n) => ({ coarse: '650:-4', fine: `${Math.floor(n / 4)}${n % 4}` }));
    expect(cellRanges('ASD', 'S', all, false)).toEqual([{ index: 'gsi1', pk: pk('650:-4') }]);
  });

  it('never covers a key between two cells that were not asked for', () => {
    const ranges = cellRanges(
      'ASD',
      'S',
      ['00', '02', '11', '13'].map((fine) => ({ coarse: '650:-4', fine })),
      false,
    );
    expect(ranges.map((r) => r.prefix)).toEqual(['00#', '02#', '11#', '13#']);
  });
});

describe('reading fine map cells on DynamoDB Local', () => {
  const tableName = `cell-ranges-${Date.now()}`;
  const store = createStore({ tableName, endpoint: inject('dynamoDbEndpoint') });
  const settings = buildReferenceData({}).settings;
  beforeAll(async () => {
    await ensureTable(store.db, tableName);
    await batchPut(
      store.db,
      tableName,
      // Only ASD listings' entries (the partitions read below are ASD's): a fifth of the writes.
      settings.flatMap((s) => s.listings.filter((l) => l.needs.includes('ASD')).flatMap((l) => searchEntryItems(s, l))),
    );
  });
  afterAll(async () => {
    await dropTable(store.db, tableName);
  });

  // The coarse cell with the most ASD secondary listings, and every fine cell of it but one that
  // has listings, so some runs stop either side of it.
  const inCell = new Map<string, { fine: string; id: string; free: boolean }[]>();
  for (const s of settings)
    for (const l of s.listings)
      if (l.needs.includes('ASD') && bucketsForRange(l.ageMin, l.ageMax).includes('S')) {
        const { coarse, fine } = mapCellOf(s);
        const at = { fine, id: `${s.urn}#${l.listingId}`, free: l.available > 0 };
        inCell.set(coarse, [...(inCell.get(coarse) ?? []), at]);
      }
  const [coarse, listings] = [...inCell].sort((a, b) => b[1].length - a[1].length)[0]!;
  const populated = [...new Set(listings.map((l) => l.fine))].sort();
  const left = populated[Math.floor(populated.length / 2)]!;
  const asked = Array.from({ length: 16 }, (_, n) => `${Math.floor(n / 4)}${n % 4}`)
    .filter((f) => f !== left)
    .map((fine) => ({ coarse, fine }));
  const ids = (read: { candidates: PlaceCandidate[] }) =>
    read.candidates.map((c) => `${c.setting.urn}#${c.listing.listingId}`).sort();

  it('returns every listing of the cells asked for, runs included, and none of the cells between them', async () => {
    expect(populated.length).toBeGreaterThanOrEqual(3);
    const ranges = cellRanges('ASD', 'S', asked, false);
    expect(ranges.some((r) => r.between !== undefined)).toBe(true);
    const got = ids(await store.search.readWhole(ranges));
    expect(got).toEqual(
      listings
        .filter((l) => l.fine !== left)
        .map((l) => l.id)
        .sort(),
    );
    expect(got.length).toBeGreaterThan(0);
  });

  it('for a place free, returns exactly the listings of those cells with a place free, and reads no other', async () => {
    const ranges = cellRanges('ASD', 'S', asked, true);
    expect(ranges.some((r) => r.between !== undefined)).toBe(true);
    const read = await store.search.readWhole(ranges);
    const expected = listings.filter((l) => l.fine !== left && l.free).map((l) => l.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(read)).toEqual(expected.sort());
    expect(read.itemsRead).toBe(expected.length);
  });

  it('takes a listing out of the cells of places free when its last place goes, and back when one frees', async () => {
    const setting = settings.find((s) =>
      s.listings.some((l) => l.available > 0 && l.needs.includes('ASD') && mapCellOf(s).coarse === coarse),
    )!;
    const before = setting.listings.find((l) => l.available > 0 && l.needs.includes('ASD'))!;
    const { fine } = mapCellOf(setting);
    const id = `${setting.urn}#${before.listingId}`;
    const freeIn = async () =>
      ids(
        await store.search.readWhole(
          bucketsForRange(before.ageMin, before.ageMax).flatMap((b) => cellRanges('ASD', b, [{ coarse, fine }], true)),
        ),
      ).includes(id);
    expect(await freeIn()).toBe(true);
    const full = { ...before, filled: before.commissioned, available: 0, version: before.version + 1 };
    await store.search.project(setting, full, before);
    expect(await freeIn()).toBe(false);
    await store.search.project(
      setting,
      { ...full, filled: full.filled - 1, available: 1, version: full.version + 1 },
      full,
    );
    expect(await freeIn()).toBe(true);
  });
});
