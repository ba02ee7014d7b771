import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { searchSettingOf, type SettingWithListings } from '@placements/domain';
import { batchPut, keys, regionsOf, settingItems } from '@placements/store';
import { seededApp, type SeededApp } from '../support/store.ts';
import { searchEntriesAgainstListings } from '../reliability/invariants.ts';

/** Fixed "today" so framework dates stay meaningful whenever the tests run. */
const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let setting: SettingWithListings;
let owner: string;
let otherProvider: string;
let la: string;

beforeAll(async () => {
  t = await seededApp({ now: () => TODAY });
  // A maintained special school with at least two specialisms and an all-age range.
  setting = t.data.settings.find(
    (s) => s.type === 'special_maintained' && s.needs.length >= 2 && s.ageMax - s.ageMin >= 7,
  )!;
  owner = await t.token({ sub: 'staff-1', role: 'provider', org: setting.providerId });
  otherProvider = await t.token({ sub: 'staff-9', role: 'provider', org: 'PRV000000' });
  la = await t.token({ sub: 'officer', role: 'la', org: setting.laCode });
});
afterAll(async () => {
  await t.store.drop();
});

const body = (over: Record<string, unknown> = {}) => ({
  band: 'S2',
  needs: [setting.needs[0]],
  ageMin: setting.ageMin,
  ageMax: setting.ageMax,
  attendance: 'day',
  commissioned: 20,
  filled: 17,
  availableFrom: '2026-12-01',
  ...over,
});

const put = (listingId: string, payload: unknown, opts: { token?: string; ifMatch?: string } = {}) =>
  t.request(`/settings/${setting.urn}/listings/${listingId}`, {
    method: 'PUT',
    token: opts.token ?? owner,
    headers: {
      'content-type': 'application/json',
      ...(opts.ifMatch !== undefined ? { 'if-match': opts.ifMatch } : {}),
    },
    body: JSON.stringify(payload),
  });

describe('PUT /settings/{urn}/listings/{listingId}', () => {
  it('creates a listing priced at the band tariff, with availability derived and the framework named', async () => {
    const res = await put('t-create', body());
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({
      listingId: 't-create',
      urn: setting.urn,
      version: 1,
      commissioned: 20,
      filled: 17,
      held: 0,
      available: 3,
      price: 2_200_000,
      frameworkVersion: 'v1',
    });
    const read = await t.ownSetting(setting.urn);
    expect(read.body.listings.find((l: any) => l.listingId === 't-create')).toMatchObject({ available: 3, version: 1 });
  });

  it('replaces with the current version in If-Match, and refuses a stale or missing one with the current listing', async () => {
    await put('t-replace', body());
    const ok = await put('t-replace', body({ filled: 18 }), { ifMatch: '"1"' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ version: 2, available: 2 });

    const stale = await put('t-replace', body({ filled: 19 }), { ifMatch: '1' });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('version_mismatch');
    expect(stale.body.error.details[0].current).toMatchObject({ version: 2, filled: 18 });

    const missing = await put('t-replace', body({ filled: 19 }));
    expect(missing.status).toBe(428);
    expect(missing.body.error.details[0].current).toMatchObject({ version: 2 });
    expect(missing.body.error.message).toContain('If-Match: 2');
  });

  it('lets exactly one of many concurrent replaces of the same version win; the others get 412', async () => {
    await put('t-race', body());
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => put('t-race', body({ filled: i % 10 }), { ifMatch: '1' })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(11);
    const winner = results.find((r) => r.status === 200)!.body;
    const read = await t.ownSetting(setting.urn);
    expect(read.body.listings.find((l: any) => l.listingId === 't-race')).toMatchObject({
      version: 2,
      filled: winner.filled,
    });
  });

  it('lets exactly one of many concurrent creates of the same listing win', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => put('t-create-race', body())));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412 || r.status === 428)).toHaveLength(7);
  });

  it('leaves an unchanged listing at its version', async () => {
    await put('t-same', body());
    const again = await put('t-same', body(), { ifMatch: '1' });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(1);
  });

  it('refuses other providers, other roles and anonymous callers, and unknown settings', async () => {
    expect((await put('t-auth', body(), { token: otherProvider })).status).toBe(403);
    expect((await put('t-auth', body(), { token: la })).status).toBe(403);
    const anon = await t.request(`/settings/${setting.urn}/listings/t-auth`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body()),
    });
    expect(anon.status).toBe(401);
    const unknown = await t.request('/settings/123456/listings/t-auth', {
      method: 'PUT',
      token: owner,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body()),
    });
    expect(unknown.status).toBe(404);
    const read = await t.ownSetting(setting.urn);
    expect(read.body.listings.some((l: any) => l.listingId === 't-auth')).toBe(false);
  });
});

describe('listing validation: every rule, all violations in one 400', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['a band outside the framework', { band: 'Z9' }, 'band', /Z9 is not a band of framework v1/],
    [
      'a band not offered by this type of setting',
      { band: 'M1' },
      'band',
      /not offered by special maintained settings/,
    ],
    ['an unknown need code', { needs: ['XYZ'] }, 'needs.0', /SEN need codes/],
    [
      'a need outside the specialisms',
      { needs: ['MSI', 'HI', 'VI', 'PMLD', 'SpLD'] },
      'needs',
      /not among this setting's specialisms/,
    ],
    ['an age range outside the setting', { ageMax: 25 }, 'ageMax', /must lie inside the setting's/],
    ['ageMin above ageMax', { ageMin: 12, ageMax: 11 }, 'ageMin', /must not be above ageMax/],
    ['filled above commissioned', { filled: 21 }, 'filled', /cannot exceed commissioned/],
    ['a varied price without a reason', { price: 2_300_000 }, 'variationReason', /is required when the price/],
    [
      'a price beyond the allowed variation',
      { price: 3_000_000, variationReason: 'Enhanced staffing' },
      'price',
      /£19,800 to £25,300/,
    ],
    [
      'residential in a day-only band',
      { band: 'M2', attendance: 'residential_38' },
      'attendance',
      /no residential places/,
    ],
    ['negative places', { commissioned: -1 }, 'commissioned', /cannot be negative/],
    ['a malformed date', { availableFrom: '01/12/2026' }, 'availableFrom', /YYYY-MM-DD/],
    ['a field that is not a listing field', { held: 3 }, 'held', /not a body parameter/],
  ];

  for (const [what, over, field, message] of cases) {
    it(`rejects ${what}`, async () => {
      const res = await put('t-invalid', body(over));
      expect(res.status).toBe(400);
      const problem = res.body.error.details.find((d: any) => d.field === field);
      expect(problem, JSON.stringify(res.body.error.details)).toBeDefined();
      expect(problem.message).toMatch(message);
    });
  }

  it('never lets commissioned drop below filled + held', async () => {
    await put('t-held', body({ commissioned: 10, filled: 6 }));
    // Two places held by allocations in progress (written as the allocation flow will).
    const current = (await t.ownSetting(setting.urn)).body as SettingWithListings;
    const listing = current.listings.find((l) => l.listingId === 't-held')!;
    await batchPut(
      t.store.db,
      t.store.tableName,
      settingItems(
        { ...setting, listings: [{ ...listing, held: 2, available: 2 }] },
        regionsOf(t.data.las)(setting.laCode),
      ).slice(1),
    );
    const res = await put('t-held', body({ commissioned: 7, filled: 6 }), { ifMatch: '1' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual(
      expect.objectContaining({
        field: 'commissioned',
        message: expect.stringMatching(/filled \+ held \(6 \+ 2 held/),
      }),
    );
  });

  it('lists every violation of one request together and saves nothing', async () => {
    const res = await put(
      't-many',
      body({ band: 'M1', filled: 30, needs: ['MSI', 'HI', 'VI', 'PMLD', 'SpLD'], ageMin: 0 }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: any) => d.field).sort()).toEqual(['ageMin', 'band', 'filled', 'needs']);
    const read = await t.ownSetting(setting.urn);
    expect(read.body.listings.some((l: any) => l.listingId === 't-many')).toBe(false);
  });
  it('names the schema’s problems and the rules’ in the same 400: a bad shape does not hide a wrong band', async () => {
    const res = await put(
      't-mixed',
      body({ band: 'Z9', filled: 'seventeen', availableFrom: undefined, needs: ['MSI', 'HI', 'VI', 'PMLD', 'SpLD'] }),
    );
    expect(res.status).toBe(400);
    const details = res.body.error.details as { field: string; message: string }[];
    expect(details.map((d) => d.field).sort()).toEqual(['availableFrom', 'filled', 'needs']);
    // The band is checked against the framework in force on availableFrom, which is missing here.
    const dated = await put('t-mixed', body({ band: 'Z9', filled: 'seventeen', ageMin: 0 }));
    expect(dated.status).toBe(400);
    expect(dated.body.error.details.map((d: any) => d.field).sort()).toEqual(['ageMin', 'band', 'filled']);
    expect(dated.body.error.details.find((d: any) => d.field === 'band').message).toMatch(
      /Z9 is not a band of framework v1/,
    );
    const read = await t.ownSetting(setting.urn);
    expect(read.body.listings.some((l: any) => l.listingId === 't-mixed')).toBe(false);
  });

  it('names a bad path parameter and a bad body in one 400', async () => {
    const res = await put('Not An Id', body({ commissioned: -1 }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: any) => d.field).sort()).toEqual(['commissioned', 'listingId']);
  });

  it('refuses another provider’s bad body as it refuses its good one, without naming the rules', async () => {
    const res = await put('t-other', body({ band: 'Z9', filled: 'x' }), { token: otherProvider });
    expect(res.status).toBe(403);
  });
});

describe('GET /audit?entity=listing:…', () => {
  it('returns every change to the owner: who, when, before and after, oldest first', async () => {
    await put('t-audit', body());
    await put('t-audit', body({ filled: 19 }), { ifMatch: '1' });
    const res = await t.request(`/audit?entity=listing:${setting.urn}:t-audit`, { token: owner });
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: any) => e.action)).toEqual(['listing.created', 'listing.replaced']);
    const [created, replaced] = res.body.items;
    expect(created.before).toBeUndefined();
    expect(created.after).toMatchObject({ version: 1, filled: 17 });
    expect(replaced.before).toMatchObject({ version: 1, filled: 17 });
    expect(replaced.after).toMatchObject({ version: 2, filled: 19 });
    expect(replaced.actor).toEqual({ sub: 'staff-1', role: 'provider', org: setting.providerId });
    expect(replaced.at).toBe(TODAY.toISOString());
  });

  it('records nothing for a rejected or unchanged write', async () => {
    await put('t-quiet', body());
    await put('t-quiet', body(), { ifMatch: '1' });
    await put('t-quiet', body({ filled: 99 }), { ifMatch: '1' });
    const res = await t.request(`/audit?entity=listing:${setting.urn}:t-quiet`, { token: owner });
    expect(res.body.items).toHaveLength(1);
  });

  it('is for the owner only, and names a malformed entity', async () => {
    expect((await t.request(`/audit?entity=listing:${setting.urn}:t-audit`, { token: otherProvider })).status).toBe(
      403,
    );
    expect((await t.request(`/audit?entity=listing:${setting.urn}:t-audit`, { token: la })).status).toBe(403);
    expect((await t.request(`/audit?entity=listing:${setting.urn}:t-audit`)).status).toBe(401);
    const bad = await t.request('/audit?entity=case:1', { token: owner });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('entity');
  });
});

describe('search entries, from the table’s stream', () => {
  it('follow a listing from its record alone (its copy of the setting), and one written before that copy existed, read with its setting', async () => {
    expect((await put('t-search', body())).status).toBe(201);
    const item = async () =>
      (
        await t.store.db.send(
          new GetCommand({
            TableName: t.store.tableName,
            Key: keys.listing(setting.urn, 't-search'),
            ConsistentRead: true,
          }),
        )
      ).Item!;
    // The listing carries its setting as search shows it; never shown as part of the listing.
    expect((await item()).searchSetting).toEqual(searchSettingOf(setting));
    expect(
      (await t.ownSetting(setting.urn)).body.listings.find((l: any) => l.listingId === 't-search'),
    ).not.toHaveProperty('searchSetting');
    const check = async () => {
      const now = (await t.store.settings.getSetting(setting.urn, { consistent: true }))!;
      const listing = now.listings.find((l) => l.listingId === 't-search')!;
      const entries = await searchEntriesAgainstListings(t.store, [{ ...now, listings: [listing] }]);
      expect(entries.entries).toBeGreaterThan(0);
      expect(entries.stale).toEqual([]);
      return listing;
    };
    expect((await check()).available).toBe(3);
    // A listing as a table deployed before the copy holds it: its next change is projected all the same.
    const { searchSetting: _copy, ...older } = await item();
    await t.store.db.send(
      new PutCommand({
        TableName: t.store.tableName,
        Item: { ...older, filled: 15, available: 5, availableToAll: 5, version: 2 },
      }),
    );
    await t.drain();
    expect(await check()).toMatchObject({ available: 5, version: 2 });
  });
});
