import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceKm, type SettingWithListings } from '@placements/domain';
import { runEscalations } from '@placements/api';
import { loadEhcpBaseline } from '@placements/local';
import { join } from 'node:path';
import { dataDir, requireDataDir } from '../support/data-dir.ts';
import { seededApp, type SeededApp } from '../support/store.ts';

const KENT = 'E10000016';
const MEDWAY = 'E06000035';
const SURREY = 'E10000030';
let clock = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let kent: string;
let medway: string;
let surrey: string;
let se19: string;
let national: string;
const post: SeededApp['post'] = (...a) => t.post(...a);
const put: SeededApp['put'] = (...a) => t.put(...a);
const view = async (id = 'se19', token = se19) => {
  const res = await t.request(`/partnerships/${id}/sufficiency`, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const la = (v: any, code: string) => v.byLa.find((l: any) => l.laCode === code);
/** The listing as its provider sees it (anyone else sees published capacity without live counts). */
const ownListing = async (urn: string, listingId: string, provider: string) =>
  (await t.request(`/settings/${urn}`, { token: provider })).body.listings.find((x: any) => x.listingId === listingId);
/** The provider offers block places and the partnership's coordinator accepts them. */
async function blockOf(urn: string, listingId: string, provider: string, partnershipId: string, places: number) {
  const offered = await post(`/settings/${urn}/listings/${listingId}/reservations`, provider, {
    partnershipId,
    places,
  });
  expect(offered.status, JSON.stringify(offered.body)).toBe(201);
  const coordinator = await t.token({ sub: `coordinator-${partnershipId}`, role: 'partnership', org: partnershipId });
  const accepted = await post(`/reservations/${offered.body.id}/response`, coordinator, { decision: 'accept' });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  return accepted.body;
}

beforeAll(async () => {
  t = await seededApp({ now: () => clock });
  kent = await t.token({ sub: 'officer', role: 'la', org: KENT });
  medway = await t.token({ sub: 'officer', role: 'la', org: MEDWAY });
  surrey = await t.token({ sub: 'officer', role: 'la', org: SURREY });
  se19 = await t.token({ sub: 'coordinator', role: 'partnership', org: 'se19' });
  national = await t.token({ sub: 'dfe', role: 'national', org: 'dfe' });
});
afterAll(async () => {
  await t.store.drop();
});

/** A special school outside Kent and Surrey for SLD at 11 with no S2 SLD listing yet (so its places are all ours), not independent. */
function medwaySetting(skip = 0): SettingWithListings {
  return t.data.settings.filter(
    (s) =>
      s.laCode !== KENT &&
      s.laCode !== SURREY &&
      s.needs.includes('SLD') &&
      s.ageMin <= 11 &&
      s.ageMax >= 11 &&
      s.governance !== 'independent' &&
      s.governance !== 'non_maintained' &&
      ['special_maintained', 'special_academy'].includes(s.type) &&
      !s.listings.some((l) => l.band === 'S2' && l.needs.includes('SLD')),
  )[skip]!;
}

async function openCases(token: string, prefix: string, n: number, ranked?: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = await post('/cases', token, {
      ref: `${prefix}-${i}`,
      needs: ['SLD'],
      band: 'S2',
      age: 11,
      homeDistrict: 'ME14',
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    if (ranked)
      expect((await put(`/cases/${c.body.id}/preferences`, token, { holder: 'parent', ranked })).status).toBe(200);
    ids.push(c.body.id);
  }
  return ids;
}

describe('GET /partnerships/{id}/sufficiency', () => {
  it('starts from the loaded places: per LA, band and need, as summed by hand from the data', async () => {
    const v = await view();
    expect(v.partnership.members).toHaveLength(19);
    for (const code of [KENT, MEDWAY, SURREY]) {
      const listings = t.data.settings.filter((s) => s.laCode === code).flatMap((s) => s.listings);
      const sum = (f: 'commissioned' | 'filled') => listings.reduce((n, l) => n + l[f], 0);
      expect(la(v, code).capacity).toEqual({
        listings: listings.length,
        commissioned: sum('commissioned'),
        filled: sum('filled'),
        held: 0,
        available: sum('commissioned') - sum('filled'),
      });
    }
    const all = t.data.settings.filter((s) => v.partnership.members.includes(s.laCode)).flatMap((s) => s.listings);
    expect(v.totals.capacity.commissioned).toBe(all.reduce((n, l) => n + l.commissioned, 0));
    const s2 = all.filter((l) => l.band === 'S2');
    expect(v.byBand.find((b: any) => b.band === 'S2').capacity.commissioned).toBe(
      s2.reduce((n, l) => n + l.commissioned, 0),
    );
    // By need, a listing counts under each need it meets.
    const asd = all.filter((l) => l.needs.includes('ASD'));
    expect(v.byNeed.find((b: any) => b.need === 'ASD').capacity.commissioned).toBe(
      asd.reduce((n, l) => n + l.commissioned, 0),
    );
    expect(v.totals.demand).toMatchObject({ cases: 0, openCases: 0, waiting: 0 });
  });

  it('counts demand as cases open, suppressing 1 to 4, and days without a place from the counters', async () => {
    await openCases(kent, 'DEM', 3);
    let v = await view();
    expect(la(v, KENT).demand).toMatchObject({
      cases: '<5',
      openCases: '<5',
      withoutPlace: '<5',
      daysWithoutPlace: '<5',
      averageDaysWithoutPlace: '<5',
    });
    expect(la(v, MEDWAY).demand).toMatchObject({ cases: 0, openCases: 0 });
    // The finest view would identify a child too.
    expect(
      v.byLaBandNeed.find((r: any) => r.laCode === KENT && r.band === 'S2' && r.need === 'SLD').demand.openCases,
    ).toBe('<5');
    await openCases(kent, 'DEM2', 3);
    clock = new Date('2026-12-02T10:00:00Z'); // ten days later
    v = await view();
    expect(la(v, KENT).demand).toMatchObject({
      cases: 6,
      openCases: 6,
      waiting: 0,
      withoutPlace: 6,
      daysWithoutPlace: 60,
      averageDaysWithoutPlace: 10,
    });
    expect(v.totals.demand).toMatchObject({ cases: 6, openCases: 6 });
  });

  it('follows allocations: places held in the host LA, out-of-area placements and their distance, spend, releases', async () => {
    const s = medwaySetting();
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    const HOST = s.laCode;
    const before = await view();
    const listing = await put(`/settings/${s.urn}/listings/suff-s2`, provider, {
      band: 'S2',
      needs: ['SLD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: 6,
      filled: 0,
      availableFrom: '2026-09-01',
    });
    expect(listing.status, JSON.stringify(listing.body)).toBe(201);
    const ids = await openCases(kent, 'OOA', 5, [s.urn]);
    const placements: string[] = [];
    for (const id of ids) {
      const res = await post(`/cases/${id}/allocate`, kent);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      placements.push(res.body.placement.id);
    }
    const after = await view();
    // The setting's LA hosts the listing: 6 more commissioned, 5 held, 1 free.
    const m0 = la(before, HOST).capacity;
    expect(la(after, HOST).capacity).toEqual({
      listings: m0.listings + 1,
      commissioned: m0.commissioned + 6,
      filled: m0.filled,
      held: 5,
      available: m0.available + 1,
    });
    // Kent placed 5 children out of area, each ME14 → the setting.
    const me14 = t.data.districts.find((d) => d.district === 'ME14')!;
    const km = Math.round(distanceKm(me14, s) * 10) / 10;
    expect(la(after, KENT).placements).toMatchObject({
      placements: 5,
      outOfArea: 5,
      averageOutOfAreaKm: km,
      independent: 0,
      spend: 5 * listing.body.price,
      spendAtTariff: 5 * listing.body.price,
      independentSpend: 0,
    });
    // Cases allocated are no longer open, but still without a place until admitted.
    expect(la(after, KENT).demand).toMatchObject({ cases: 11, openCases: 6, withoutPlace: 11 });

    // A decline releases the place: 4 placements (suppressed), one more free in Medway.
    const p = await t.request(`/placements/${placements[0]}/response`, {
      method: 'POST',
      token: provider,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'decline', reasons: ['unsuitable_age_ability_aptitude_or_sen'] }),
    });
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    // Admission turns a held place into a filled one.
    expect(
      (
        await t.request(`/placements/${placements[1]}/response`, {
          method: 'POST',
          token: provider,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ decision: 'accept' }),
        })
      ).status,
    ).toBe(200);
    expect((await post(`/placements/${placements[1]}/naming`, kent, {})).status).toBe(200);
    expect((await post(`/placements/${placements[1]}/admission`, provider, { decision: 'admitted' })).status).toBe(200);
    const later = await view();
    expect(la(later, HOST).capacity).toEqual({
      listings: m0.listings + 1,
      commissioned: m0.commissioned + 6,
      filled: m0.filled + 1,
      held: 3,
      available: m0.available + 2,
    });
    expect(la(later, KENT).placements).toMatchObject({
      placements: '<5',
      outOfArea: '<5',
      averageOutOfAreaKm: '<5',
      spend: '<5',
    });
    expect(la(later, KENT).demand).toMatchObject({ openCases: 7, withoutPlace: 10 });
  });

  it('exports any view as CSV with "<5" kept', async () => {
    const res = await t.app.request('/partnerships/se19/sufficiency?format=csv&view=byLa', {
      headers: { authorization: `Bearer ${se19}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toMatch(/^laCode,name,capacity\.listings,capacity\.commissioned/);
    expect(lines).toHaveLength(20);
    const header = lines[0]!.split(',');
    const kentRow = lines.find((l) => l.startsWith(KENT))!.split(',');
    expect(kentRow[header.indexOf('placements.placements')]).toBe('<5');
    for (const v of ['byBand', 'byNeed', 'byLaBandNeed', 'blockPlaces', 'ehcp', 'trends']) {
      expect(
        (
          await t.app.request(`/partnerships/se19/sufficiency?format=csv&view=${v}`, {
            headers: { authorization: `Bearer ${se19}` },
          })
        ).status,
      ).toBe(200);
    }
    const bad = await t.request('/partnerships/se19/sufficiency?format=xml&view=castle', { token: se19 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['format', 'view']);
  });

  it('reads the tenant from the token: own partnership, member LAs and national only', async () => {
    expect((await t.request('/partnerships/se19/sufficiency')).status).toBe(401);
    expect((await t.request('/partnerships/se19/sufficiency', { token: kent })).status).toBe(200);
    expect((await t.request('/partnerships/se19/sufficiency', { token: national })).status).toBe(200);
    const other = await t.token({ sub: 'x', role: 'partnership', org: 'north-east' });
    expect((await t.request('/partnerships/se19/sufficiency', { token: other })).status).toBe(403);
    const outsider = await t.token({ sub: 'x', role: 'la', org: 'E09000033' });
    expect((await t.request('/partnerships/se19/sufficiency', { token: outsider })).status).toBe(403);
    const provider = await t.token({ sub: 'x', role: 'provider', org: 'p1' });
    expect((await t.request('/partnerships/se19/sufficiency', { token: provider })).status).toBe(403);
    expect((await t.request('/partnerships/nowhere/sufficiency', { token: national })).status).toBe(404);
  });
});

/** Withheld counts a reader could still work out: a "<5" row of a column whose total and other rows are shown. */
function derivableCounts(v: any): string[] {
  const out: string[] = [];
  const columns: [string, any[], string][] = [
    ['byLa', v.byLa, 'laCode'],
    ['byBand', v.byBand, 'band'],
    ['byNeed', v.byNeed, 'need'],
  ];
  for (const [side, measures] of [
    ['demand', ['cases', 'openCases', 'waiting', 'withoutPlace']],
    ['placements', ['placements', 'placedInArea', 'outOfArea', 'independent']],
  ] as const)
    for (const m of measures)
      for (const [name, rows, key] of columns) {
        const withheld = rows.filter((r) => r[side]?.[m] === '<5');
        if (v.totals[side][m] !== '<5' && withheld.length === 1) out.push(`${name} ${withheld[0][key]} ${side}.${m}`);
      }
  // Within a row: placements = placed in area + out of area.
  for (const r of [v.totals, ...v.byLa]) {
    const p = r.placements;
    const hidden = [p.placedInArea, p.outOfArea].filter((x) => x === '<5').length;
    if (p.placements !== '<5' && hidden === 1) out.push(`${r.laCode ?? 'totals'} placed in area`);
  }
  return out;
}

describe('secondary suppression', () => {
  it('withholds a second count wherever a "<5" could be read as a total minus the counts shown beside it', async () => {
    await openCases(medway, 'SUP', 2);
    const v = await view();
    expect(la(v, MEDWAY).demand.cases).toBe('<5');
    expect(derivableCounts(v)).toEqual([]);
    // The placed-in-area figure comes from the API, never from a subtraction in the browser.
    for (const r of v.byLa) expect(r.placements).toHaveProperty('placedInArea');
    const k = la(v, KENT).placements;
    if (typeof k.placements === 'number' && typeof k.outOfArea === 'number')
      expect(k.placedInArea).toBe(k.placements - k.outOfArea);
  });
});

describe('PUT /partnerships/{id}', () => {
  it('lets the national team form a partnership; an LA may belong to several', async () => {
    const res = await put('/partnerships/kent-medway', national, {
      name: 'Kent and Medway',
      regionCode: 'E12000008',
      members: [KENT, MEDWAY],
      remit: ['low-incidence, high-cost specialist places'],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(
      (
        await put('/partnerships/kent-medway', national, {
          name: 'Kent and Medway SEND',
          members: [KENT, MEDWAY],
          remit: ['post-16 places'],
        })
      ).status,
    ).toBe(200);
    expect((await t.request('/partnerships/kent-medway')).body).toMatchObject({
      name: 'Kent and Medway SEND',
      members: [KENT, MEDWAY],
      remit: ['post-16 places'],
    });
    expect((await t.request('/partnerships/se19')).body.members).toContain(KENT);
    expect((await view('kent-medway', kent)).byLa.map((l: any) => l.laCode)).toEqual([KENT, MEDWAY]);
  });

  it('names every invalid field, and is for the national team only', async () => {
    const res = await put('/partnerships/bad', national, {
      name: 'x',
      regionCode: 'E12000099',
      members: [KENT, KENT, 'E10000099'],
      remit: [],
      colour: 'red',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: any) => d.field).sort()).toEqual(['colour', 'name', 'regionCode', 'remit']);
    const members = await put('/partnerships/bad', national, {
      name: 'Bad one',
      members: [KENT, KENT, 'E10000099'],
      remit: ['places'],
    });
    expect(members.status).toBe(400);
    expect(members.body.error.details.map((d: any) => d.field).sort()).toEqual(['members.1', 'members.2']);
    expect(
      (await put('/partnerships/bad', se19, { name: 'Bad one', members: [KENT, MEDWAY], remit: ['places'] })).status,
    ).toBe(403);
  });
});

describe('block-commissioned places', () => {
  it('only members allocate them (others get 403), members use them first, and use is counted per member', async () => {
    const s = medwaySetting(1);
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    const created = await put(`/settings/${s.urn}/listings/block-s2`, provider, {
      band: 'S2',
      needs: ['SLD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: 3,
      filled: 0,
      availableFrom: '2026-09-01',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await blockOf(s.urn, 'block-s2', provider, 'kent-medway', 2);
    expect(await ownListing(s.urn, 'block-s2', provider)).toMatchObject({
      blockFor: { partnershipId: 'kent-medway', places: 2 },
      blockUsed: 0,
      availableToAll: 1,
      available: 3,
    });

    // Surrey (SE19, not Kent and Medway) takes the one availableToAll place, then is refused the block.
    const [s1, s2] = await openCases(surrey, 'BLK-S', 2, [s.urn]);
    expect((await post(`/cases/${s1}/allocate`, surrey)).status).toBe(201);
    const refused = await post(`/cases/${s2}/allocate`, surrey);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/block-commissioned by partnership kent-medway/);

    // Kent and Medway take the two block places.
    const [k1] = await openCases(kent, 'BLK-K', 1, [s.urn]);
    const [m1] = await openCases(medway, 'BLK-M', 1, [s.urn]);
    const kp = await post(`/cases/${k1}/allocate`, kent);
    expect(kp.status).toBe(201);
    expect(kp.body.placement.blockPartnershipId).toBe('kent-medway');
    expect((await post(`/cases/${m1}/allocate`, medway)).status).toBe(201);
    let l = await ownListing(s.urn, 'block-s2', provider);
    expect(l).toMatchObject({ available: 0, held: 3, blockUsed: 2, availableToAll: 0 });

    // A declined block place goes back to the block: still closed to Surrey.
    expect(
      (
        await t.request(`/placements/${kp.body.placement.id}/response`, {
          method: 'POST',
          token: provider,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ decision: 'decline', reasons: ['unsuitable_age_ability_aptitude_or_sen'] }),
        })
      ).status,
    ).toBe(200);
    l = await ownListing(s.urn, 'block-s2', provider);
    expect(l).toMatchObject({ available: 1, held: 2, blockUsed: 1, availableToAll: 0 });
    expect((await post(`/cases/${s2}/allocate`, surrey)).status).toBe(403);

    // Use per member: the counters hold 0 for Kent (released) and 1 for Medway; the view shows "<5".
    const counters = async (code: string) =>
      (await t.store.aggregates.countersOf(code)).find((c) => c.key === `BLOCK#kent-medway#${s.urn}#block-s2`)?.values
        .used;
    expect(await counters(KENT)).toBe(0);
    expect(await counters(MEDWAY)).toBe(1);
    const v = await view('kent-medway', medway);
    expect(v.blockPlaces).toEqual([{ urn: s.urn, listingId: 'block-s2', laCode: MEDWAY, used: '<5' }]);
    expect(la(v, MEDWAY).blockPlacesUsed).toBe('<5');
  });

  it('in allocation rounds: a non-member round sees only availableToAll places; a members’ round takes the block', async () => {
    const s = medwaySetting(3);
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    expect(
      (
        await put(`/settings/${s.urn}/listings/block-round`, provider, {
          band: 'S2',
          needs: ['SLD'],
          ageMin: s.ageMin,
          ageMax: s.ageMax,
          attendance: 'day',
          commissioned: 3,
          filled: 0,
          availableFrom: '2026-09-01',
        })
      ).status,
    ).toBe(201);
    await blockOf(s.urn, 'block-round', provider, 'kent-medway', 2);
    const surreyCases = await openCases(surrey, 'RB-S', 2, [s.urn]);
    const q1 = await post('/allocation-rounds', surrey, { cases: surreyCases, seed: 'rb-1', joinWaitingLists: false });
    expect(q1.status, JSON.stringify(q1.body)).toBe(202);
    // Rounds run in the background; the test app has drained the stream, so the round is done.
    const r1 = await t.request(`/allocation-rounds/${q1.body.id}`, { token: surrey });
    expect(r1.body.state).toBe('done');
    expect(r1.body.summary).toMatchObject({ allocated: 1, unallocated: 1 });
    const km = await t.token({ sub: 'coordinator', role: 'partnership', org: 'kent-medway' });
    const members = [
      ...(await openCases(kent, 'RB-K', 2, [s.urn])).map((id) => ({ laCode: KENT, id })),
      ...(await openCases(medway, 'RB-M', 1, [s.urn])).map((id) => ({ laCode: MEDWAY, id })),
    ];
    const q2 = await post('/allocation-rounds', km, { cases: members, seed: 'rb-2', joinWaitingLists: false });
    expect(q2.status, JSON.stringify(q2.body)).toBe(202);
    const r2 = await t.request(`/allocation-rounds/${q2.body.id}`, { token: km });
    expect(r2.body.state).toBe('done');
    expect(r2.body.summary).toMatchObject({ allocated: 2, unallocated: 1 });
    const l = await ownListing(s.urn, 'block-round', provider);
    expect(l).toMatchObject({ available: 0, held: 3, blockUsed: 2, availableToAll: 0 });
    const used = async (code: string) =>
      (await t.store.aggregates.countersOf(code)).find((c) => c.key === `BLOCK#kent-medway#${s.urn}#block-round`)
        ?.values.used ?? 0;
    expect((await used(KENT)) + (await used(MEDWAY))).toBe(2);
    expect(await used(SURREY)).toBe(0);
  });

  it('refuses an offer for an unknown partnership or above the places commissioned, and blockFor on a listing PUT', async () => {
    const s = medwaySetting(2);
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    const body = {
      band: 'S2',
      needs: ['SLD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: 3,
      filled: 0,
      availableFrom: '2026-09-01',
    };
    // A block takes effect only once the partnership accepts: a listing cannot set one itself.
    const direct = await put(`/settings/${s.urn}/listings/block-bad`, provider, {
      ...body,
      blockFor: { partnershipId: 'kent-medway', places: 2 },
    });
    expect(direct.status).toBe(400);
    expect(direct.body.error.details).toEqual([
      expect.objectContaining({ field: 'blockFor', message: expect.stringMatching(/\/reservations.*accepts/) }),
    ]);
    expect((await put(`/settings/${s.urn}/listings/block-bad`, provider, body)).status).toBe(201);
    const res = await post(`/settings/${s.urn}/listings/block-bad/reservations`, provider, {
      partnershipId: 'atlantis',
      places: 4,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: any) => d.field).sort()).toEqual(['partnershipId', 'places']);
    const shape = await post(`/settings/${s.urn}/listings/block-bad/reservations`, provider, {
      partnershipId: 'Not An Id',
      places: 0,
      colour: 'red',
    });
    expect(shape.status).toBe(400);
    expect(shape.body.error.details.map((d: any) => d.field).sort()).toEqual(['colour', 'partnershipId', 'places']);
  });
});

describe('GET /partnerships/{id}/prices', () => {
  it('sets what each member LA pays the same provider beside the tariff', async () => {
    const s = medwaySetting();
    const res = await t.request(`/partnerships/se19/prices?provider=${s.providerId}&band=S2`, { token: se19 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const row = res.body.items.find((r: any) => r.attendance === 'day');
    const kentRow = row.byLa.find((r: any) => r.laCode === KENT);
    const price = (await t.request(`/settings/${s.urn}`)).body.listings.find(
      (x: any) => x.listingId === 'suff-s2',
    ).price;
    // Under 5 placements the averages would give away the children's prices: suppressed with the count.
    expect(kentRow).toMatchObject({
      placements: '<5',
      averagePrice: '<5',
      averageTariff: '<5',
      differenceFromTariff: '<5',
    });
    expect(price).toBeGreaterThan(0);
  });
});

describe('GET /partnerships/{id}/oruk/services', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  it('publishes every listing of the members as an HSDS 3.1 service with capacity and cost', async () => {
    const first = await t.request('/partnerships/se19/oruk/services?per_page=500');
    expect(first.status).toBe(200);
    const members = new Set((await t.request('/partnerships/se19')).body.members);
    const expected =
      t.data.settings.filter((s) => members.has(s.laCode)).reduce((n, s) => n + s.listings.length, 0) + 4; // + suff-s2, block-s2, block-round, block-bad
    expect(first.body).toMatchObject({ total_items: expected, page_number: 1, first_page: true, empty: false });
    const all: any[] = [];
    for (let page = 1; page <= first.body.total_pages; page++)
      all.push(...(await t.request(`/partnerships/se19/oruk/services?per_page=500&page=${page}`)).body.contents);
    expect(all).toHaveLength(expected);
    expect(new Set(all.map((s) => s.id)).size).toBe(expected);
    for (const s of all) {
      // HSDS 3.1 required fields: service id/name/status; organization id/name/description;
      // service_capacity id/unit(id, name)/available/updated; cost_option id; service_at_location id; location id/location_type.
      expect(s.id).toMatch(UUID);
      expect(typeof s.name).toBe('string');
      expect(['active', 'inactive', 'defunct', 'temporarily closed']).toContain(s.status);
      expect(s.organization).toMatchObject({
        id: expect.stringMatching(UUID),
        name: expect.any(String),
        description: expect.any(String),
      });
      for (const c of s.capacities) {
        expect(c).toMatchObject({
          id: expect.stringMatching(UUID),
          unit: { id: expect.stringMatching(UUID), name: 'Place' },
          available: expect.any(Number),
          updated: expect.any(String),
        });
        expect(Number.isNaN(Date.parse(c.updated))).toBe(false);
      }
      for (const o of s.cost_options)
        expect(o).toMatchObject({ id: expect.stringMatching(UUID), currency: 'GBP', amount: expect.any(Number) });
      for (const sal of s.service_at_locations)
        expect(sal).toMatchObject({
          id: expect.stringMatching(UUID),
          location: { id: expect.stringMatching(UUID), location_type: 'physical' },
        });
    }
    const block = all.find(
      (s) =>
        s.name.includes('S2') &&
        s.capacities[0].maximum === 3 &&
        s.service_at_locations[0].location.external_identifier === medwaySetting(1).urn,
    );
    expect(block.capacities[0].available).toBe(1);
    expect(
      (await t.request('/partnerships/se19/oruk/services?page=0&per_page=900')).body.error.details
        .map((d: any) => d.field)
        .sort(),
    ).toEqual(['page', 'per_page']);
  });
});

describe('trends', () => {
  it('are written once a day by the escalation job', async () => {
    const deps = { store: t.store, auth: undefined as never, now: () => clock };
    const run = await runEscalations(deps);
    expect(run.snapshotsWritten).toBe(2); // se19 and kent-medway
    expect((await runEscalations(deps)).snapshotsWritten).toBe(0);
    const v = await view();
    expect(v.trends).toHaveLength(1);
    expect(v.trends[0]).toMatchObject({ date: '2026-12-02', capacity: v.totals.capacity });
  });
});

describe.runIf(dataDir !== undefined || requireDataDir)('the DfE EHC plan baseline', () => {
  it('loads DfE figures for the members and shows them beside the marketplace’s own cases', async () => {
    const r = await loadEhcpBaseline(t.store, join(dataDir!, 'ehcp'), 'se19');
    expect(r.loaded).toHaveLength(19);
    expect(r.missing).toEqual([]);
    const v = await view();
    // Kent, 2024/25, read by hand from caseload.csv and sen_needs_all_plans.csv.
    const k = la(v, KENT);
    expect(k.ehcp).toMatchObject({
      year: '2024/25',
      plans: 20635,
      byPlacement: {
        mainstream: 7452,
        specialIndependent: 1487,
        specialNonMaintained: 136,
        specialTotal: 8050,
        feTotal: 2952,
      },
      byNeed: { ASD: 9535, SEMH: 3833, SLCN: 3583 },
    });
    const cases = k.demand.cases as number;
    expect(cases).toBeGreaterThanOrEqual(5);
    expect(k.ehcp.marketplaceCases).toBe(cases);
    expect(k.ehcp.coverage).toBe(Math.round((1000 * cases) / 20635) / 10);
    expect(v.ehcp.year).toBe('2024/25');
    expect(v.ehcp.plans).toBe(v.byLa.reduce((n: number, l: any) => n + l.ehcp.plans, 0));
    expect(v.ehcp.byNeed.find((n: any) => n.need === 'SLD')).toMatchObject({ plans: expect.any(Number) });
    const csv = await (
      await t.app.request('/partnerships/se19/sufficiency?format=csv&view=ehcp', {
        headers: { authorization: `Bearer ${se19}` },
      })
    ).text();
    expect(csv.split('\r\n').find((l) => l.startsWith(KENT))).toMatch(/,2024\/25,20635,/);
  });
});
