/**
 * Commission ahead: GET /partnerships/{id}/forecast and GET /las/{gss}/forecast over DynamoDB
 * Local, with DfE's EHC plan files loaded the way `npm run load:ehcp` loads them.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEhcp } from '@placements/local';
import { dataDir, requireDataDir } from '../support/data-dir.ts';
import { seededApp, type SeededApp } from '../support/store.ts';

const KENT = 'E10000016';
const MEDWAY = 'E06000035';
let t: SeededApp;
let kent: string;
let medway: string;
let se19: string;
let national: string;

beforeAll(async () => {
  t = await seededApp({ now: () => new Date('2026-11-22T10:00:00Z') });
  kent = await t.token({ sub: 'officer', role: 'la', org: KENT });
  medway = await t.token({ sub: 'officer', role: 'la', org: MEDWAY });
  se19 = await t.token({ sub: 'coordinator', role: 'partnership', org: 'se19' });
  national = await t.token({ sub: 'dfe', role: 'national', org: 'dfe' });
}, 120_000);
afterAll(async () => {
  await t.store.drop();
});

describe('before DfE figures are loaded', () => {
  it('says so rather than inventing a forecast', async () => {
    const res = await t.request('/partnerships/se19/forecast', { token: se19 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: null, byType: [], baseYear: null });
    expect(res.body.missing).toHaveLength(19);
  });
});

describe.runIf(dataDir !== undefined || requireDataDir)('with DfE’s EHC plan files loaded', () => {
  beforeAll(async () => {
    const members = t.data.partnerships.find((p) => p.id === 'se19')!.members;
    const r = await loadEhcp(t.store, join(dataDir!, 'ehcp'), members);
    expect(r.forecasts).toBe(19);
  }, 120_000);

  it('projects five years per placement type from DfE’s figures, beside the places published for the matching settings', async () => {
    const res = await t.request(`/las/${KENT}/forecast`, { token: kent });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const v = res.body;
    expect(v.baseYear).toBe('2024/25');
    expect(v.years).toEqual(['2025/26', '2026/27', '2027/28', '2028/29', '2029/30']);
    expect(v.method.summary).toMatch(/tested on 2023\/24 and 2024\/25/);
    const special = v.byType.find((r: any) => r.type === 'specialState');
    // Kent's maintained and academy special schools, read by hand from caseload.csv: 4108 in 2018/19, 6427 in 2024/25.
    expect(special.history[0]).toEqual({ year: '2018/19', plans: 4108 });
    expect(special.latest).toBe(6427);
    for (const p of special.projection) expect(p.low <= p.central && p.central <= p.high).toBe(true);
    expect(special.projection[0].central).toBeGreaterThan(6427); // every year since 2018/19 has grown
    // The published places are the settings' listings in Kent of the matching types, added up.
    const listings = t.data.settings
      .filter((s) => s.laCode === KENT && ['special_maintained', 'special_academy'].includes(s.type))
      .flatMap((s) => s.listings);
    expect(special.capacity.commissioned).toBe(listings.reduce((n, l) => n + l.commissioned, 0));
    expect(special.capacity.available).toBe(
      listings.reduce((n, l) => n + Math.max(0, l.commissioned - l.filled - l.held), 0),
    );
    // The gap: places free less open cases less the additional plans.
    const g = special.gap[0];
    expect(g.additional.central).toBe(special.projection[0].central - 6427);
    expect(g.gap.central).toBe(special.capacity.available - 0 - g.additional.central);
    expect(special.byNeed.reduce((n: number, x: any) => n + x.latest, 0)).toBeGreaterThan(6000);
    expect(special.byAge.map((a: any) => a.ageGroup)).toContain('11-15');
  });

  it('adds the members up for the partnership and lists each member', async () => {
    const v = (await t.request('/partnerships/se19/forecast', { token: se19 })).body;
    expect(v.byLa).toHaveLength(19);
    const special = v.byType.find((r: any) => r.type === 'specialState');
    const members = v.byLa.map((l: any) => l.byType.find((b: any) => b.type === 'specialState'));
    expect(special.latest).toBe(members.reduce((n: number, m: any) => n + m.latest, 0));
    expect(special.projection[4].central).toBe(members.reduce((n: number, m: any) => n + m.projection[4].central, 0));
  });

  it('shows 1 to 4 open cases as "<5", and the gap worked out from them too; 5 or more are shown', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await t.post('/cases', medway, {
        ref: `FC-${i}`,
        needs: ['ASD'],
        band: 'M2',
        age: 9,
        homeDistrict: 'ME4',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const rp = (await t.request(`/las/${MEDWAY}/forecast`, { token: medway })).body.byType.find(
      (r: any) => r.type === 'resourcedProvision',
    );
    expect(rp.marketplace.openCases).toBe('<5');
    for (const g of rp.gap) expect(g.gap).toEqual({ worst: '<5', central: '<5', best: '<5' });
    // Projections are DfE's public figures carried forward: never hidden.
    expect(typeof rp.projection[0].central).toBe('number');
    const csv = await (
      await t.app.request(`/las/${MEDWAY}/forecast?format=csv`, { headers: { authorization: `Bearer ${medway}` } })
    ).text();
    expect(csv.split('\r\n').find((l) => l.startsWith(`${MEDWAY},resourcedProvision,2025/26`))).toMatch(
      /,<5,0,0,0,<5,<5,<5$/,
    );
    for (let i = 3; i < 6; i++)
      await t.post('/cases', medway, { ref: `FC-${i}`, needs: ['ASD'], band: 'M2', age: 9, homeDistrict: 'ME4' });
    const after = (await t.request(`/las/${MEDWAY}/forecast`, { token: medway })).body.byType.find(
      (r: any) => r.type === 'resourcedProvision',
    );
    expect(after.marketplace.openCases).toBe(6);
    expect(after.gap[0].gap.central).toBe(after.capacity.available - 6 - after.gap[0].additional.central);
  });

  it('lets an LA read only its own forecast, a partnership its members’, the national team any', async () => {
    expect((await t.request(`/las/${MEDWAY}/forecast`, { token: kent })).status).toBe(403);
    expect((await t.request(`/las/${MEDWAY}/forecast`, { token: se19 })).status).toBe(200);
    expect((await t.request('/las/E09000001/forecast', { token: se19 })).status).toBe(403); // City of London: not in SE19
    expect((await t.request('/las/E09000001/forecast', { token: national })).status).toBe(404); // not an LA of the generated data
    const badLa = await t.request('/las/kent/forecast', { token: national });
    expect(badLa.status).toBe(400);
    expect(JSON.stringify(badLa.body)).toMatch(/GSS code/);
    const badFormat = await t.request(`/las/${KENT}/forecast?format=xml`, { token: national });
    expect(badFormat.status).toBe(400);
    expect(JSON.stringify(badFormat.body)).toMatch(/json or csv/);
  });
});
