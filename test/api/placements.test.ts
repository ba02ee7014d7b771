import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingWithListings } from '@placements/domain';
import { seededApp, type SeededApp } from '../support/store.ts';

const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let kent: string;
const post: SeededApp['post'] = (...a) => t.post(...a);
const put: SeededApp['put'] = (...a) => t.put(...a);

beforeAll(async () => {
  t = await seededApp({ now: () => TODAY });
  kent = await t.token({ sub: 'officer', role: 'la', org: 'E10000016' });
});
afterAll(async () => {
  await t.store.drop();
});

const suitable = (type: string) =>
  t.data.settings.find((s) => s.type === type && s.needs.includes('ASD') && s.ageMin <= 9 && s.ageMax >= 9)!;

/** A setting with one free S3 place for ASD at 9, and an allocated case holding it. */
async function allocated(setting: SettingWithListings, ref: string) {
  const provider = await t.token({ sub: 'head', role: 'provider', org: setting.providerId });
  await put(`/settings/${setting.urn}/listings/${ref.toLowerCase()}`, provider, {
    band: 'S3',
    needs: ['ASD'],
    ageMin: setting.ageMin,
    ageMax: setting.ageMax,
    attendance: 'day',
    commissioned: 1,
    filled: 0,
    availableFrom: '2026-09-01',
  });
  const c = await post('/cases', kent, { ref, needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' });
  expect((await put(`/cases/${c.body.id}/preferences`, kent, { holder: 'parent', ranked: [setting.urn] })).status).toBe(
    200,
  );
  const a = await post(`/cases/${c.body.id}/allocate`, kent);
  expect(a.status, JSON.stringify(a.body)).toBe(201);
  return {
    caseId: c.body.id as string,
    placementId: a.body.placement.id as string,
    provider,
    listingId: ref.toLowerCase(),
  };
}
const listingOf = async (urn: string, id: string) =>
  (await t.ownSetting(urn)).body.listings.find((l: any) => l.listingId === id);
const caseOf = async (id: string) => (await t.request(`/cases/${id}`, { token: kent })).body;

describe('placement state machine, through the API', () => {
  it('maintained school: accept, name, refuse, LA direction, admit; the held place becomes filled', async () => {
    const s = suitable('special_maintained');
    const { caseId, placementId, provider, listingId } = await allocated(s, 'MAINT-1');
    expect((await post(`/placements/${placementId}/response`, provider, { decision: 'accept' })).body.state).toBe(
      'accepted',
    );
    expect((await post(`/placements/${placementId}/naming`, kent)).body.state).toBe('named');
    expect((await caseOf(caseId)).state).toBe('named');
    const refused = await post(`/placements/${placementId}/admission`, provider, {
      decision: 'refused',
      reason: 'No space in the class',
    });
    expect(refused.body.state).toBe('refused');
    const directed = await post(`/placements/${placementId}/directions`, kent);
    expect(directed.status).toBe(201);
    expect(directed.body.direction).toMatchObject({ kind: 'la_direction', state: 'issued' });
    expect((await post(`/placements/${placementId}/admission`, provider, { decision: 'admitted' })).body.state).toBe(
      'admitted',
    );
    expect(await caseOf(caseId)).toMatchObject({ state: 'placed', daysWithoutPlace: 0 });
    expect(await listingOf(s.urn, listingId)).toMatchObject({ held: 0, filled: 1, available: 0 });
    // Every state change is in the case's history, in order, for its own LA only.
    const audit = await t.request(`/audit?entity=case:${caseId}`, { token: kent });
    expect(audit.status).toBe(200);
    expect(audit.body.items.map((e: any) => e.action)).toEqual([
      'case.opened',
      'case.preferences',
      'case.allocated',
      'placement.accepted',
      'placement.named',
      'placement.refused',
      'direction.la_direction',
      'placement.admitted',
    ]);
    const medway = await t.token({ sub: 'm', role: 'la', org: 'E06000035' });
    expect((await t.request(`/audit?entity=case:${caseId}`, { token: medway })).status).toBe(404);
    expect((await t.request(`/audit?entity=case:${caseId}`, { token: provider })).status).toBe(403);
  });

  it('academy: a decline releases the hold; named anyway; refused; trust backstop; appeal; overturned reopens the case', async () => {
    const s = suitable('special_academy');
    const { caseId, placementId, provider, listingId } = await allocated(s, 'ACAD-1');
    const declined = await post(`/placements/${placementId}/response`, provider, {
      decision: 'decline',
      reasons: ['incompatible_with_efficient_use_of_resources'],
      detail: 'Full staffing',
    });
    expect(declined.body).toMatchObject({
      state: 'declined',
      declineReasons: ['incompatible_with_efficient_use_of_resources'],
    });
    expect(await listingOf(s.urn, listingId)).toMatchObject({ held: 0, available: 1 });
    expect((await caseOf(caseId)).state).toBe('open');
    // Naming a declined setting needs a recorded reason.
    expect((await post(`/placements/${placementId}/naming`, kent)).status).toBe(400);
    expect(
      (await post(`/placements/${placementId}/naming`, kent, { note: 'Only setting within 40 km meeting ASD at S3' }))
        .body.state,
    ).toBe('named');
    await post(`/placements/${placementId}/admission`, provider, {
      decision: 'refused',
      reason: 'Declined on consultation',
    });
    const d = await post(`/placements/${placementId}/directions`, kent);
    expect(d.body.direction).toMatchObject({ kind: 'trust_backstop', state: 'issued', trustId: s.trustId });
    const otherTrust = await t.token({ sub: 'x', role: 'trust', org: 'TR999' });
    expect((await post(`/directions/${d.body.direction.id}/appeal`, otherTrust, { grounds: 'x' })).status).toBe(403);
    const trust = await t.token({ sub: 'ceo', role: 'trust', org: s.trustId! });
    expect(
      (await post(`/directions/${d.body.direction.id}/appeal`, trust, { grounds: 'The school cannot meet the need' }))
        .body.state,
    ).toBe('appealed');
    // The owning LA may erase the grounds (the trust may not); the audit trail says who and why, not what.
    const erase = { field: 'appealGrounds', reason: 'The grounds named the child' };
    expect((await post(`/directions/${d.body.direction.id}/redactions`, trust, erase)).status).toBe(403);
    expect(
      (await post(`/directions/${d.body.direction.id}/redactions`, kent, { field: 'x', reason: 'y' })).status,
    ).toBe(400);
    const redacted = await post(`/directions/${d.body.direction.id}/redactions`, kent, erase);
    expect(redacted.status, JSON.stringify(redacted.body)).toBe(200);
    expect(redacted.body).toMatchObject({ state: 'appealed', appealGrounds: '[redacted]' });
    const audit = await t.request(`/audit?entity=case:${caseId}`, { token: kent });
    expect(audit.body.items.find((e: any) => e.action === 'direction.text_redacted')).toMatchObject({
      actor: { role: 'la', org: 'E10000016' },
      after: { note: { redacted: 'appealGrounds', reason: erase.reason } },
    });
    expect(JSON.stringify(audit.body)).not.toContain('cannot meet the need');
    const adjudicator = await t.token({ sub: 'osa', role: 'adjudicator', org: 'osa' });
    expect((await post(`/directions/${d.body.direction.id}/determination`, kent, { outcome: 'upheld' })).status).toBe(
      403,
    );
    expect(
      (await post(`/directions/${d.body.direction.id}/determination`, adjudicator, { outcome: 'overturned' })).body
        .state,
    ).toBe('overturned');
    expect((await caseOf(caseId)).state).toBe('open');
  });

  it('independent and non-maintained settings cannot be named against a decline or directed', async () => {
    const s = suitable('independent_special') ?? suitable('non_maintained_special');
    const { placementId, provider } = await allocated(s, 'INDEP-1');
    await post(`/placements/${placementId}/response`, provider, {
      decision: 'decline',
      reasons: ['unsuitable_age_ability_aptitude_or_sen'],
    });
    const name = await post(`/placements/${placementId}/naming`, kent, { note: 'Try anyway' });
    expect(name.status).toBe(409);
    expect(name.body.error.code).toBe('not_directable');
    const s2 = t.data.settings.find(
      (x) =>
        x.governance === 'independent' && x.needs.includes('ASD') && x.ageMin <= 9 && x.ageMax >= 9 && x.urn !== s.urn,
    )!;
    const b = await allocated(s2, 'INDEP-2');
    await post(`/placements/${b.placementId}/response`, b.provider, { decision: 'accept' });
    await post(`/placements/${b.placementId}/naming`, kent);
    await post(`/placements/${b.placementId}/admission`, b.provider, { decision: 'refused', reason: 'No' });
    const direct = await post(`/placements/${b.placementId}/directions`, kent);
    expect(direct.status).toBe(409);
    expect(direct.body.error.code).toBe('not_directable');
  });

  it('answers every transition outside the state machine with a 409 naming the current state', async () => {
    const s = t.data.settings.find(
      (x) =>
        x.type === 'special_maintained' &&
        x.needs.includes('ASD') &&
        x.ageMin <= 9 &&
        x.ageMax >= 9 &&
        x.urn !== suitable('special_maintained').urn,
    )!;
    const { placementId, provider } = await allocated(s, 'ILLEGAL-1');
    const admitEarly = await post(`/placements/${placementId}/admission`, provider, { decision: 'admitted' });
    expect(admitEarly.status).toBe(409);
    expect(admitEarly.body.error.details[0]).toEqual({ state: 'consulting' });
    expect((await post(`/placements/${placementId}/directions`, kent)).body.error.details[0]).toEqual({
      state: 'consulting',
    });
    await post(`/placements/${placementId}/response`, provider, { decision: 'accept' });
    const twice = await post(`/placements/${placementId}/response`, provider, {
      decision: 'decline',
      reasons: ['incompatible_with_efficient_education_of_others'],
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/accepted/);
    // Another provider and another LA cannot act on it.
    const stranger = await t.token({ sub: 's', role: 'provider', org: 'PRV000000' });
    expect((await post(`/placements/${placementId}/admission`, stranger, { decision: 'admitted' })).status).toBe(403);
    const medway = await t.token({ sub: 'm', role: 'la', org: 'E06000035' });
    expect((await post(`/placements/${placementId}/naming`, medway)).status).toBe(403);
    // A decline must give a reason from the legal tests.
    const bad = await post(`/placements/${placementId}/response`, provider, {
      decision: 'decline',
      reasons: ['too busy'],
    });
    expect(bad.status).toBe(400);
  });
});
