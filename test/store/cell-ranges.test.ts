import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bucketsForRange, mapCellOf } from '@placements/domain';
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

  it('reads each cell by its places-free prefix when a place must be free (no full listing between)', () => {
    expect(cellRanges('ASD', 'S', cells, true).map((r) => r.prefix)).toEqual([
      '03#A#',
      '10#A#',
      '20#A#',
      '21#A#',
      '22#A#',
      '33#A#',
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

  it('returns every listing of the cells asked for, runs included, and none of the cells between them', async () => {
    // The coarse cell with the most ASD secondary listings, and its fine cells that have some.
    const inCell = new Map<string, { fine: string; id: string }[]>();
    for (const s of settings)
      for (const l of s.listings)
        if (l.needs.includes('ASD') && bucketsForRange(l.ageMin, l.ageMax).includes('S')) {
          const { coarse, fine } = mapCellOf(s);
          inCell.set(coarse, [...(inCell.get(coarse) ?? []), { fine, id: `${s.urn}#${l.listingId}` }]);
        }
    const [coarse, listings] = [...inCell].sort((a, b) => b[1].length - a[1].length)[0]!;
    const populated = [...new Set(listings.map((l) => l.fine))].sort();
    expect(populated.length).toBeGreaterThanOrEqual(3);
    // Every fine cell of the coarse cell but one that has listings, so some runs stop either side of it.
    const left = populated[Math.floor(populated.length / 2)]!;
    const asked = Array.from({ length: 16 }, (_, n) => `${Math.floor(n / 4)}${n % 4}`).filter((f) => f !== left);
    const ranges = cellRanges(
      'ASD',
      'S',
      asked.map((fine) => ({ coarse, fine })),
      false,
    );
    expect(ranges.some((r) => r.between !== undefined)).toBe(true);
    const read = await store.search.readWhole(ranges);
    const got = read.candidates.map((c) => `${c.setting.urn}#${c.listing.listingId}`).sort();
    expect(got).toEqual(
      listings
        .filter((l) => l.fine !== left)
        .map((l) => l.id)
        .sort(),
    );
    expect(got.length).toBeGreaterThan(0);
  });
});
