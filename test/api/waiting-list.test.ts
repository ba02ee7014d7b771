import { describe, expect, it } from 'vitest';
import type { SettingWithListings } from '@placements/domain';
import { runEscalations } from '@placements/api';
import { withTwoLaOfficers, type SeededApp } from '../support/store.ts';

/** A clock the tests move on, so queue order (by time joined) is explicit. */
let now = new Date('2026-11-22T10:00:00Z');
const tick = () => (now = new Date(now.getTime() + 60_000));
let t: SeededApp;
let kent: string;
let medway: string;
const post: SeededApp['post'] = (...a) => t.post(...a);
const put: SeededApp['put'] = (...a) => t.put(...a);

withTwoLaOfficers(
  () => now,
  (s) => ({ t, kent, medway } = s),
);

/** A setting for ASD at 9 with no S3 ASD listing of its own yet, so the test's listing is the only place. */
const quiet = (type: string) =>
  t.data.settings.find(
    (s) =>
      s.type === type &&
      s.needs.includes('ASD') &&
      s.ageMin <= 9 &&
      s.ageMax >= 9 &&
      !s.listings.some((l) => l.band === 'S3' && l.needs.includes('ASD')),
  )!;
const academy = () => quiet('special_academy');

async function caseFor(token: string, ref: string, ranked: string[]) {
  tick();
  const c = await post('/cases', token, { ref, needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  const p = await put(`/cases/${c.body.id}/preferences`, token, { holder: 'parent', ranked });
  expect(p.status, JSON.stringify(p.body)).toBe(200);
  return c.body.id as string;
}

async function listing(s: SettingWithListings, id: string, commissioned: number, provider: string) {
  const current = (await t.ownSetting(s.urn)).body.listings.find((l: any) => l.listingId === id);
  const body = {
    band: 'S3',
    needs: ['ASD'],
    ageMin: s.ageMin,
    ageMax: s.ageMax,
    attendance: 'day',
    commissioned,
    filled: 0,
    availableFrom: '2026-09-01',
  };
  const res = await put(
    `/settings/${s.urn}/listings/${id}`,
    provider,
    body,
    current ? { 'if-match': String(current.version) } : {},
  );
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

describe('waiting lists and freed places', () => {
  it('queues cases that found no place, in order, and offers freed places to them in that order', async () => {
    const s = academy();
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    await listing(s, 'queue-s3', 1, provider);

    const a = await caseFor(kent, 'WL-A', [s.urn]);
    const held = await post(`/cases/${a}/allocate`, kent);
    expect(held.status, JSON.stringify(held.body)).toBe(201);

    // Three more cases, from two LAs, find no place: each joins the queue, and the 409 says where.
    const b = await caseFor(kent, 'WL-B', [s.urn]);
    const c = await caseFor(medway, 'WL-C', [s.urn]);
    const d = await caseFor(kent, 'WL-D', [s.urn]);
    const positions: number[] = [];
    for (const [id, token] of [
      [b, kent],
      [c, medway],
      [d, kent],
    ] as const) {
      tick();
      const res = await post(`/cases/${id}/allocate`, token);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('no_available_place');
      const mine = res.body.error.details[0].waiting.find((w: any) => w.listingId === 'queue-s3');
      positions.push(mine.position);
    }
    expect(positions).toEqual([1, 2, 3]);
    expect((await t.request(`/cases/${c}`, { token: medway })).body.waiting).toEqual([
      expect.objectContaining({ urn: s.urn, listingId: 'queue-s3', position: 2 }),
    ]);

    // The queue is visible: to an LA only its own entries (Medway's shows as one more ahead of D),
    // to the provider every position without case ids.
    const asKent = await t.request(`/settings/${s.urn}/listings/queue-s3/waiting-list`, { token: kent });
    expect(asKent.status).toBe(200);
    expect(asKent.body.items.map((e: any) => [e.position, e.ahead, e.laCode, e.caseId])).toEqual([
      [1, 0, 'E10000016', b],
      [3, 2, 'E10000016', d],
    ]);
    const asProvider = await t.request(`/settings/${s.urn}/listings/queue-s3/waiting-list`, { token: provider });
    expect(asProvider.body.items.every((e: any) => e.caseId === undefined)).toBe(true);
    const otherProvider = await t.token({ sub: 'x', role: 'provider', org: 'PRV000000' });
    expect(
      (await t.request(`/settings/${s.urn}/listings/queue-s3/waiting-list`, { token: otherProvider })).status,
    ).toBe(403);
    expect((await t.request(`/settings/${s.urn}/listings/queue-s3/waiting-list`)).status).toBe(401);

    // The setting declines A: the freed place goes to B, first in the queue, and is held for it.
    tick();
    const declined = await post(`/placements/${held.body.placement.id}/response`, provider, {
      decision: 'decline',
      reasons: ['incompatible_with_efficient_use_of_resources'],
    });
    expect(declined.status).toBe(200);
    const caseB = (await t.request(`/cases/${b}`, { token: kent })).body;
    expect(caseB.state).toBe('allocated');
    expect(caseB.placement).toMatchObject({
      urn: s.urn,
      listingId: 'queue-s3',
      state: 'consulting',
      fromWaitingList: true,
    });
    expect(caseB.waiting).toEqual([]);
    expect((await t.request(`/cases/${c}`, { token: medway })).body.waiting[0].position).toBe(1);

    // The provider commissions two more places: C then D are offered them, in order.
    tick();
    await listing(s, 'queue-s3', 3, provider);
    expect((await t.request(`/cases/${c}`, { token: medway })).body).toMatchObject({
      state: 'allocated',
      placement: { listingId: 'queue-s3', fromWaitingList: true },
    });
    expect((await t.request(`/cases/${d}`, { token: kent })).body).toMatchObject({
      state: 'allocated',
      placement: { listingId: 'queue-s3' },
    });
    expect((await t.request(`/settings/${s.urn}/listings/queue-s3/waiting-list`, { token: kent })).body.items).toEqual(
      [],
    );
    const l = (await t.ownSetting(s.urn)).body.listings.find((x: any) => x.listingId === 'queue-s3');
    expect(l).toMatchObject({ commissioned: 3, held: 3, available: 0 });

    // A is open again and was declined by this listing: it is not offered the listing again.
    expect((await t.request(`/cases/${a}`, { token: kent })).body).toMatchObject({
      state: 'open',
      declined: [`${s.urn}#queue-s3`],
    });
    const audit = await t.request(`/audit?entity=case:${b}`, { token: kent });
    expect(audit.body.items.map((e: any) => e.action)).toEqual([
      'case.opened',
      'case.preferences',
      'case.waiting',
      'case.allocated',
    ]);
    expect(audit.body.items[3].actor.sub).toBe('system:waiting-list');
  });

  it('drops a case from queues of settings it no longer ranks, and the scheduled job offers places a release missed', async () => {
    const s = quiet('special_maintained');
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    await listing(s, 'queue-m', 0, provider);
    const e = await caseFor(kent, 'WL-E', [s.urn]);
    const f = await caseFor(kent, 'WL-F', [s.urn]);
    for (const id of [e, f]) {
      tick();
      expect((await post(`/cases/${id}/allocate`, kent)).status).toBe(409);
    }
    const other = academy();
    // E now ranks another setting only: it leaves this queue, and F moves up.
    tick();
    const changed = await put(`/cases/${e}/preferences`, kent, { holder: 'parent', ranked: [other.urn] });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.waiting).toEqual([]);
    expect(
      (await t.request(`/cases/${f}`, { token: kent })).body.waiting.find((w: any) => w.listingId === 'queue-m')
        .position,
    ).toBe(1);

    // A place freed while the stream consumer is not running (here: written straight to the store,
    // the stream not drained) is picked up by the job.
    const stored = (await t.store.settings.getSetting(s.urn, { consistent: true }))!;
    const before = stored.listings.find((l) => l.listingId === 'queue-m')!;
    await t.store.listings.putListing(
      stored,
      { listing: { ...before, commissioned: 1, available: 1, version: before.version + 1 }, before },
      { sub: 'ops', role: 'national', org: 'dfe' },
    );
    expect((await t.request(`/cases/${f}`, { token: kent })).body.state).toBe('open');
    const run = await runEscalations({ store: t.store, auth: { authenticate: async () => undefined }, now: () => now });
    expect(run.placesOffered).toBe(1);
    expect((await t.request(`/cases/${f}`, { token: kent })).body).toMatchObject({
      state: 'allocated',
      placement: { urn: s.urn, listingId: 'queue-m' },
    });
  });
});
