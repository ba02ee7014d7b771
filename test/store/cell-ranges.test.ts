import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  bucketsForRange,
  FINE_CELLS_PER_COARSE,
  fineKey,
  mapCellOf,
  mortonIndex,
  type PlaceCandidate,
} from '@placements/domain';
import {
  batchPut,
  cellRanges,
  createStore,
  dropTable,
  ensureTable,
  NO_REGION,
  regionsOf,
  searchEntryItems,
} from '@placements/store';
import { buildReferenceData } from '@placements/local';

// Nearest-first search reads fine map cells in the regions of its scope; cells whose keys follow
// one another in a region's part of a coarse cell (Morton order: a 2 × 2 block of neighbours is
// four keys in a row) are read as one range (one query), and nothing outside the cells asked for,
// or of another region, is ever in a range.

const mapCellAt = (row: number, col: number) => fineKey(mortonIndex(row, col));

describe('the ranges that read some fine map cells', () => {
  const pk = (coarse: string) => `SG#ASD#S#${coarse}`;
  const region = 'E12000008';
  const at = (fine: string, coarse = '650:-4') => ({ coarse, region, fine });

  const cells = ['22', '03', '21', '10', '33', '20'].map((fine) => at(fine));

  it('reads neighbours in key order as one range, a lone cell by its prefix, and each coarse cell apart', () => {
    const ranges = cellRanges('ASD', 'S', [...cells, at('00', '651:-4')], false);
    expect(ranges).toEqual([
      { index: 'gsi1', pk: pk('650:-4'), prefix: 'E12000008#03#' },
      { index: 'gsi1', pk: pk('650:-4'), prefix: 'E12000008#10#' },
      { index: 'gsi1', pk: pk('650:-4'), between: ['E12000008#20#', 'E12000008#22#\uffff'] },
      { index: 'gsi1', pk: pk('650:-4'), prefix: 'E12000008#33#' },
      { index: 'gsi1', pk: pk('651:-4'), prefix: 'E12000008#00#' },
    ]);
  });

  it('reads a 2 × 2 block of neighbouring cells (about 9 km) as one range', () => {
    // Rows 2–3, columns 4–5 of the coarse cell's 8 × 8.
    const block = [mapCellAt(2, 4), mapCellAt(2, 5), mapCellAt(3, 4), mapCellAt(3, 5)].map((fine) => at(fine));
    expect(cellRanges('ASD', 'S', block, false)).toEqual([
      { index: 'gsi1', pk: pk('650:-4'), between: ['E12000008#24#', 'E12000008#27#\uffff'] },
    ]);
  });

  it('reads the same runs from the cells of places free when a place must be free (no full listing in them)', () => {
    expect(cellRanges('ASD', 'S', cells, true)).toEqual([
      { index: 'gsi1', pk: 'SGA#ASD#S#650:-4', prefix: 'E12000008#03#' },
      { index: 'gsi1', pk: 'SGA#ASD#S#650:-4', prefix: 'E12000008#10#' },
      { index: 'gsi1', pk: 'SGA#ASD#S#650:-4', between: ['E12000008#20#', 'E12000008#22#\uffff'] },
      { index: 'gsi1', pk: 'SGA#ASD#S#650:-4', prefix: 'E12000008#33#' },
    ]);
  });

  it('reads a region’s whole part of a coarse cell by its prefix, and each region apart', () => {
    const all = Array.from({ length: FINE_CELLS_PER_COARSE }, (_, n) => at(fineKey(n)));
    expect(cellRanges('ASD', 'S', [...all, { ...at('11'), region: 'E12000007' }], false)).toEqual([
      { index: 'gsi1', pk: pk('650:-4'), prefix: 'E12000008#' },
      { index: 'gsi1', pk: pk('650:-4'), prefix: 'E12000007#11#' },
    ]);
  });

  it('never covers a key between two cells that were not asked for', () => {
    const ranges = cellRanges(
      'ASD',
      'S',
      ['00', '02', '11', '13'].map((fine) => at(fine)),
      false,
    );
    expect(ranges.map((r) => r.prefix)).toEqual(['E12000008#00#', 'E12000008#02#', 'E12000008#11#', 'E12000008#13#']);
  });
});

describe('reading fine map cells on DynamoDB Local', () => {
  const tableName = `cell-ranges-${Date.now()}`;
  const store = createStore({ tableName, endpoint: inject('dynamoDbEndpoint') });
  const data = buildReferenceData({});
  const settings = data.settings;
  const regionOf = regionsOf(data.las);
  beforeAll(async () => {
    await ensureTable(store.db, tableName);
    await batchPut(store.db, tableName, [
      // Only ASD listings' entries (the partitions read below are ASD's): a fifth of the writes.
      ...settings.flatMap((s) =>
        s.listings.filter((l) => l.needs.includes('ASD')).flatMap((l) => searchEntryItems(s, l, regionOf(s.laCode))),
      ),
    ]);
  });
  afterAll(async () => {
    await dropTable(store.db, tableName);
  });

  // The region's part of a coarse cell with the most ASD secondary listings, and every fine cell
  // of it but one that has listings, so some runs stop either side of it. Listings of another
  // region in the same cells are never read.
  const inCell = new Map<string, { coarse: string; region: string; fine: string; id: string; free: boolean }[]>();
  for (const s of settings)
    for (const l of s.listings)
      if (l.needs.includes('ASD') && bucketsForRange(l.ageMin, l.ageMax).includes('S')) {
        const { coarse, fine } = mapCellOf(s);
        const region = regionOf(s.laCode);
        const at = { coarse, region, fine, id: `${s.urn}#${l.listingId}`, free: l.available > 0 };
        inCell.set(`${coarse}|${region}`, [...(inCell.get(`${coarse}|${region}`) ?? []), at]);
      }
  const listings = [...inCell.values()].sort((a, b) => b.length - a.length)[0]!;
  const { coarse, region } = listings[0]!;
  const populated = [...new Set(listings.map((l) => l.fine))].sort();
  const left = populated[Math.floor(populated.length / 2)]!;
  const asked = Array.from({ length: FINE_CELLS_PER_COARSE }, (_, n) => fineKey(n))
    .filter((f) => f !== left)
    .map((fine) => ({ coarse, region, fine }));
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

  it('reads only the region asked for: a listing of a neighbouring region in the same fine cell is not read', async () => {
    const setting = settings.find((s) => s.listings.some((l) => l.needs.includes('ASD') && l.available > 0))!;
    const listing = setting.listings.find((l) => l.needs.includes('ASD') && l.available > 0)!;
    const own = regionOf(setting.laCode);
    const other = [...new Set(data.las.map((la) => la.regionCode))].find((r) => r !== own) ?? 'E12000007';
    // The same setting across the boundary (as in a cell two regions share), filed under the other region.
    const neighbour = { ...setting, urn: `9${setting.urn}`, listings: [] };
    await batchPut(store.db, tableName, searchEntryItems(neighbour, { ...listing, urn: neighbour.urn }, other));
    const { coarse, fine } = mapCellOf(setting);
    const bucket = bucketsForRange(listing.ageMin, listing.ageMax)[0]!;
    for (const freeOnly of [false, true]) {
      const read = ids(
        await store.search.readWhole(cellRanges('ASD', bucket, [{ coarse, region: own, fine }], freeOnly)),
      );
      expect(read).toContain(`${setting.urn}#${listing.listingId}`);
      expect(read).not.toContain(`${neighbour.urn}#${listing.listingId}`);
      const across = ids(
        await store.search.readWhole(cellRanges('ASD', bucket, [{ coarse, region: other, fine }], freeOnly)),
      );
      expect(across).toContain(`${neighbour.urn}#${listing.listingId}`);
      expect(across).not.toContain(`${setting.urn}#${listing.listingId}`);
    }
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
          bucketsForRange(before.ageMin, before.ageMax).flatMap((b) =>
            cellRanges('ASD', b, [{ coarse, region: regionOf(setting.laCode), fine }], true),
          ),
        ),
      ).includes(id);
    expect(await freeIn()).toBe(true);
    const full = { ...before, filled: before.commissioned, available: 0, version: before.version + 1 };
    const region = regionOf(setting.laCode);
    await store.search.project(setting, full, region, before);
    expect(await freeIn()).toBe(false);
    await store.search.project(
      setting,
      { ...full, filled: full.filled - 1, available: 1, version: full.version + 1 },
      region,
      full,
    );
    expect(await freeIn()).toBe(true);
  });
});

describe("an LA's region, for the map-cell keys", () => {
  it('is the reference data’s; an LA it lacks has none that any search reads', () => {
    const las = buildReferenceData({}).las;
    const regionOf = regionsOf(las);
    for (const la of las) expect(regionOf(la.laCode)).toBe(la.regionCode);
    expect(regionOf('E99999999')).toBe(NO_REGION);
  });
});
