/**
 * A mainstream refusal (s.33: incompatible with the provision of efficient education for others)
 * is recorded with the naming: kept on the case, in its history, counted in the sufficiency view.
 */
import { describe, expect, it } from 'vitest';
import { MAINSTREAM_REFUSAL_GROUND, provisionGroup, type SettingWithListings } from '@placements/domain';
import { type SeededApp, withTwoLaOfficers } from '../support/store.ts';

const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let kent: string;
withTwoLaOfficers(
  () => TODAY,
  (s) => {
    ({ t, kent } = s);
  },
);

const KENT = 'E10000016';
const special = () =>
  t.data.settings.find(
    (s) => s.type === 'special_maintained' && s.needs.includes('ASD') && s.ageMin <= 9 && s.ageMax >= 9,
  )!;
/** A mainstream setting that cannot take a 9-year-old: allocation passes over it to the special school. */
const mainstream = () =>
  t.data.settings.find((s) => provisionGroup(s.type) === 'mainstream' && s.laCode === KENT && s.ageMin >= 11)!;
const otherMainstream = () =>
  t.data.settings.find(
    (s) => provisionGroup(s.type) === 'mainstream' && s.laCode === KENT && s.ageMin >= 11 && s.urn !== mainstream().urn,
  )!;

let listingMade = false;
/** A case that asked for the mainstream setting first, allocated the special school's place and accepted. */
async function accepted(ref: string) {
  const s: SettingWithListings = special();
  const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
  if (!listingMade) {
    const made = await t.put(`/settings/${s.urn}/listings/refusals`, provider, {
      band: 'S3',
      needs: ['ASD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: 12,
      filled: 0,
      availableFrom: '2026-09-01',
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    listingMade = true;
  }
  const c = await t.post('/cases', kent, { ref, needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' });
  const prefs = await t.put(`/cases/${c.body.id}/preferences`, kent, {
    holder: 'parent',
    ranked: [mainstream().urn, s.urn],
    mainstreamRequested: true,
  });
  expect(prefs.status, JSON.stringify(prefs.body)).toBe(200);
  const a = await t.post(`/cases/${c.body.id}/allocate`, kent);
  expect(a.status, JSON.stringify(a.body)).toBe(201);
  expect(a.body.placement.urn).toBe(s.urn);
  const placementId = a.body.placement.id as string;
  expect((await t.post(`/placements/${placementId}/response`, provider, { decision: 'accept' })).status).toBe(200);
  return { caseId: c.body.id as string, placementId };
}

const refusal = (over: Record<string, unknown> = {}) => ({
  urn: mainstream().urn,
  ground: MAINSTREAM_REFUSAL_GROUND,
  evidence: 'Year 5 class of 34 with three pupils on 1:1 support; the school’s own capacity report for this term',
  ...over,
});
const caseOf = async (id: string) => (await t.request(`/cases/${id}`, { token: kent })).body;
const historyOf = async (id: string) =>
  (await t.request(`/audit?entity=${encodeURIComponent(`case:${id}`)}`, { token: kent })).body.items as any[];
const kentDemand = async () => {
  const se19 = await t.token({ sub: 'coordinator', role: 'partnership', org: 'se19' });
  const v = (await t.request('/partnerships/se19/sufficiency', { token: se19 })).body;
  return {
    kent: v.byLa.find((l: any) => l.laCode === KENT).demand,
    medway: v.byLa.find((l: any) => l.laCode === 'E06000035').demand,
    totals: v.totals.demand,
  };
};

describe('a mainstream refusal recorded with the naming', () => {
  it('refuses bad input with a 400 naming every problem, and writes nothing', async () => {
    const { caseId, placementId } = await accepted('REFUSE-BAD');
    const before = await caseOf(caseId);
    const eventsBefore = (await historyOf(caseId)).length;
    // The wrong ground, and a setting the family never asked for, in one answer.
    const both = await t.post(`/placements/${placementId}/naming`, kent, {
      mainstreamRefusal: refusal({ urn: otherMainstream().urn, ground: 'too_expensive' }),
    });
    expect(both.status).toBe(400);
    expect(both.body.error.details.map((d: any) => d.field).sort()).toEqual([
      'mainstreamRefusal.ground',
      'mainstreamRefusal.urn',
    ]);
    expect(JSON.stringify(both.body)).toContain('not a mainstream setting the family asked for');
    // A special school is not a mainstream request; the setting being named cannot be refused.
    const specialUrn = await t.post(`/placements/${placementId}/naming`, kent, {
      mainstreamRefusal: refusal({ urn: special().urn }),
    });
    expect(specialUrn.status).toBe(400);
    expect(specialUrn.body.error.details[0]).toMatchObject({ field: 'mainstreamRefusal.urn' });
    const noSuch = await t.post(`/placements/${placementId}/naming`, kent, {
      mainstreamRefusal: refusal({ urn: '999999' }),
    });
    expect(noSuch.body.error.details[0].message).toBe('no setting has the URN 999999');
    // Evidence is required, and the request shape is checked field by field.
    const noEvidence = await t.post(`/placements/${placementId}/naming`, kent, {
      mainstreamRefusal: refusal({ evidence: '' }),
    });
    expect(noEvidence.status).toBe(400);
    expect(noEvidence.body.error.details).toEqual([
      expect.objectContaining({
        field: 'mainstreamRefusal.evidence',
        message: 'is required: the evidence for the refusal',
      }),
    ]);
    const badUrn = await t.post(`/placements/${placementId}/naming`, kent, {
      mainstreamRefusal: refusal({ urn: 'abc' }),
    });
    expect(badUrn.body.error.details[0]).toMatchObject({
      field: 'mainstreamRefusal.urn',
      message: 'must be a six-digit URN',
    });
    // Nothing happened: the case is not named and its history has no new event.
    const after = await caseOf(caseId);
    expect(after).toMatchObject({ state: 'allocated', version: before.version });
    expect(after.mainstreamRefusals).toBeUndefined();
    expect((await historyOf(caseId)).length).toBe(eventsBefore);
  }, 120_000);

  it('keeps the refusal with the case, in GET /cases/{id} and the case’s audit trail', async () => {
    const { caseId, placementId } = await accepted('REFUSE-OK');
    const named = await t.post(`/placements/${placementId}/naming`, kent, { mainstreamRefusal: refusal() });
    expect(named.status, JSON.stringify(named.body)).toBe(200);
    const c = await caseOf(caseId);
    expect(c.state).toBe('named');
    expect(c.mainstreamRefusals).toEqual([
      {
        urn: mainstream().urn,
        settingName: mainstream().name,
        ground: MAINSTREAM_REFUSAL_GROUND,
        evidence: refusal().evidence,
        placementId,
        by: { sub: 'officer', role: 'la', org: KENT },
        at: TODAY.toISOString(),
      },
    ]);
    const naming = (await historyOf(caseId)).find((e) => e.action === 'placement.named');
    // The audit event keeps the refusal without its evidence: free text stays on the case, where it can be redacted.
    const { evidence: _evidence, ...withoutEvidence } = c.mainstreamRefusals[0];
    expect(naming.after.mainstreamRefusal).toEqual(withoutEvidence);
    expect(naming.actor).toEqual({ sub: 'officer', role: 'la', org: KENT });
  }, 120_000);

  it('records a refusal at most once when two namings race: the case and the refusal move together', async () => {
    const { caseId, placementId } = await accepted('REFUSE-RACE');
    const answers = await Promise.all(
      [1, 2, 3].map((i) =>
        t.post(`/placements/${placementId}/naming`, kent, {
          mainstreamRefusal: refusal({ evidence: `evidence ${i}` }),
        }),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBe(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect(a.status).toBe(409);
    const c = await caseOf(caseId);
    expect(c.mainstreamRefusals.length).toBe(1);
    expect((await historyOf(caseId)).filter((e) => e.action === 'placement.named').length).toBe(1);
  }, 120_000);

  it('counts refusals by LA in the sufficiency view, suppressed from 1 to 4', async () => {
    const counted = (await kentDemand()).kent.mainstreamRefusals;
    // Two refusals so far from the tests above: shown as <5.
    expect(counted).toBe('<5');
    for (const i of [1, 2, 3]) {
      const { placementId } = await accepted(`REFUSE-COUNT-${i}`);
      expect((await t.post(`/placements/${placementId}/naming`, kent, { mainstreamRefusal: refusal() })).status).toBe(
        200,
      );
    }
    const d = await kentDemand();
    expect(d.kent.mainstreamRefusals).toBe(5);
    expect(d.medway.mainstreamRefusals).toBe(0);
    expect(d.totals.mainstreamRefusals).toBe(5);
  }, 180_000);
});
