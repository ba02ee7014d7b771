import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '@placements/store';
import type { SettingWithListings } from '@placements/domain';
import { afterReadOfSetting, asdDayListing, seededApp, type SeededApp } from '../support/store.ts';
import { searchEntriesAgainstListings } from '../reliability/invariants.ts';

const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let setting: SettingWithListings;
let provider: string;
const LAS = ['E10000016', 'E06000035', 'E10000030', 'E10000032', 'E10000014'];
const tokens = new Map<string, string>();
const la = (gss: string) => tokens.get(gss)!;

beforeAll(async () => {
  t = await seededApp({ now: () => TODAY });
  for (const gss of LAS) tokens.set(gss, await t.token({ sub: `officer-${gss}`, role: 'la', org: gss }));
  setting =
    t.data.settings.find(
      (s) =>
        s.type === 'special_maintained' &&
        s.needs.includes('ASD') &&
        s.ageMin <= 8 &&
        s.ageMax >= 8 &&
        s.laCode === 'E10000016',
    ) ??
    t.data.settings.find(
      (s) => s.type === 'special_maintained' && s.needs.includes('ASD') && s.ageMin <= 8 && s.ageMax >= 8,
    )!;
  provider = await t.token({ sub: 'head', role: 'provider', org: setting.providerId });
});
afterAll(async () => {
  await t.store.drop();
});

const json = (method: string, token: string, body?: unknown, headers: Record<string, string> = {}) => ({
  method,
  token,
  headers: { 'content-type': 'application/json', ...headers },
  ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
});

async function publish(listingId: string, places: number) {
  const res = await t.request(
    `/settings/${setting.urn}/listings/${listingId}`,
    json('PUT', provider, {
      band: 'S3',
      needs: ['ASD'],
      ageMin: setting.ageMin,
      ageMax: setting.ageMax,
      attendance: 'day',
      commissioned: places,
      filled: 0,
      availableFrom: '2026-09-01',
    }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function openCase(gss: string, ref: string, ranked = [setting.urn]) {
  const created = await t.request(
    '/cases',
    json('POST', la(gss), { ref, needs: ['ASD'], band: 'S3', age: 8, homeDistrict: 'ME14' }),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const prefs = await t.request(
    `/cases/${created.body.id}/preferences`,
    json('PUT', la(gss), { holder: 'parent', ranked }),
  );
  expect(prefs.status, JSON.stringify(prefs.body)).toBe(200);
  return created.body.id as string;
}

describe('cases', () => {
  it('opens a pseudonymous case and refuses a child’s name or date of birth by name', async () => {
    const ok = await t.request(
      '/cases',
      json('POST', la('E10000016'), {
        ref: 'KCC-2026-0001',
        needs: ['ASD', 'SLCN'],
        band: 'S2',
        age: 9,
        homeDistrict: 'me14',
      }),
    );
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ laCode: 'E10000016', state: 'open', homeDistrict: 'ME14', daysWithoutPlace: 0 });
    const bad = await t.request(
      '/cases',
      json('POST', la('E10000016'), {
        ref: 'KCC-2',
        needs: ['ASD'],
        band: 'S2',
        age: 9,
        homeDistrict: 'ME14 5XX',
        name: 'Sam Smith',
        dateOfBirth: '2017-01-01',
      }),
    );
    expect(bad.status).toBe(400);
    const fields = bad.body.error.details.map((d: any) => d.field).sort();
    expect(fields).toEqual(['dateOfBirth', 'homeDistrict', 'name']);
    expect(bad.body.error.details.find((d: any) => d.field === 'name').message).toMatch(/stores no child’s identity/);
  });

  it('never shows one LA another LA’s case', async () => {
    const mine = await t.request(
      '/cases',
      json('POST', la('E10000016'), { ref: 'KCC-3', needs: ['ASD'], band: 'S2', age: 9, homeDistrict: 'ME14' }),
    );
    expect((await t.request(`/cases/${mine.body.id}`, { token: la('E06000035') })).status).toBe(404);
    expect((await t.request(`/cases/${mine.body.id}`, { token: la('E10000016') })).status).toBe(200);
    expect((await t.request(`/cases/${mine.body.id}`, { token: provider })).status).toBe(403);
  });

  it('takes the preference holder from the age and ranks only settings on the tailored list', async () => {
    const c = await t.request(
      '/cases',
      json('POST', la('E10000016'), { ref: 'KCC-4', needs: ['ASD'], band: 'S3', age: 8, homeDistrict: 'ME14' }),
    );
    const young = await t.request(
      `/cases/${c.body.id}/preferences`,
      json('PUT', la('E10000016'), { holder: 'young_person', ranked: [setting.urn] }),
    );
    expect(young.status).toBe(400);
    expect(young.body.error.details[0].field).toBe('holder');
    const offList = t.data.settings.find((s) => s.type === 'fe_college')!;
    const res = await t.request(
      `/cases/${c.body.id}/preferences`,
      json('PUT', la('E10000016'), { holder: 'parent', ranked: [offList.urn, '999998'] }),
    );
    expect(res.body.error.details.map((d: any) => d.field)).toEqual(['ranked.0', 'ranked.1']);
  });
});

describe('POST /cases/{id}/allocate', () => {
  it('gives 10 places to exactly 10 of 200 cases from five LAs racing for them; the other 190, coming back when told to, get a clear 409', async () => {
    await publish('race', 10);
    // Opened as each LA would open a cohort, one sheet of 40 (POST /cases:bulk: the same checks as opening one case
    // and recording its preferences); the race itself is all at once. Case i belongs to LAS[i % 5].
    const cases: string[] = [];
    await Promise.all(
      LAS.map(async (gss, k) => {
        const rows = Array.from(
          { length: 40 },
          (_, j) => `RACE-${k + 5 * j},ASD,S3,8,ME14,parent,${setting.urn},false`,
        );
        const res = await t.request('/cases:bulk', {
          method: 'POST',
          token: la(gss),
          headers: { 'content-type': 'text/csv' },
          body: `ref,needs,band,age,homeDistrict,holder,ranked,mainstreamRequested\r\n${rows.join('\r\n')}\r\n`,
        });
        expect(res.body, JSON.stringify(res.body)).toMatchObject({ saved: 40, rejected: 0 });
        for (const c of res.body.cases as { line: number; id: string }[]) cases[k + 5 * (c.line - 2)] = c.id;
      }),
    );
    expect(cases.filter(Boolean)).toHaveLength(200);
    // Each with its own Idempotency-Key, kept when it comes back: a 503 may follow a commit, and the replay then
    // answers with the place it got.
    const allocate = (i: number) =>
      t.request(`/cases/${cases[i]}/allocate`, {
        method: 'POST',
        token: la(LAS[i % LAS.length]!),
        headers: { 'idempotency-key': `race-${i}` },
      });
    let results = await Promise.all(cases.map((_, i) => allocate(i)));
    // Every loser gets a clear answer: 409 no place left; or, when the race outlasts the time budget or the store is
    // overwhelmed, 409 contended or 503, both with Retry-After. Never a place given twice, never a 500.
    const answers = new Set<string>();
    const final = [...results];
    for (let attempt = 0; ; attempt++) {
      for (const r of results) {
        answers.add(`${r.status} ${r.body?.error?.code ?? ''}`.trim());
        if (r.status === 503 || r.body?.error?.code === 'allocation_contended')
          expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Those told to come back do, after Retry-After, as a client would: the race ends with every place given.
      const again = final.flatMap((r, i) =>
        r.status === 503 || r.body?.error?.code === 'allocation_contended' ? [i] : [],
      );
      if (again.length === 0 || attempt === 9) break;
      const wait = Math.max(...again.map((i) => Number(final[i]!.headers.get('retry-after'))));
      await new Promise((r) => setTimeout(r, wait * 1000));
      results = await Promise.all(again.map((i) => allocate(i)));
      for (const [k, i] of again.entries()) final[i] = results[k]!;
    }
    for (const k of answers)
      expect(['201', '409 no_available_place', '409 allocation_contended', '503 store_unavailable']).toContain(k);
    const won = final.filter((r) => r.status === 201);
    const lost = final.filter((r) => r.status === 409);
    expect(won).toHaveLength(10);
    expect(lost).toHaveLength(190);
    for (const r of lost) {
      expect(r.body.error.code).toBe('no_available_place');
      expect(r.body.error.details[0]).toMatchObject({
        urn: setting.urn,
        rank: 1,
        reason: expect.stringMatching(/no place free|no listing/),
      });
    }
    expect(new Set(won.map((r) => r.body.placement.id)).size).toBe(10);
    const listing = (await t.ownSetting(setting.urn)).body.listings.find((l: any) => l.listingId === 'race');
    expect(listing).toMatchObject({ available: 0, held: 10, commissioned: 10, filled: 0 });
  }, 300_000);

  it('takes the first preference with a place and says why each higher one was passed over', async () => {
    await publish('first-choice', 1);
    const full = t.data.settings.find(
      (s) =>
        s.urn !== setting.urn &&
        s.type === 'special_maintained' &&
        s.needs.includes('ASD') &&
        s.ageMin <= 8 &&
        s.ageMax >= 8,
    )!;
    const fullOwner = await t.token({ sub: 'h', role: 'provider', org: full.providerId });
    await t.request(
      `/settings/${full.urn}/listings/full`,
      json('PUT', fullOwner, {
        band: 'S3',
        needs: ['ASD'],
        ageMin: full.ageMin,
        ageMax: full.ageMax,
        attendance: 'day',
        commissioned: 5,
        filled: 5,
        availableFrom: '2026-09-01',
      }),
    );
    const id = await openCase('E10000016', 'ORDER-1', [full.urn, setting.urn]);
    const res = await t.request(`/cases/${id}/allocate`, { method: 'POST', token: la('E10000016') });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.placement).toMatchObject({
      urn: setting.urn,
      listingId: 'first-choice',
      state: 'consulting',
      rank: 2,
      respondBy: '2026-12-07',
    });
    expect(res.body.skipped).toEqual([{ urn: full.urn, rank: 1, reason: 'no place free: full' }]);
    expect(res.body.case).toMatchObject({ state: 'allocated' });
    // A case holds one place at a time.
    const again = await t.request(`/cases/${id}/allocate`, { method: 'POST', token: la('E10000016') });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'invalid_transition', details: [{ state: 'allocated' }] });
  });

  it('returns the first result for a repeated Idempotency-Key and changes nothing', async () => {
    await publish('idem', 3);
    const id = await openCase('E06000035', 'IDEM-1');
    const send = () =>
      t.request(`/cases/${id}/allocate`, {
        method: 'POST',
        token: la('E06000035'),
        headers: { 'idempotency-key': 'retry-123' },
      });
    const first = await send();
    expect(first.status).toBe(201);
    const replays = await Promise.all([send(), send(), send()]);
    for (const r of replays) {
      expect(r.status).toBe(201);
      expect(r.body.placement.id).toBe(first.body.placement.id);
    }
    const listing = (await t.ownSetting(setting.urn)).body.listings.find(
      (l: any) => l.listingId === first.body.placement.listingId,
    );
    expect(listing.held).toBeGreaterThanOrEqual(1);
    const view = await t.request(`/cases/${id}`, { token: la('E06000035') });
    expect(view.body.placement.id).toBe(first.body.placement.id);
  });

  it('records the allocation in the case’s audit trail and shows the placement on the case', async () => {
    // A listing of its own with one free place, so this case is certain to get it.
    await publish('audit-place', 1);
    const id = await openCase('E10000030', 'AUDIT-1', [setting.urn]);
    const res = await t.request(`/cases/${id}/allocate`, { method: 'POST', token: la('E10000030') });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const view = await t.request(`/cases/${id}`, { token: la('E10000030') });
    expect(view.body).toMatchObject({
      state: 'allocated',
      placement: { id: res.body.placement.id, state: 'consulting' },
    });
    const audit = await t.request(`/audit?entity=case:${id}`, { token: la('E10000030') });
    expect(audit.status).toBe(200);
    const allocated = audit.body.items.filter((e: any) => e.action === 'case.allocated');
    expect(allocated).toHaveLength(1);
    expect(allocated[0]).toMatchObject({
      entity: `case:E10000030:${id}`,
      actor: { sub: 'officer-E10000030', role: 'la', org: 'E10000030' },
      before: { state: 'open' },
      after: {
        case: { state: 'allocated', activePlacementId: res.body.placement.id },
        placement: { id: res.body.placement.id, state: 'consulting' },
      },
    });
  });
});

describe('a settings import while LAs allocate', () => {
  it('never hands a booked place back, and search follows the setting’s new name through the stream', async () => {
    await publish('import-race', 16);
    const cases = await Promise.all(
      Array.from({ length: 16 }, (_, i) => openCase(LAS[i % LAS.length]!, `IMPORT-RACE-${i}`)),
    );
    const { listings: _listings, ...head } = (await t.store.settings.getSetting(setting.urn, { consistent: true }))!;
    // The import (a GIAS re-run renaming the school) runs again and again until every allocation is answered.
    let allocating = true;
    let imports = 0;
    const importing = (async () => {
      while (allocating) await t.store.settings.putSettings([{ ...head, name: `${head.name} (renamed ${++imports})` }]);
    })();
    const answers = await Promise.all(
      cases.map((id, i) =>
        t.request(`/cases/${id}/allocate`, { method: 'POST', token: la(LAS[i % LAS.length]!), drain: false }),
      ),
    );
    allocating = false;
    await importing;
    await t.drain();
    expect(imports).toBeGreaterThan(0);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));

    const now = (await t.store.settings.getSetting(setting.urn, { consistent: true }))!;
    const placements = (await t.store.cases.listPlacements(setting.urn, { limit: 200 })).items;
    for (const l of now.listings) {
      const holding = placements.filter(
        (p) => p.listingId === l.listingId && (p.state === 'consulting' || p.state === 'accepted'),
      ).length;
      // Each booking holds its place: none written back by the import's rewrite of the listing.
      expect({ listing: l.listingId, held: l.held, available: l.available }).toEqual({
        listing: l.listingId,
        held: holding,
        available: l.commissioned - l.filled - holding,
      });
    }
    expect(now.name).toBe(`${head.name} (renamed ${imports})`);
    const entries = await t.store.db.send(
      new QueryCommand({
        TableName: t.store.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.searchPartition(setting.urn, 'import-race') },
        ConsistentRead: true,
      }),
    );
    const race = now.listings.find((l) => l.listingId === 'import-race')!;
    expect(entries.Items!.length).toBeGreaterThan(0);
    for (const e of entries.Items!)
      expect({ name: e.setting.name, available: e.listing.available, version: e.listingVersion }).toEqual({
        name: now.name,
        available: race.available,
        version: race.version,
      });
  });

  it('moves a setting’s listings with it when an import gives it another LA, search entries too', async () => {
    const before = (await t.store.settings.getSetting(setting.urn, { consistent: true }))!;
    const { listings, ...head } = before;
    const other = before.laCode === 'E06000035' ? 'E10000030' : 'E06000035';
    expect(await t.store.settings.putSettings([{ ...head, laCode: other }])).toMatchObject({ updated: 1 });
    await t.drain();
    const listed = async (laCode: string) =>
      (await t.store.settings.listSettings({ laCode }, 200)).items.find((s) => s.urn === setting.urn);
    // Listed under its new LA with every listing (their index keys moved), and no longer under the old one.
    expect((await listed(other))?.listings.map((l) => l.listingId).sort()).toEqual(
      listings.map((l) => l.listingId).sort(),
    );
    expect(await listed(before.laCode)).toBeUndefined();
    const moved = (await t.store.settings.getSetting(setting.urn, { consistent: true }))!;
    // Places as they were; each listing at a new version, so a save built on the old keys is refused.
    expect(moved.listings.map((l) => [l.listingId, l.version, l.held])).toEqual(
      listings.map((l) => [l.listingId, l.version + 1, l.held]),
    );
    const entries = await searchEntriesAgainstListings(t.store, [moved]);
    expect(entries.entries).toBeGreaterThan(0);
    expect(entries.stale).toEqual([]);
  });

  it('refuses a listing save that read the setting before an import moved it (412), so its old LA is never written back', async () => {
    const { listings, ...head } = (await t.store.settings.getSetting(setting.urn, { consistent: true }))!;
    const back = head.laCode === 'E06000035' ? 'E10000030' : 'E06000035';
    const listing = listings.find((l) => l.listingId === 'import-race')!;
    const body = asdDayListing(setting, listing.commissioned + 2);
    // The import moves the setting between the save's read of it and the save's commit (forced).
    const { result: stale, interleaved } = await afterReadOfSetting(
      t.store,
      setting.urn,
      () => t.store.settings.putSettings([{ ...head, laCode: back }]),
      () =>
        t.put(`/settings/${setting.urn}/listings/import-race`, provider, body, { 'if-match': String(listing.version) }),
    );
    expect(interleaved).toBe(true);
    expect(stale.status, JSON.stringify(stale.body)).toBe(412);
    const now = (await t.store.settings.getSetting(setting.urn, { consistent: true }))!;
    const current = now.listings.find((l) => l.listingId === 'import-race')!;
    const again = await t.put(`/settings/${setting.urn}/listings/import-race`, provider, body, {
      'if-match': String(current.version),
    });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const under = (await t.store.settings.listSettings({ laCode: back }, 200)).items.find((s) => s.urn === setting.urn);
    expect(under?.listings.find((l) => l.listingId === 'import-race')).toMatchObject({
      commissioned: listing.commissioned + 2,
    });
  });

  it('refuses creating a listing whose setting an import moved after the create read it (412), so none is left under the old LA', async () => {
    const { listings: _l, ...head } = (await t.store.settings.getSetting(setting.urn, { consistent: true }))!;
    const to = head.laCode === 'E06000035' ? 'E10000030' : 'E06000035';
    const body = asdDayListing(setting, 4);
    // The import finds the setting's listings before the new one is there, so it cannot move it.
    const { result: stale, interleaved } = await afterReadOfSetting(
      t.store,
      setting.urn,
      () => t.store.settings.putSettings([{ ...head, laCode: to }]),
      () => t.put(`/settings/${setting.urn}/listings/import-race-new`, provider, body),
    );
    expect(interleaved).toBe(true);
    expect(stale.status, JSON.stringify(stale.body)).toBe(412);
    expect(stale.body.error.message).toMatch(/setting .* changed/);
    const listed = async (laCode: string) =>
      (await t.store.settings.listSettings({ laCode }, 200)).items
        .find((s) => s.urn === setting.urn)
        ?.listings.find((l) => l.listingId === 'import-race-new');
    expect(await listed(head.laCode)).toBeUndefined();
    const again = await t.put(`/settings/${setting.urn}/listings/import-race-new`, provider, body);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(await listed(to)).toMatchObject({ commissioned: 4 });
    expect(await listed(head.laCode)).toBeUndefined();
  });
});
