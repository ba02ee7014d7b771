import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededApp, type SeededApp } from '../support/store.ts';

let t: SeededApp;
beforeAll(async () => {
  t = await seededApp();
});
afterAll(async () => {
  await t.store.drop();
});

describe('GET /districts/{district}', () => {
  it('answers a known district with its centroid and LA, whatever the case it is asked in', async () => {
    const known = t.data.districts.find((d) => d.district === 'ME14')!;
    const res = await t.request('/districts/me14');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      district: 'ME14',
      lat: known.lat,
      lon: known.lon,
      ...(known.laCode ? { laCode: known.laCode } : {}),
    });
  });

  it('says 404 for a district it does not know and 400 for something that is not a district', async () => {
    expect((await t.request('/districts/ZZ99')).status).toBe(404);
    const bad = await t.request('/districts/ME14%205AB');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('district');
  });
});
