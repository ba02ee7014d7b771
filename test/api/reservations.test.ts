/**
 * Reservations of block places, against DynamoDB Local: a provider offers places of a listing to
 * a partnership; only the partnership's acceptance puts the block on the listing (in the same
 * transaction); a decline or a withdrawn offer changes nothing; both sides see the block's use.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingWithListings } from '@placements/domain';
import { afterReadOfSetting, asdDayListing, seededApp, type SeededApp } from '../support/store.ts';

const KENT = 'E10000016';
let t: SeededApp;
let setting: SettingWithListings;
let provider: string;
let otherProvider: string;
let se19: string;
let london: string;
let kent: string;
let seq = 0;
let candidates: SettingWithListings[] = [];
/**
 * A setting of its own for a test that allocates: allocation takes the first listing with a place,
 * so a setting shared with earlier tests' listings could place the case elsewhere.
 */
async function fresh(): Promise<void> {
  setting = candidates.shift()!;
  provider = await t.token({ sub: `head-${setting.urn}`, role: 'provider', org: setting.providerId });
}

const listingBody = (commissioned = 4) => asdDayListing(setting, commissioned);
async function newListing(commissioned = 4): Promise<string> {
  const id = `res-${++seq}`;
  const res = await t.put(`/settings/${setting.urn}/listings/${id}`, provider, listingBody(commissioned));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return id;
}
const own = async (listingId: string) =>
  (await t.request(`/settings/${setting.urn}`, { token: provider })).body.listings.find(
    (l: any) => l.listingId === listingId,
  );
const offer = (listingId: string, body: unknown, token = provider) =>
  t.post(`/settings/${setting.urn}/listings/${listingId}/reservations`, token, body);
const answer = (id: string, body: unknown, token = se19) => t.post(`/reservations/${id}/response`, token, body);
const withdraw = (id: string, token = provider) => t.post(`/reservations/${id}/withdrawal`, token, {});
const list = async (token: string, query = '') => {
  const res = await t.request(`/reservations${query}`, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as any[];
};
/** A Kent case (Kent is a member of SE19) allocated to the listing's setting. */
async function kentAllocates(): Promise<{ status: number; body: any }> {
  const c = await t.post('/cases', kent, { needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' });
  expect(c.status, JSON.stringify(c.body)).toBe(201);
  expect(
    (await t.put(`/cases/${c.body.id}/preferences`, kent, { holder: 'parent', ranked: [setting.urn] })).status,
  ).toBe(200);
  return t.post(`/cases/${c.body.id}/allocate`, kent);
}

beforeAll(async () => {
  t = await seededApp({ now: () => new Date('2026-11-22T10:00:00Z') });
  candidates = t.data.settings.filter(
    (s) =>
      s.type === 'special_maintained' &&
      s.needs.includes('ASD') &&
      s.ageMin <= 9 &&
      s.ageMax >= 9 &&
      !s.listings.some((l) => l.band === 'S3'),
  );
  expect(candidates.length).toBeGreaterThan(4);
  await fresh();
  const other = t.data.settings.find((s) => s.providerId !== setting.providerId)!;
  // A second partnership with Kent as a member, to offer a block to.
  const national = await t.token({ sub: 'dfe', role: 'national', org: 'dfe' });
  expect(
    (
      await t.put('/partnerships/kent-medway', national, {
        name: 'Kent and Medway',
        members: [KENT, 'E06000035'],
        remit: ['Low-incidence, high-cost places'],
      })
    ).status,
  ).toBe(201);
  otherProvider = await t.token({ sub: 'other-head', role: 'provider', org: other.providerId });
  se19 = await t.token({ sub: 'se19-coordinator', role: 'partnership', org: 'se19' });
  london = await t.token({ sub: 'london-coordinator', role: 'partnership', org: 'london' });
  kent = await t.token({ sub: 'kent-officer', role: 'la', org: KENT });
}, 300_000);
afterAll(async () => t?.store.drop());

describe('an offer of block places', () => {
  it('names every bad field of an offer in one 400 and writes nothing', async () => {
    const listingId = await newListing();
    const before = (await list(se19)).length;
    const bad = await offer(listingId, { partnershipId: 'no-such-partnership', places: 999 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['partnershipId', 'places']);
    expect((await list(se19)).length).toBe(before);
    expect((await own(listingId)).blockFor).toBeUndefined();
    // The listing takes an offer afterwards: no marker of a half-made offer was left on it.
    expect((await offer(listingId, { partnershipId: 'se19', places: 1 })).status).toBe(201);
  });

  it('awaits the partnership’s answer and changes nothing on the listing until then', async () => {
    const listingId = await newListing();
    const before = await own(listingId);
    const res = await offer(listingId, { partnershipId: 'se19', places: 2 });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      urn: setting.urn,
      settingName: setting.name,
      listingId,
      band: 'S3',
      partnershipId: 'se19',
      places: 2,
      state: 'offered',
    });
    expect(res.body).not.toHaveProperty('used');
    // The listing is as it was: no block, every place open to anyone.
    expect(await own(listingId)).toEqual(before);
    expect((await list(se19, '?state=offered')).map((r) => r.id)).toContain(res.body.id);
    expect((await list(provider)).find((r) => r.id === res.body.id)).toMatchObject({ state: 'offered' });
    // Neither another partnership nor another provider sees it.
    expect((await list(london)).map((r) => r.id)).not.toContain(res.body.id);
    expect((await list(otherProvider)).map((r) => r.id)).not.toContain(res.body.id);
    expect((await t.request(`/reservations/${res.body.id}`, { token: london })).status).toBe(403);
    // One offer awaits an answer per listing at a time.
    const again = await offer(listingId, { partnershipId: 'kent-medway', places: 1 });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(res.body.id);
  });

  it('is answered only by the partnership it is offered to, and withdrawn only by its provider', async () => {
    const listingId = await newListing();
    const { body: r } = await offer(listingId, { partnershipId: 'se19', places: 1 });
    expect((await answer(r.id, { decision: 'accept' }, london)).status).toBe(403);
    expect((await answer(r.id, { decision: 'accept' }, provider)).status).toBe(403);
    expect((await withdraw(r.id, otherProvider)).status).toBe(403);
    expect((await withdraw(r.id, se19)).status).toBe(403);
    expect((await offer(listingId, { partnershipId: 'se19', places: 1 }, otherProvider)).status).toBe(403);
    // The provider withdraws it: the listing is untouched, and the listing can be offered again.
    const before = await own(listingId);
    const w = await withdraw(r.id);
    expect(w.status, JSON.stringify(w.body)).toBe(200);
    expect(w.body.state).toBe('withdrawn');
    expect(await own(listingId)).toEqual(before);
    expect((await answer(r.id, { decision: 'accept' })).status).toBe(409);
    expect((await offer(listingId, { partnershipId: 'se19', places: 1 })).status).toBe(201);
  });

  it('declined (with a short reason kept out of the audit trail) leaves the listing as it was', async () => {
    const listingId = await newListing();
    const before = await own(listingId);
    const { body: r } = await offer(listingId, { partnershipId: 'se19', places: 3 });
    const named = await answer(r.id, { decision: 'decline', reason: 'Not for Jane Smith' });
    expect(named.status).toBe(400);
    expect(named.body.error.details.map((d: any) => d.field)).toEqual(['reason']);
    const bad = await answer(r.id, { decision: 'maybe', reason: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['decision', 'reason']);
    const res = await answer(r.id, { decision: 'decline', reason: 'our members commission these places already' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ state: 'declined', declineReason: 'our members commission these places already' });
    expect(await own(listingId)).toEqual(before);
    expect((await t.request(`/reservations/${r.id}`, { token: provider })).body.declineReason).toBe(
      'our members commission these places already',
    );
    const events = (await t.store.listings.auditEvents(`reservation:${r.id}`, 10)).items;
    expect(events.map((e) => e.action)).toEqual(['reservation.offered', 'reservation.declined']);
    expect(JSON.stringify(events)).not.toContain('commission these places');
    expect((await answer(r.id, { decision: 'accept' })).status).toBe(409);
  });

  it('has its decline reason erased by the partnership that wrote it, leaving who and why in the audit trail', async () => {
    const listingId = await newListing();
    const { body: r } = await offer(listingId, { partnershipId: 'se19', places: 2 });
    const text = 'the governors of our members already fund this site';
    expect((await answer(r.id, { decision: 'decline', reason: text })).status).toBe(200);
    const redact = (body: unknown, token = se19) => t.post(`/reservations/${r.id}/redactions`, token, body);

    const bad = await redact({ field: 'places' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      { field: 'field', message: 'must be declineReason' },
      { field: 'reason', message: 'is required: a short note' },
    ]);
    expect((await redact({ field: 'declineReason', reason: 'written by mistake' }, provider)).status).toBe(403);
    expect((await redact({ field: 'declineReason', reason: 'written by mistake' }, london)).status).toBe(403);
    expect((await t.request(`/reservations/${r.id}`, { token: provider })).body.declineReason).toBe(text);

    const res = await redact({ field: 'declineReason', reason: 'names a governor' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ state: 'declined', declineReason: '[redacted]' });
    for (const token of [provider, se19])
      expect((await t.request(`/reservations/${r.id}`, { token })).body.declineReason).toBe('[redacted]');
    const events = (await t.store.listings.auditEvents(`reservation:${r.id}`, 10)).items;
    expect(events.map((e) => e.action)).toEqual([
      'reservation.offered',
      'reservation.declined',
      'reservation.text_redacted',
    ]);
    expect(events[2]).toMatchObject({
      actor: { sub: 'se19-coordinator', role: 'partnership', org: 'se19' },
      note: { redacted: 'declineReason', reason: 'names a governor' },
    });
    // Nothing of the text is left: not in its text item, the reservation or its audit events.
    for (const pk of [`TEXT#reservation:${r.id}`, `RESERVATION#${r.id}`]) {
      const items = await t.store.db.send(
        new QueryCommand({
          TableName: t.store.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
        }),
      );
      expect(items.Items?.length, pk).toBeGreaterThan(0);
      expect(JSON.stringify(items.Items), pk).not.toContain('governors');
    }
    expect(JSON.stringify(events)).not.toContain('governors');

    const again = await redact({ field: 'declineReason', reason: 'twice' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already redacted/);
  });
});

describe('an accepted block', () => {
  it('takes effect on the listing with the acceptance; both sides see its use; it cannot be withdrawn while used', async () => {
    await fresh();
    const listingId = await newListing(3);
    const v0 = (await own(listingId)).version;
    const { body: r } = await offer(listingId, { partnershipId: 'se19', places: 2 });
    const accepted = await answer(r.id, { decision: 'accept' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ state: 'accepted', used: 0, left: 2 });
    expect(await own(listingId)).toMatchObject({
      blockFor: { partnershipId: 'se19', places: 2, reservationId: r.id },
      blockUsed: 0,
      availableToAll: 1,
      version: v0 + 1,
    });
    const history = (await t.store.listings.auditEvents(`listing:${setting.urn}:${listingId}`, 10)).items;
    expect(history.map((e) => e.action)).toEqual(['listing.created', 'listing.block_accepted']);

    // A member's allocation takes a block place: both sides see it used.
    const placed = await kentAllocates();
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.placement.blockPartnershipId).toBe('se19');
    expect((await list(se19, '?state=accepted')).find((x) => x.id === r.id)).toMatchObject({ used: 1, left: 1 });
    expect((await list(provider)).find((x) => x.id === r.id)).toMatchObject({ used: 1, left: 1, places: 2 });

    // Anyone else sees the block's size, never its use or the live counts.
    const pub = (await t.request(`/settings/${setting.urn}`)).body.listings.find((l: any) => l.listingId === listingId);
    expect(pub.blockFor).toEqual({ partnershipId: 'se19', places: 2 });
    for (const hidden of ['held', 'filled', 'blockUsed', 'availableToAll']) expect(pub).not.toHaveProperty(hidden);
    const asLa = (await t.request(`/settings/${setting.urn}`, { token: kent })).body.listings.find(
      (l: any) => l.listingId === listingId,
    );
    expect(asLa).not.toHaveProperty('held');

    // Members' places in use: the block stays, and no other partnership can take it over.
    const w = await withdraw(r.id);
    expect(w.status).toBe(409);
    expect(w.body.error.message).toMatch(/1 of the block places are in use/);
    const other = await offer(listingId, { partnershipId: 'kent-medway', places: 2 });
    expect(other.status).toBe(400);
    expect(other.body.error.details.map((d: any) => d.field)).toEqual(['partnershipId']);
    const fewer = await offer(listingId, { partnershipId: 'se19', places: 0 });
    expect(fewer.status).toBe(400);

    // A listing PUT keeps the block as accepted, and cannot shrink below it.
    const current = await own(listingId);
    const shrink = await t.put(`/settings/${setting.urn}/listings/${listingId}`, provider, listingBody(1), {
      'if-match': String(current.version),
    });
    expect(shrink.status).toBe(400);
    expect(shrink.body.error.details.map((d: any) => d.field)).toEqual(['commissioned']);
    const grow = await t.put(`/settings/${setting.urn}/listings/${listingId}`, provider, listingBody(5), {
      'if-match': String(current.version),
    });
    expect(grow.status, JSON.stringify(grow.body)).toBe(200);
    expect(grow.body).toMatchObject({
      blockFor: { partnershipId: 'se19', places: 2, reservationId: r.id },
      blockUsed: 1,
      availableToAll: 3,
    });

    // A bigger block for the same partnership supersedes the first and keeps the places in use.
    const { body: more } = await offer(listingId, { partnershipId: 'se19', places: 4 });
    const bigger = await answer(more.id, { decision: 'accept' });
    expect(bigger.status, JSON.stringify(bigger.body)).toBe(200);
    expect(bigger.body).toMatchObject({ state: 'accepted', places: 4, used: 1, left: 3 });
    expect((await t.request(`/reservations/${r.id}`, { token: se19 })).body).toMatchObject({ state: 'superseded' });
    expect(await own(listingId)).toMatchObject({
      blockFor: { partnershipId: 'se19', places: 4, reservationId: more.id },
      blockUsed: 1,
    });
  });

  it('once its places are released, withdrawn by the provider: the listing is open to anyone again', async () => {
    const listingId = await newListing(2);
    const { body: r } = await offer(listingId, { partnershipId: 'se19', places: 2 });
    expect((await answer(r.id, { decision: 'accept' })).status).toBe(200);
    expect(await own(listingId)).toMatchObject({ availableToAll: 0, available: 2 });
    const w = await withdraw(r.id);
    expect(w.status, JSON.stringify(w.body)).toBe(200);
    expect(w.body).toMatchObject({ state: 'withdrawn' });
    expect(w.body).not.toHaveProperty('used');
    const l = await own(listingId);
    expect(l).not.toHaveProperty('blockFor');
    expect(l).toMatchObject({ availableToAll: 2, available: 2 });
    expect((await withdraw(r.id)).status).toBe(409);
  });

  it('records exactly one answer when the partnership accepts and declines at once', async () => {
    const listingId = await newListing(3);
    const { body: r } = await offer(listingId, { partnershipId: 'se19', places: 1 });
    const results = await Promise.all([
      answer(r.id, { decision: 'accept' }),
      answer(r.id, { decision: 'decline' }),
      answer(r.id, { decision: 'accept' }),
    ]);
    const statuses = results.map((x) => x.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(2);
    const won = results.find((x) => x.status === 200)!.body.state;
    const l = await own(listingId);
    if (won === 'accepted') expect(l.blockFor).toMatchObject({ reservationId: r.id, places: 1 });
    else expect(l).not.toHaveProperty('blockFor');
  });

  it('accepted while members allocate on the same listing: the block is built on the listing as it is at commit', async () => {
    await fresh();
    const listingId = await newListing(4);
    const { body: r } = await offer(listingId, { partnershipId: 'se19', places: 3 });
    // Allocations move the listing's version between the acceptance's read and its write.
    const [acc, ...allocs] = await Promise.all([
      answer(r.id, { decision: 'accept' }),
      kentAllocates(),
      kentAllocates(),
    ]);
    expect(acc.status, JSON.stringify(acc.body)).toBe(200);
    expect(allocs.map((a) => a.status)).toEqual([201, 201]);
    const l = await own(listingId);
    expect(l.held).toBe(2);
    expect(l.available).toBe(2);
    // Allocations made before the block took effect took open places; none is lost or counted twice.
    expect(l.blockFor.places).toBe(3);
    expect(l.availableToAll).toBe(Math.max(0, l.available - (3 - l.blockUsed)));
  });

  it('shrunk while a member allocates from it: the allocation never uses more block places than the block has', async () => {
    await fresh();
    const listingId = await newListing(4);
    const { body: r } = await offer(listingId, { partnershipId: 'se19', places: 3 });
    expect((await answer(r.id, { decision: 'accept' })).status).toBe(200);
    expect((await kentAllocates()).status).toBe(201);
    expect((await kentAllocates()).status).toBe(201);
    expect(await own(listingId)).toMatchObject({ blockFor: { places: 3 }, blockUsed: 2, available: 2 });
    const { body: smaller } = await offer(listingId, { partnershipId: 'se19', places: 2 });
    const c = await t.post('/cases', kent, { needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' });
    expect(
      (await t.put(`/cases/${c.body.id}/preferences`, kent, { holder: 'parent', ranked: [setting.urn] })).status,
    ).toBe(200);
    // The block shrinks to the 2 in use between the allocation's read of the listing and its commit
    // (forced: the acceptance runs inside the read), so the read still says 3 places, 1 left.
    const { result, interleaved } = await afterReadOfSetting(
      t.store,
      setting.urn,
      async () => expect((await answer(smaller.id, { decision: 'accept' })).status).toBe(200),
      () => t.post(`/cases/${c.body.id}/allocate`, kent),
    );
    expect(interleaved).toBe(true);
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    const l = await own(listingId);
    // The member's place came from the open places: the block of 2 is used by 2, not 3.
    expect(l).toMatchObject({ blockFor: { places: 2 }, blockUsed: 2, held: 3, available: 1, availableToAll: 1 });
  });

  it('withdrawn once released: a non-member waiting for the listing is offered the place', async () => {
    await fresh();
    const surrey = await t.token({ sub: 'surrey-officer', role: 'la', org: 'E10000030' });
    const listingId = await newListing(1);
    const { body: r } = await offer(listingId, { partnershipId: 'kent-medway', places: 1 });
    expect(
      (
        await answer(
          r.id,
          { decision: 'accept' },
          await t.token({ sub: 'km', role: 'partnership', org: 'kent-medway' }),
        )
      ).status,
    ).toBe(200);
    // Kent (a member) takes the block place; Surrey (not a member) finds the listing full and waits.
    const kp = await kentAllocates();
    expect(kp.status, JSON.stringify(kp.body)).toBe(201);
    const c = await t.post('/cases', surrey, { needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' });
    expect(
      (await t.put(`/cases/${c.body.id}/preferences`, surrey, { holder: 'parent', ranked: [setting.urn] })).status,
    ).toBe(200);
    const queued = await t.post(`/cases/${c.body.id}/allocate`, surrey);
    expect(queued.status, JSON.stringify(queued.body)).toBe(409);
    // The setting declines Kent's child: the place goes back to the block, still closed to Surrey.
    const declined = await t.post(`/placements/${kp.body.placement.id}/response`, provider, {
      decision: 'decline',
      reasons: ['unsuitable_age_ability_aptitude_or_sen'],
    });
    expect(declined.status, JSON.stringify(declined.body)).toBe(200);
    expect(await own(listingId)).toMatchObject({ available: 1, blockUsed: 0, availableToAll: 0 });
    expect((await t.request(`/cases/${c.body.id}`, { token: surrey })).body.state).toBe('open');
    // The block is withdrawn: the place is open to anyone, and the waiting list offers it to Surrey.
    expect((await withdraw(r.id)).status).toBe(200);
    const after = await t.request(`/cases/${c.body.id}`, { token: surrey });
    expect(after.body.state).toBe('allocated');
    expect(await own(listingId)).toMatchObject({ available: 0, held: 1, availableToAll: 0 });
  });
});
