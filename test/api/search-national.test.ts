import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededApp, type SeededApp } from '../support/store.ts';
import { dataDir, requireDataDir } from '../support/data-dir.ts';
import { devTokenAuthenticator, searchPlaces, type SearchRequest, type SearchStats } from '@placements/api';
import { bucketsForRange, distanceKm, type NeedCode } from '@placements/domain';
import { regionsOf } from '@placements/store';

/** National scope over all 153 LAs reads the national index (gsi4), not 153 LA partitions. */
let t: SeededApp | undefined;
// Loading every LA's settings and their search entries takes minutes on a busy shared machine.
beforeAll(async () => {
  if (dataDir) t = await seededApp({ dataDir, now: () => new Date('2026-11-22T10:00:00Z') });
}, 600_000);
afterAll(async () => {
  await t?.store.drop();
});

/** A search by an officer of an LA across its partnership, nearest first, with what it read. */
async function nearestInPartnership(la: string, criteria: SearchRequest['criteria'], limit: number) {
  const stats: SearchStats = { itemsRead: 0, queries: 0, matched: 0, misses: {} };
  const page = await searchPlaces(
    {
      store: t!.store,
      auth: devTokenAuthenticator('test-secret-key-for-dev-tokens-000'),
      now: () => new Date('2026-11-22T10:00:00Z'),
    },
    { sub: 'o', role: 'la', org: la },
    { criteria, scope: 'partnership', sort: 'distance', limit },
    stats,
  );
  return { page, stats };
}

describe('national search over every LA in England', () => {
  it('has the public data to load', () => {
    if (requireDataDir) expect(dataDir).toBeDefined();
  });

  it.runIf(dataDir !== undefined)('finds every listing for a low-incidence need across all regions', async () => {
    const token = await t!.token({ sub: 'dfe', role: 'national', org: 'dfe' });
    for (const need of ['MSI', 'PMLD', 'HI', 'VI']) {
      const res = await t!.request(`/places/search?need=${need}&limit=200`, { token });
      expect(res.status).toBe(200);
      const expected = t!.data.settings.flatMap((s) =>
        s.listings.filter((l) => l.needs.includes(need as any)).map((l) => `${s.urn}#${l.listingId}`),
      );
      const got: string[] = [];
      let body = res.body;
      got.push(...body.items.map((r: any) => `${r.setting.urn}#${r.listing.listingId}`));
      while (body.nextCursor) {
        body = (await t!.request(`/places/search?need=${need}&limit=200&cursor=${body.nextCursor}`, { token })).body;
        got.push(...body.items.map((r: any) => `${r.setting.urn}#${r.listing.listingId}`));
      }
      expect(got.sort(), need).toEqual(expected.sort());
    }
  });

  it.runIf(dataDir !== undefined)(
    'lets an LA search its regional partnership and the nation, flagging places out of area',
    async () => {
      const leeds = await t!.token({ sub: 'o', role: 'la', org: 'E08000035' });
      const region = await t!.request('/places/search?need=ASD&age=10&scope=partnership&limit=200', { token: leeds });
      const yorkshire = new Set(t!.data.partnerships.find((p) => p.id === 'yorkshire-and-the-humber')!.members);
      expect(region.body.items.length).toBeGreaterThan(0);
      expect(region.body.items.every((r: any) => yorkshire.has(r.hostLaCode))).toBe(true);
      const nation = await t!.request('/places/search?need=MSI&scope=national&limit=200', { token: leeds });
      expect(new Set(nation.body.items.map((r: any) => r.hostLaCode)).size).toBeGreaterThan(5);
      for (const r of nation.body.items) expect(r.outOfArea).toBe(r.hostLaCode !== 'E08000035');
    },
  );

  it.runIf(dataDir !== undefined)(
    'reads the national index in result order: the first page reads about what it shows, and every page in order matches a plain reading',
    async () => {
      const token = await t!.token({ sub: 'dfe', role: 'national', org: 'dfe' });
      const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      for (const [sort, key] of [
        ['available', (l: { available: number }) => -l.available],
        ['price', (l: { price: number }) => l.price],
      ] as const) {
        const rows = t!.data.settings.flatMap((s) =>
          s.listings.filter((l) => l.needs.includes('HI') && l.ageMin <= 12 && l.ageMax >= 12).map((l) => ({ s, l })),
        );
        rows.sort((a, b) => key(a.l) - key(b.l) || text(a.s.urn, b.s.urn) || text(a.l.listingId, b.l.listingId));
        const expected = rows.map(({ s, l }) => `${s.urn}#${l.listingId}`);
        expect(expected.length).toBeGreaterThan(60);
        let body = (await t!.request(`/places/search?need=HI&age=12&sort=${sort}&limit=20`, { token })).body;
        expect(body).toMatchObject({ totalAtLeast: true });
        const got: string[] = body.items.map((r: any) => `${r.setting.urn}#${r.listing.listingId}`);
        while (body.nextCursor) {
          body = (
            await t!.request(`/places/search?need=HI&age=12&sort=${sort}&limit=50&cursor=${body.nextCursor}`, { token })
          ).body;
          got.push(...body.items.map((r: any) => `${r.setting.urn}#${r.listing.listingId}`));
        }
        expect(got, sort).toEqual(expected);
        expect(body.total).toBe(expected.length);
        // The first page read only about what it showed, not the whole national partition.
        const stats: SearchStats = { itemsRead: 0, queries: 0, matched: 0 };
        const deps = {
          store: t!.store,
          auth: devTokenAuthenticator('test-secret-key-for-dev-tokens-000'),
          now: () => new Date('2026-11-22T10:00:00Z'),
        };
        const page = await searchPlaces(
          deps,
          { sub: 'dfe', role: 'national', org: 'dfe' },
          { criteria: { needs: ['HI'], age: 12 }, sort, limit: 20 },
          stats,
        );
        expect(page.items).toHaveLength(20);
        expect(stats.itemsRead).toBeLessThanOrEqual(3 * 20);
        expect(stats.itemsRead).toBeLessThan(expected.length / 2);
      }
    },
  );
  it.runIf(dataDir !== undefined)(
    'finds the first page of a national search of every age in a few rounds of reads, not a round for every few entries',
    async () => {
      // No age: each of the six age buckets' national ranges is read, and a listing covering
      // several buckets is in each of them.
      const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      const expected = t!.data.settings
        .flatMap((s) => s.listings.filter((l) => l.needs.includes('MSI')).map((l) => ({ s, l })))
        .sort((a, b) => b.l.available - a.l.available || text(a.s.urn, b.s.urn) || text(a.l.listingId, b.l.listingId))
        .map(({ s, l }) => `${s.urn}#${l.listingId}`);
      expect(expected.length).toBeGreaterThan(50);
      const stats: SearchStats = { itemsRead: 0, queries: 0, matched: 0 };
      const page = await searchPlaces(
        {
          store: t!.store,
          auth: devTokenAuthenticator('test-secret-key-for-dev-tokens-000'),
          now: () => new Date('2026-11-22T10:00:00Z'),
        },
        { sub: 'dfe', role: 'national', org: 'dfe' },
        { criteria: { needs: ['MSI'] }, sort: 'available', limit: 50 },
        stats,
      );
      expect(page.items.map((r) => `${r.setting.urn}#${r.listing.listingId}`)).toEqual(expected.slice(0, 50));
      // Each round waits for the one before. Sized only by what was still missing at the rate the
      // ranges matched, this took 10 rounds (42 queries), most of them 4 entries a range in the tail.
      expect(stats.rounds).toBeLessThanOrEqual(5);
    },
  );
  it.runIf(dataDir !== undefined)(
    'reads only the band’s own entries for a national band search, and agrees with a plain reading page by page',
    async () => {
      const token = await t!.token({ sub: 'dfe', role: 'national', org: 'dfe' });
      const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      const secondary = (l: { ageMin: number; ageMax: number }) => l.ageMin <= 15 && l.ageMax >= 11;
      const inBucket = t!.data.settings.flatMap((s) =>
        s.listings.filter((l) => l.needs.includes('VI') && secondary(l)).map((l) => ({ s, l })),
      );
      const rows = inBucket.filter(({ l }) => l.band === 'S3' && l.ageMin <= 13 && l.ageMax >= 13);
      rows.sort(
        (a, b) => b.l.available - a.l.available || text(a.s.urn, b.s.urn) || text(a.l.listingId, b.l.listingId),
      );
      const expected = rows.map(({ s, l }) => `${s.urn}#${l.listingId}`);
      expect(expected.length).toBeGreaterThan(0);
      let body = (await t!.request('/places/search?need=VI&band=S3&age=13&limit=5', { token })).body;
      const got: string[] = body.items.map((r: any) => `${r.setting.urn}#${r.listing.listingId}`);
      while (body.nextCursor) {
        body = (await t!.request(`/places/search?need=VI&band=S3&age=13&limit=50&cursor=${body.nextCursor}`, { token }))
          .body;
        got.push(...body.items.map((r: any) => `${r.setting.urn}#${r.listing.listingId}`));
      }
      expect(got).toEqual(expected);
      expect(body.total).toBe(expected.length);
      // Cheapest first: the band's national entries are kept most places first only, so the
      // national cheapest-first entries are read with the band checked after reading.
      const cheapest = [...rows]
        .sort((a, b) => a.l.price - b.l.price || text(a.s.urn, b.s.urn) || text(a.l.listingId, b.l.listingId))
        .map(({ s, l }) => `${s.urn}#${l.listingId}`);
      body = (await t!.request('/places/search?need=VI&band=S3&age=13&sort=price&limit=5', { token })).body;
      const byPrice: string[] = body.items.map((r: any) => `${r.setting.urn}#${r.listing.listingId}`);
      while (body.nextCursor) {
        body = (
          await t!.request(`/places/search?need=VI&band=S3&age=13&sort=price&limit=50&cursor=${body.nextCursor}`, {
            token,
          })
        ).body;
        byPrice.push(...body.items.map((r: any) => `${r.setting.urn}#${r.listing.listingId}`));
      }
      expect(byPrice).toEqual(cheapest);
      // Read whole, the first page reads the band's entries for the age bucket, not every band's.
      const stats: SearchStats = { itemsRead: 0, queries: 0, matched: 0 };
      const deps = {
        store: t!.store,
        auth: devTokenAuthenticator('test-secret-key-for-dev-tokens-000'),
        now: () => new Date('2026-11-22T10:00:00Z'),
      };
      const page = await searchPlaces(
        deps,
        { sub: 'dfe', role: 'national', org: 'dfe' },
        { criteria: { needs: ['VI'], band: 'S3', age: 13 }, sort: 'available', limit: 1000 },
        stats,
      );
      expect(page.total).toBe(expected.length);
      expect(page.totalAtLeast).toBe(false);
      const bandEntries = inBucket.filter(({ l }) => l.band === 'S3').length;
      expect(stats.itemsRead).toBeLessThanOrEqual(bandEntries);
      expect(stats.itemsRead).toBeLessThan(inBucket.length);
    },
  );
  it.runIf(dataDir !== undefined)(
    'for a place free within a radius, reads the map cells within it, not the LAs that reach it whole',
    async () => {
      const [age, radiusKm, today] = [12, 20, '2026-11-22'];
      const data = t!.data;
      // Where it shows: of each LA's first district and a few needs, the search whose LAs reaching
      // the radius hold the most entries beyond what the cells within it can hold.
      const cases = data.las.flatMap((la) => {
        const origin = data.districts.find((d) => d.laCode === la.laCode);
        if (origin === undefined) return [];
        const members = new Set(
          data.partnerships.filter((p) => p.members.includes(la.laCode)).flatMap((p) => p.members),
        );
        return (['ASD', 'SEMH', 'SLCN', 'MLD'] as NeedCode[]).map((need) => {
          // Entries of the age bucket with a place free, wherever: a map cell holds every LA's.
          const everywhere = data.settings.flatMap((s) =>
            s.listings
              .filter(
                (l) => l.needs.includes(need) && l.available > 0 && bucketsForRange(l.ageMin, l.ageMax).includes('S'),
              )
              .map((l) => ({ s, l, km: distanceKm(origin, s) })),
          );
          const inBucket = everywhere.filter(({ s }) => members.has(s.laCode));
          const expected = inBucket.filter(
            ({ l, km }) => l.ageMin <= age && l.ageMax >= age && l.availableFrom <= today && km <= radiusKm,
          );
          const reaching = new Set(inBucket.filter(({ km }) => km <= radiusKm).map(({ s }) => s.laCode));
          // A fine map cell is at most about 9 km square: the cells within the radius hold nothing
          // farther than the radius and a cell's diagonal.
          const inCells = everywhere.filter(({ km }) => km <= radiusKm + 13).length;
          const inLas = inBucket.filter(({ s }) => reaching.has(s.laCode)).length;
          return { la: la.laCode, district: origin.district, need, expected, inCells, inLas };
        });
      });
      const c = cases
        .filter((x) => x.expected.length > 0)
        .sort((a, b) => b.inLas - b.inCells - (a.inLas - a.inCells))[0]!;
      expect(c.inCells).toBeLessThan(c.inLas / 2);
      const { page, stats } = await nearestInPartnership(
        c.la,
        { needs: [c.need], age, from: c.district, radiusKm, availableBy: today },
        200,
      );
      const ids = page.items.map((r) => `${r.setting.urn}#${r.listing.listingId}`).sort();
      expect(ids, `${c.need} from ${c.district}`).toEqual(
        c.expected.map(({ s, l }) => `${s.urn}#${l.listingId}`).sort(),
      );
      expect(stats.itemsRead, `${c.need} from ${c.district}`).toBeLessThanOrEqual(c.inCells);
      // Only listings with a place free were read: none failed for want of one.
      expect(Object.keys(stats.misses!).filter((why) => why.includes('availableBy'))).toEqual([]);
    },
  );

  it.runIf(dataDir !== undefined)(
    'from near a partnership’s edge, reads none of the neighbouring region’s entries in the cells they share',
    async () => {
      const [need, age, radiusKm] = ['ASD' as NeedCode, 12, 30];
      const data = t!.data;
      const regionOf = regionsOf(data.las);
      // Of each LA's first district, the one with the most ASD secondary listings of other
      // regions within the radius and a cell's diagonal: what the cells there hold for its neighbours.
      const cases = data.las.flatMap((la) => {
        const origin = data.districts.find((d) => d.laCode === la.laCode);
        if (origin === undefined) return [];
        const members = new Set(
          data.partnerships.filter((p) => p.members.includes(la.laCode)).flatMap((p) => p.members),
        );
        const near = data.settings.flatMap((s) =>
          s.listings
            .filter((l) => l.needs.includes(need) && bucketsForRange(l.ageMin, l.ageMax).includes('S'))
            .map((l) => ({ s, l, km: distanceKm(origin, s) }))
            .filter(({ km }) => km <= radiusKm + 13),
        );
        const expected = near.filter(
          ({ s, l, km }) => members.has(s.laCode) && l.ageMin <= age && l.ageMax >= age && km <= radiusKm,
        );
        const across = near.filter(({ s }) => regionOf(s.laCode) !== la.regionCode).length;
        return [{ la: la.laCode, district: origin.district, expected, across }];
      });
      const c = cases.sort((a, b) => b.across - a.across)[0]!;
      expect(c.across).toBeGreaterThan(20);
      const { page, stats } = await nearestInPartnership(
        c.la,
        { needs: [need], age, from: c.district, radiusKm },
        1000,
      );
      const ids = page.items.map((r) => `${r.setting.urn}#${r.listing.listingId}`).sort();
      expect(ids, `from ${c.district}`).toEqual(c.expected.map(({ s, l }) => `${s.urn}#${l.listingId}`).sort());
      // Every entry read was the partnership's (its region's): none failed for its LA.
      expect(Object.keys(stats.misses!).filter((why) => why.includes('scope'))).toEqual([]);
    },
  );
});
