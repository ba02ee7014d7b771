import { describe, expect, it } from 'vitest';
import { withTwoLaOfficers, type SeededApp } from '../support/store.ts';

/** The lists people work from: an LA's cases, a provider's settings and the placements addressed to them. */
const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let kent: string;
let medway: string;
const post: SeededApp['post'] = (...a) => t.post(...a);
const put: SeededApp['put'] = (...a) => t.put(...a);

withTwoLaOfficers(
  () => TODAY,
  (s) => ({ t, kent, medway } = s),
);

describe('work lists', () => {
  it('lists an LA’s own cases, active first, with days without a place; never another LA’s', async () => {
    const ids: string[] = [];
    for (const ref of ['LIST-1', 'LIST-2', 'LIST-3'])
      ids.push((await post('/cases', kent, { ref, needs: ['ASD'], band: 'S2', age: 8, homeDistrict: 'CT1' })).body.id);
    await post('/cases', medway, { ref: 'LIST-M', needs: ['ASD'], band: 'S2', age: 8, homeDistrict: 'ME4' });
    const page1 = await t.request('/cases?limit=2', { token: kent });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await t.request(`/cases?limit=2&cursor=${page1.body.nextCursor}`, { token: kent });
    const all = [...page1.body.items, ...page2.body.items];
    expect(all.map((c: any) => c.id).sort()).toEqual([...ids].sort());
    expect(all.every((c: any) => c.laCode === 'E10000016' && c.daysWithoutPlace === 0)).toBe(true);
    expect((await t.request('/cases?state=placed', { token: kent })).body.items).toEqual([]);
    expect((await t.request('/cases?active=true', { token: medway })).body.items.map((c: any) => c.ref)).toEqual([
      'LIST-M',
    ]);
    const bad = await t.request('/cases?state=lost&active=maybe', { token: kent });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['active', 'state']);
    const provider = await t.token({ sub: 'p', role: 'provider', org: 'PRV900001' });
    expect((await t.request('/cases', { token: provider })).status).toBe(403);
    expect((await t.request('/cases')).status).toBe(401);
  });

  it('lists one provider’s settings: all of a trust’s academies', async () => {
    const trustId = t.data.settings.find((s) => s.trustId !== undefined)!.trustId!;
    const expected = t.data.settings
      .filter((s) => s.providerId === trustId)
      .map((s) => s.urn)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    const res = await t.request(`/settings?provider=${trustId}&limit=100`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: any) => s.urn).sort()).toEqual(expected);
    expect(res.body.items.every((s: any) => Array.isArray(s.listings))).toBe(true);
    const mixed = await t.request(`/settings?provider=${trustId}&la=E10000016`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.details[0].field).toBe('provider');
  });

  it('shows a provider the placements addressed to its setting, and a placement to its two parties only', async () => {
    const s = t.data.settings.find(
      (x) => x.type === 'special_maintained' && x.needs.includes('ASD') && x.ageMin <= 9 && x.ageMax >= 9,
    )!;
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    await put(`/settings/${s.urn}/listings/work-s3`, provider, {
      band: 'S3',
      needs: ['ASD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: 2,
      filled: 0,
      availableFrom: '2026-09-01',
    });
    const c = (await post('/cases', kent, { ref: 'WORK-1', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' }))
      .body.id;
    await put(`/cases/${c}/preferences`, kent, { holder: 'parent', ranked: [s.urn] });
    const placement = (await post(`/cases/${c}/allocate`, kent)).body.placement;
    const consultations = await t.request(`/settings/${s.urn}/placements?state=consulting`, { token: provider });
    expect(consultations.status).toBe(200);
    expect(consultations.body.items.map((p: any) => [p.id, p.respondBy])).toEqual([[placement.id, '2026-12-07']]);
    expect((await t.request(`/settings/${s.urn}/placements?state=admitted`, { token: provider })).body.items).toEqual(
      [],
    );
    const other = await t.token({ sub: 'x', role: 'provider', org: 'PRV000000' });
    expect((await t.request(`/settings/${s.urn}/placements`, { token: other })).status).toBe(403);
    expect((await t.request(`/placements/${placement.id}`, { token: provider })).body.id).toBe(placement.id);
    expect((await t.request(`/placements/${placement.id}`, { token: kent })).body.caseId).toBe(c);
    expect((await t.request(`/placements/${placement.id}`, { token: medway })).status).toBe(404);
    expect((await t.request(`/placements/${placement.id}`, { token: other })).status).toBe(404);
  });
});
