/**
 * People are told when they are needed: changes committed through the API, read back from
 * DynamoDB Local's real stream, become notifications in the right inbox and emails through a real
 * SMTP server. The stream is read by a small helper (test/support/stream.ts) standing in for the
 * table's stream consumer, which hands the same changes to the same handler.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SettingWithListings } from '@placements/domain';
import { notificationsHandler, notify, sendDigests, type NotifierDeps } from '@placements/api';
import { logDeadLetters, smtpMailSender, staticDirectory } from '@placements/store/mail';
import { seededApp, type SeededApp } from '../support/store.ts';
import { enableStream, streamReader, type StreamReader } from '../support/stream.ts';
import { startSmtpServer } from '../support/smtp.ts';

const TODAY = new Date('2026-11-22T10:00:00Z');
let now = TODAY;
let t: SeededApp;
let kent: string;
let reader: StreamReader;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let notifier: NotifierDeps;
let deadLetters: ReturnType<typeof logDeadLetters>;
let medway: SettingWithListings;
let other: SettingWithListings;
let provider: string;

const KENT = 'E10000016';
const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));
const body = (raw: string) => raw.replace(/=\r\n/g, '');
const inbox = async (token: string) => {
  const r = await t.request('/notifications', { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { items: any[]; nextCursor: string | null; unread: number };
};
const drain = () => reader.drainInto(notificationsHandler(notifier));

beforeAll(async () => {
  // This test reads the stream itself (twice, for the replay), so the app's own consumer stays off.
  t = await seededApp({ now: () => now, drainAfterWrites: false });
  const endpoint = inject('dynamoDbEndpoint');
  reader = streamReader(endpoint, await enableStream(endpoint, t.store.tableName));
  await reader.read(); // the seed data is history: notifications start from here
  // 451 twice then accepted (a busy server); 550 always (an address that does not exist).
  smtp = await startSmtpServer((to, n) =>
    to.startsWith('busy') && n <= 2 ? 451 : to.startsWith('gone') ? 550 : undefined,
  );
  const suits = (s: SettingWithListings) =>
    s.needs.includes('ASD') && s.ageMin <= 9 && s.ageMax >= 9 && s.type.startsWith('special');
  medway = t.data.settings.find((s) => s.laCode === 'E06000035' && suits(s))!;
  other = t.data.settings.find((s) => suits(s) && s.providerId !== medway.providerId)!;
  provider = await t.token({ sub: 'medway-head', role: 'provider', org: medway.providerId });
  kent = await t.token({ sub: 'kent-officer', role: 'la', org: KENT });
  deadLetters = logDeadLetters(() => {});
  notifier = {
    store: t.store,
    directory: staticDirectory([
      { sub: 'medway-head', email: 'head@medway.example', role: 'provider', org: medway.providerId },
      { sub: 'medway-busy', email: 'busy@medway.example', role: 'provider', org: medway.providerId },
      { sub: 'kent-officer', email: 'officer@kent.example', role: 'la', org: KENT },
      { sub: 'kent-gone', email: 'gone@kent.example', role: 'la', org: KENT },
      { sub: 'kent-digest', email: 'digest@kent.example', role: 'la', org: KENT },
    ]),
    mail: smtpMailSender({ host: '127.0.0.1', port: smtp.port, from: 'placements@example.gov.uk' }),
    deadLetters,
    appUrl: 'http://127.0.0.1:3000',
    retry: { attempts: 4, baseDelayMs: 20 },
    now: () => now,
  };
  await t.store.notifications.putPreferences('kent-digest', { email: 'daily_digest', nudges: true });
  // The Medway setting publishes one S3 place for ASD.
  expect(
    (
      await t.put(`/settings/${medway.urn}/listings/notify-s3`, provider, {
        band: 'S3',
        needs: ['ASD'],
        ageMin: medway.ageMin,
        ageMax: medway.ageMax,
        attendance: 'day',
        commissioned: 1,
        filled: 0,
        availableFrom: '2026-09-01',
      })
    ).status,
  ).toBe(201);
}, 180_000);
afterAll(async () => {
  reader?.close();
  await smtp?.close();
  await t?.store.drop();
});

let placementId: string;
let caseId: string;

describe('notifications from the table’s stream', () => {
  it('a Kent allocation to a Medway setting reaches the Medway provider’s inbox and mailbox, without the child’s identity', async () => {
    const c = await t.post('/cases', kent, {
      ref: 'KNT-NOTIFY-1',
      needs: ['ASD'],
      band: 'S3',
      age: 9,
      homeDistrict: 'ME14',
    });
    caseId = c.body.id;
    await t.put(`/cases/${caseId}/preferences`, kent, { holder: 'parent', ranked: [medway.urn] });
    const a = await t.post(`/cases/${caseId}/allocate`, kent);
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    placementId = a.body.placement.id;
    expect(await drain()).toBeGreaterThan(0);

    const box = await inbox(provider);
    const n = box.items.find((i) => i.kind === 'consultation_requested');
    expect(n).toMatchObject({
      read: false,
      link: '/provider/consultations',
      facts: { urn: medway.urn, band: 'S3', need: 'ASD', age: 9, respondBy: '2026-12-07', placementId },
    });
    expect(n.title).toContain('answer by 2026-12-07');
    // The provider is not given the LA's case reference.
    expect(JSON.stringify(n)).not.toContain('KNT-NOTIFY-1');
    expect(box.unread).toBe(1);

    // Both Medway users were emailed; the busy server refused twice and took it on the third try.
    const head = mailsTo('head@medway.example');
    expect(head).toHaveLength(1);
    expect(head[0]!.subject).toContain('Consultation');
    expect(body(head[0]!.raw)).toContain(`http://127.0.0.1:3000/app/#/provider/consultations`);
    expect(mailsTo('busy@medway.example')).toHaveLength(1);
    expect(n.email['medway-head']).toMatchObject({ status: 'sent', attempts: 1 });
    expect(n.email['medway-busy']).toMatchObject({ status: 'sent', attempts: 3 });

    // Another provider's inbox has nothing of it.
    const stranger = await t.token({ sub: 'x', role: 'provider', org: other.providerId });
    expect((await inbox(stranger)).items.some((i) => i.facts.placementId === placementId)).toBe(false);
  }, 60_000);

  it('a batch delivered twice stores and emails nothing twice (deduplicated by event id)', async () => {
    const before = smtp.mails.length;
    // The same changes again, as a retried stream batch would bring them.
    const again = notificationsHandler(notifier);
    const reread = streamReader(
      inject('dynamoDbEndpoint'),
      await enableStream(inject('dynamoDbEndpoint'), t.store.tableName),
    );
    await again(await reread.read());
    reread.close();
    expect(smtp.mails.length).toBe(before);
    expect((await inbox(provider)).items.filter((i) => i.kind === 'consultation_requested')).toHaveLength(1);
    // The same new change twice in one batch: stored once, each user emailed once.
    const twice = {
      sourceId: 'twice-in-one-batch',
      kind: 'consultation_requested' as const,
      recipient: { role: 'provider' as const, org: medway.providerId },
      facts: { urn: medway.urn, respondBy: '2026-12-14' },
      link: '/provider/consultations',
      at: now.toISOString(),
    };
    const heads = mailsTo('head@medway.example').length;
    const created = await notify(notifier, [twice, twice]);
    expect(created).toHaveLength(1);
    expect(mailsTo('head@medway.example')).toHaveLength(heads + 1);
    expect(smtp.mails.length).toBe(before + 2); // head@ and busy@, once each
  });

  it('declining notifies Kent with the legal reason, never the free text; a dead address is failed and dead-lettered', async () => {
    const r = await t.post(`/placements/${placementId}/response`, provider, {
      decision: 'decline',
      reasons: ['incompatible_with_efficient_use_of_resources'],
      detail: 'Staff note that must never leave the service',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await drain();
    const box = await inbox(kent);
    const n = box.items.find((i) => i.kind === 'consultation_declined');
    expect(n).toMatchObject({
      link: `/cases/${caseId}`,
      facts: { urn: medway.urn, declineReasons: ['incompatible_with_efficient_use_of_resources'] },
    });
    expect(n.title).toContain('incompatible with the efficient use of resources');
    expect(JSON.stringify(n)).not.toContain('Staff note');
    const mail = mailsTo('officer@kent.example');
    expect(mail).toHaveLength(1);
    expect(mail[0]!.raw).not.toContain('Staff note');
    // 550 is permanent: one attempt, status failed on the notification, and a dead letter.
    expect(n.email['kent-gone']).toMatchObject({ status: 'failed', attempts: 1 });
    expect(n.email['kent-gone'].error).toContain('Mailbox unavailable');
    expect(deadLetters.entries).toHaveLength(1);
    // The digest user's email waits for the morning.
    expect(n.email['kent-digest']).toMatchObject({ status: 'digest' });
    expect(mailsTo('digest@kent.example')).toHaveLength(0);
  });

  it('the daily digest goes out at 07:00 with everything since, once', async () => {
    now = new Date('2026-11-23T06:59:00Z');
    expect(await sendDigests(notifier)).toBe(0);
    now = new Date('2026-11-23T07:00:00Z');
    expect(await sendDigests(notifier)).toBe(1);
    const digest = mailsTo('digest@kent.example');
    expect(digest).toHaveLength(1);
    expect(digest[0]!.subject).toContain('1 thing needs your attention');
    expect(body(digest[0]!.raw)).toContain('declined');
    expect(await sendDigests(notifier)).toBe(0);
    const n = (await inbox(kent)).items.find((i) => i.kind === 'consultation_declined');
    expect(n.email['kent-digest']).toMatchObject({ status: 'sent' });
    now = TODAY;
  });

  it('unread first, newest first; marking read moves an item down and lowers the count, for the whole organisation only', async () => {
    const box = await inbox(kent);
    expect(box.unread).toBe(box.items.filter((i) => !i.read).length);
    const first = box.items[0];
    const r = await t.post(`/notifications/${first.id}/read`, kent);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ read: true, readBy: 'kent-officer' });
    // A colleague in the same LA sees it read too.
    const colleague = await t.token({ sub: 'kent-colleague', role: 'la', org: KENT });
    const after = await inbox(colleague);
    expect(after.unread).toBe(box.unread - 1);
    expect(after.items.at(-1).id).toBe(first.id);
    // Another LA cannot read or mark it.
    const medwayLa = await t.token({ sub: 'medway-officer', role: 'la', org: 'E06000035' });
    expect((await t.post(`/notifications/${first.id}/read`, medwayLa)).status).toBe(404);
    expect((await inbox(medwayLa)).items).toEqual([]);
    // A made-up id is a 400 naming the field, not a 500.
    const bad = await t.post('/notifications/not-an-id/read', kent);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('id');
  });

  it('pages the inbox with limit and cursor, with no item twice', async () => {
    for (let i = 0; i < 5; i++) {
      await t.store.notifications.put(
        {
          sourceId: `page-${i}`,
          kind: 'round_completed',
          recipient: { role: 'la', org: KENT },
          facts: { cases: 2, allocated: i },
          link: '/cases',
          at: new Date(TODAY.getTime() + i * 1000).toISOString(),
        },
        {},
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await t.request(`/notifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: kent });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((i: any) => i.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe((await inbox(kent)).items.length);
    expect((await t.request('/notifications?limit=0', { token: kent })).status).toBe(400);
    expect((await t.request('/notifications?cursor=garbage', { token: kent })).status).toBe(400);
  });

  it('a batch of new notifications is stored together; one stored meanwhile and read keeps its read state', async () => {
    const draft = (i: number) => ({
      sourceId: `together-${i}`,
      kind: 'round_completed' as const,
      recipient: { role: 'la' as const, org: KENT },
      facts: { cases: 3, allocated: i },
      link: '/cases',
      at: new Date(TODAY.getTime() + 10_000 + i * 1000).toISOString(),
    });
    // One of them is stored by another run of the same batch, and read, before this one writes.
    const { notification: early } = await t.store.notifications.put(draft(1), {});
    expect((await t.post(`/notifications/${early.id}/read`, kent)).status).toBe(200);
    const drafts = [0, 1, 2, 2].map(draft); // the same draft twice in one batch is stored once
    const put = await t.store.notifications.putNew(drafts.map((d) => ({ draft: d, email: {} })));
    expect(put.map((p) => [p.notification.facts.allocated, p.created])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(put[1]!.notification).toMatchObject({ id: early.id, read: true });
    const box = (await inbox(kent)).items.filter((i) => String(i.link) === '/cases' && i.facts?.cases === 3);
    expect(box.map((i) => [i.facts.allocated, i.read]).sort()).toEqual([
      [0, false],
      [1, true],
      [2, false],
    ]);
  });

  it('preferences: each user chooses immediate, a daily digest or no email, and whether to get nudges', async () => {
    expect((await t.request('/notifications/preferences', { token: provider })).body).toEqual({
      email: 'immediate',
      nudges: true,
    });
    const saved = await t.put('/notifications/preferences', provider, { email: 'daily_digest', nudges: false });
    expect(saved.status).toBe(200);
    expect((await t.request('/notifications/preferences', { token: provider })).body).toEqual({
      email: 'daily_digest',
      nudges: false,
    });
    const bad = await t.put('/notifications/preferences', provider, { email: 'weekly' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['email', 'nudges']);
    await t.put('/notifications/preferences', provider, { email: 'immediate', nudges: true });
  });
});

describe('reservations of block places', () => {
  it('an offer reaches the partnership’s coordinators as a request awaiting its answer; the answer reaches the provider, never its reason', async () => {
    const withCoordinators: NotifierDeps = {
      ...notifier,
      directory: staticDirectory([
        { sub: 'medway-head', email: 'head@medway.example', role: 'provider', org: medway.providerId },
        { sub: 'se19-coordinator', email: 'coordinator@se19.example', role: 'partnership', org: 'se19' },
      ]),
    };
    const run = () => reader.drainInto(notificationsHandler(withCoordinators));
    const se19 = await t.token({ sub: 'se19-coordinator', role: 'partnership', org: 'se19' });
    const offer = async () => {
      const res = await t.post(`/settings/${medway.urn}/listings/notify-s3/reservations`, provider, {
        partnershipId: 'se19',
        places: 1,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(await run()).toBeGreaterThan(0);
      return res.body.id as string;
    };
    const first = await offer();
    const request = (await inbox(se19)).items.find((i) => i.facts.reservationId === first);
    expect(request).toMatchObject({
      kind: 'reservation_offered',
      read: false,
      link: '/reservations',
      facts: { urn: medway.urn, listingId: 'notify-s3', partnershipId: 'se19', places: 1 },
    });
    expect(request.title).toMatch(/await your answer/);
    expect(mailsTo('coordinator@se19.example').map((m) => m.subject)).toEqual([request.title]);

    const reason = 'our members commission these places already';
    expect((await t.post(`/reservations/${first}/response`, se19, { decision: 'decline', reason })).status).toBe(200);
    await run();
    const declined = (await inbox(provider)).items.find((i) => i.kind === 'reservation_declined');
    expect(declined).toMatchObject({
      link: '/provider/reservations',
      facts: { reservationId: first, partnershipId: 'se19', places: 1 },
    });
    expect(JSON.stringify(declined)).not.toContain(reason);
    const declinedMail = mailsTo('head@medway.example').find((m) => m.subject === declined.title)!;
    expect(declinedMail.subject).toContain('declined');
    expect(body(declinedMail.raw)).not.toContain(reason);

    const second = await offer();
    expect((await t.post(`/reservations/${second}/response`, se19, { decision: 'accept' })).status).toBe(200);
    await run();
    const accepted = (await inbox(provider)).items.find((i) => i.kind === 'reservation_accepted');
    expect(accepted).toMatchObject({ facts: { reservationId: second, places: 1 } });
    expect(mailsTo('head@medway.example').some((m) => m.subject === accepted.title)).toBe(true);
    // Nobody else is told: not the LA, not another partnership.
    expect((await inbox(kent)).items.some((i) => String(i.kind).startsWith('reservation'))).toBe(false);
    const london = await t.token({ sub: 'london-coordinator', role: 'partnership', org: 'london' });
    expect((await inbox(london)).items).toEqual([]);
  }, 60_000);
});
