import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingWithListings } from '@placements/domain';
import { seededApp, type SeededApp } from '../support/store.ts';

/** Directions as a trust and the Schools Adjudicator read them: lists, history, reasons, compliance. */
const TODAY = new Date('2026-11-22T10:00:00Z');
let now = TODAY;
let t: SeededApp;
let kent: string;
let academy: SettingWithListings;
let trust: string;
let adjudicator: string;

beforeAll(async () => {
  t = await seededApp({ now: () => now });
  kent = await t.token({ sub: 'officer', role: 'la', org: 'E10000016' });
  academy = t.data.settings.find(
    (s) => s.type === 'special_academy' && s.trustId && s.needs.includes('ASD') && s.ageMin <= 9 && s.ageMax >= 9,
  )!;
  trust = await t.token({ sub: 'ceo', role: 'trust', org: academy.trustId! });
  adjudicator = await t.token({ sub: 'osa', role: 'adjudicator', org: 'osa' });
}, 600_000);
afterAll(async () => {
  await t.store.drop();
});

/** A case placed at the academy, named, refused and directed: the trust backstop, issued. */
async function directed(ref: string) {
  const provider = await t.token({ sub: 'head', role: 'provider', org: academy.providerId });
  const listingId = ref.toLowerCase();
  await t.put(`/settings/${academy.urn}/listings/${listingId}`, provider, {
    band: 'S3',
    needs: ['ASD'],
    ageMin: academy.ageMin,
    ageMax: academy.ageMax,
    attendance: 'day',
    commissioned: 1,
    filled: 0,
    availableFrom: '2026-09-01',
  });
  const c = await t.post('/cases', kent, { ref, needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' });
  await t.put(`/cases/${c.body.id}/preferences`, kent, { holder: 'parent', ranked: [academy.urn] });
  const placementId = (await t.post(`/cases/${c.body.id}/allocate`, kent)).body.placement.id;
  await t.post(`/placements/${placementId}/response`, provider, { decision: 'accept' });
  await t.post(`/placements/${placementId}/naming`, kent);
  await t.post(`/placements/${placementId}/admission`, provider, { decision: 'refused', reason: 'No room' });
  const d = await t.post(`/placements/${placementId}/directions`, kent);
  expect(d.status).toBe(201);
  return { caseId: c.body.id as string, directionId: d.body.direction.id as string, listingId };
}

describe('directions to admit, for the trust and the Schools Adjudicator', () => {
  it('the trust lists its directions with the case reference, band, need and days since; the adjudicator overturns with reasons; the case is open again', async () => {
    now = TODAY;
    const { caseId, directionId } = await directed('DIR-APPEAL');
    now = new Date(TODAY.getTime() + 3 * 86_400_000);
    const list = await t.request('/directions', { token: trust });
    expect(list.status).toBe(200);
    const mine = list.body.items.find((d: any) => d.id === directionId);
    expect(mine).toMatchObject({
      state: 'issued',
      urn: academy.urn,
      settingName: academy.name,
      daysSinceDirection: 3,
      case: { ref: 'DIR-APPEAL', band: 'S3', needs: ['ASD'] },
    });
    // Another trust sees none of it.
    const other = await t.token({ sub: 'x', role: 'trust', org: 'TR-OTHER' });
    expect((await t.request('/directions', { token: other })).body.items).toEqual([]);
    expect((await t.request(`/directions/${directionId}`, { token: other })).status).toBe(404);
    // Not yet appealed: not the adjudicator's.
    expect((await t.request('/appeals', { token: adjudicator })).body.items.map((a: any) => a.id)).not.toContain(
      directionId,
    );

    await t.post(`/directions/${directionId}/appeal`, trust, { grounds: 'The academy cannot meet the need' });
    const appeals = await t.request('/appeals', { token: adjudicator });
    const appeal = appeals.body.items.find((a: any) => a.id === directionId);
    expect(appeal).toMatchObject({ state: 'appealed', appealGrounds: 'The academy cannot meet the need' });
    // The trust's own list shows the grounds it gave (kept in the text item beside the direction).
    const appealed = (await t.request('/directions', { token: trust })).body.items.find(
      (d: any) => d.id === directionId,
    );
    expect(appealed).toMatchObject({ state: 'appealed', appealGrounds: 'The academy cannot meet the need' });
    expect(appeal.history.map((h: any) => h.action)).toEqual([
      'case.opened',
      'case.allocated',
      'placement.accepted',
      'placement.named',
      'placement.refused',
      'direction.trust_backstop',
      'direction.appealed',
    ]);
    // The steps carry who and when, not the states before and after.
    expect(Object.keys(appeal.history[0]).sort()).toEqual(['action', 'at', 'by']);

    const bad = await t.post(`/directions/${directionId}/determination`, adjudicator, {
      outcome: 'quashed',
      reasons: '',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['outcome', 'reasons']);
    const determined = await t.post(`/directions/${directionId}/determination`, adjudicator, {
      outcome: 'overturned',
      reasons: 'The academy showed it cannot meet the need at band S3.',
    });
    expect(determined.body).toMatchObject({ state: 'overturned' });
    expect((await t.request(`/cases/${caseId}`, { token: kent })).body.state).toBe('open');
    expect((await t.request(`/directions/${directionId}`, { token: trust })).body).toMatchObject({
      state: 'overturned',
      determinationReasons: 'The academy showed it cannot meet the need at band S3.',
    });
  }, 300_000);

  it('the trust admits under the direction: the child is placed and the direction complied with, once', async () => {
    now = TODAY;
    const { caseId, directionId, listingId } = await directed('DIR-ADMIT');
    const other = await t.token({ sub: 'x', role: 'trust', org: 'TR-OTHER' });
    expect((await t.post(`/directions/${directionId}/admission`, other)).status).toBe(403);
    const admitted = await t.post(`/directions/${directionId}/admission`, trust);
    expect(admitted.status).toBe(200);
    expect(admitted.body.state).toBe('complied');
    expect((await t.request(`/cases/${caseId}`, { token: kent })).body).toMatchObject({
      state: 'placed',
      placement: { state: 'admitted' },
    });
    // Filled and held are the provider's to see (public reads show only what is free).
    const listing = (await t.ownSetting(academy.urn)).body.listings.find((l: any) => l.listingId === listingId);
    expect(listing).toMatchObject({ held: 0, filled: 1 });
    expect((await t.post(`/directions/${directionId}/admission`, trust)).status).toBe(409);
  }, 300_000);
});
