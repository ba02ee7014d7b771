import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchPut, regionsOf, settingItems } from '@placements/store';
import { allPages as pagesOf, seededApp, type SeededApp } from '../support/store.ts';

let t: SeededApp;
beforeAll(async () => {
  t = await seededApp();
});
afterAll(async () => {
  await t.store.drop();
});

describe('GET /settings?la=', () => {
  it("pages through Kent's settings, each once, each with all its listings", async () => {
    const kent = t.data.settings.filter((s) => s.laCode === 'E10000016');
    const { items } = await pagesOf(t, '/settings?la=E10000016', 7);
    expect(items.map((s) => s.urn).sort()).toEqual(kent.map((s) => s.urn).sort());
    for (const s of items) {
      expect(s.laCode).toBe('E10000016');
      const expected = kent.find((k) => k.urn === s.urn)!;
      expect(s.listings.map((l: any) => l.listingId).sort()).toEqual(expected.listings.map((l) => l.listingId).sort());
    }
  });

  it('takes the LA as laCode, or as la (the contract’s alias); two different codes are a 400', async () => {
    const { items: byCode } = await pagesOf(t, '/settings?laCode=E10000016&type=special_academy', 3);
    const { items: byAlias } = await pagesOf(t, '/settings?la=E10000016&type=special_academy', 3);
    expect(byCode.length).toBeGreaterThan(0);
    expect(byCode.map((s) => s.urn)).toEqual(byAlias.map((s) => s.urn));
    const both = await t.request('/settings?laCode=E10000016&la=E06000035');
    expect(both.status).toBe(400);
    expect(both.body.error.details).toEqual([
      { field: 'la', message: 'is an alias of laCode; give one of them, not two codes' },
    ]);
    const unknown = await t.request('/settings?laCode=E10000099');
    expect(unknown.body.error.details[0]).toMatchObject({ field: 'laCode' });
  });

  it('filters by provision type within an LA', async () => {
    const { items } = await pagesOf(t, '/settings?la=E10000016&type=special_academy', 3);
    const expected = t.data.settings.filter((s) => s.laCode === 'E10000016' && s.type === 'special_academy');
    expect(items.length).toBe(expected.length);
    expect(items.every((s) => s.type === 'special_academy')).toBe(true);
  });

  it('lists one type across every LA, and every setting when no filter is given', async () => {
    const { items: fe } = await pagesOf(t, '/settings?type=fe_college', 4);
    expect(fe.length).toBe(t.data.settings.filter((s) => s.type === 'fe_college').length);
    const { items: all } = await pagesOf(t, '/settings', 200);
    expect(all.length).toBe(t.data.settings.length);
    expect(new Set(all.map((s) => s.urn)).size).toBe(all.length);
  });

  it('never repeats or skips a setting while settings are added between pages', async () => {
    const before = t.data.settings.filter((s) => s.laCode === 'E06000035');
    const template = before[0]!;
    const added: string[] = [];
    const { items } = await pagesOf(t, '/settings?la=E06000035', 3, async (page) => {
      // A new setting sorting at the very start and one at the very end of Medway's list.
      for (const urn of [`80000${page}`, `99999${page}`]) {
        added.push(urn);
        await batchPut(
          t.store.db,
          t.store.tableName,
          settingItems(
            { ...template, urn, listings: template.listings.map((l) => ({ ...l, urn })) },
            regionsOf(t.data.las)(template.laCode),
          ),
        );
      }
    });
    const urns = items.map((s) => s.urn);
    expect(new Set(urns).size).toBe(urns.length);
    for (const s of before) expect(urns).toContain(s.urn);
  });

  it('names every invalid parameter in one 400', async () => {
    const res = await t.request('/settings?la=E1000001&type=castle&limit=500&laa=E10000016');
    expect(res.status).toBe(400);
    const fields = res.body.error.details.map((d: any) => d.field).sort();
    expect(fields).toEqual(['la', 'laa', 'limit', 'type']);
    expect(res.body.error.details.find((d: any) => d.field === 'type').message).toContain('special_academy');
  });

  it('answers 400 for an LA code that is well formed but unknown', async () => {
    const res = await t.request('/settings?la=E10000099');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ field: 'la' });
  });

  it('rejects a cursor from another LA’s listing rather than leaking its settings', async () => {
    const kent = await t.request('/settings?la=E10000016&limit=2');
    const res = await t.request(`/settings?la=E06000035&cursor=${kent.body.nextCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('cursor');
  });
});

describe('GET /settings/{urn}', () => {
  it('returns a setting with its published listings and derived availability', async () => {
    const expected = t.data.settings.find((s) => s.listings.length > 1)!;
    const res = await t.ownSetting(expected.urn);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      urn: expected.urn,
      name: expected.name,
      type: expected.type,
      laCode: expected.laCode,
    });
    expect(res.body.listings).toHaveLength(expected.listings.length);
    for (const l of res.body.listings) expect(l.available).toBe(Math.max(0, l.commissioned - l.filled - l.held));
    // Table layout never leaks into the API.
    expect(res.body).not.toHaveProperty('pk');
    expect(res.body.listings[0]).not.toHaveProperty('gsi1pk');
    // Anyone else sees published capacity, never the live counts of children behind it (or what gives them back).
    const anyone = await t.request(`/settings/${expected.urn}`);
    const la = await t.request(`/settings/${expected.urn}`, {
      token: await t.token({ sub: 'officer', role: 'la', org: 'E10000016' }),
    });
    const listed = await t.request(`/settings?provider=${expected.providerId}&limit=100`);
    for (const body of [anyone.body, la.body, listed.body.items.find((s: any) => s.urn === expected.urn)]) {
      expect(body.listings).toHaveLength(expected.listings.length);
      for (const l of body.listings) {
        for (const hidden of ['held', 'filled', 'blockUsed', 'availableToAll']) expect(l).not.toHaveProperty(hidden);
        expect(l).toMatchObject({ commissioned: expect.any(Number), available: expect.any(Number) });
      }
    }
  });

  it('answers 404 for an unknown URN and 400 for a malformed one', async () => {
    expect((await t.request('/settings/123456')).status).toBe(404);
    const bad = await t.request('/settings/ABC');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('urn');
  });
});
