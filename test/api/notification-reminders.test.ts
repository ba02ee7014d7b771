/**
 * Time-driven notifications from the scheduled escalation job, with the clock fixed and moved on:
 * consultation reminders 5 days before the respond-by date and on the day, and the nudge for a
 * listing not updated for 30 days (a user who opted out of nudges is not emailed them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consultationReminders, type SettingWithListings } from '@placements/domain';
import { notify, runEscalations, type Deps, type NotifierDeps } from '@placements/api';
import { logDeadLetters, smtpMailSender, staticDirectory } from '@placements/store/mail';
import { seededApp, type SeededApp } from '../support/store.ts';
import { startSmtpServer } from '../support/smtp.ts';

let now = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let deps: Deps;
let notifier: NotifierDeps;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let s: SettingWithListings;
let provider: string;
let placementId: string;

beforeAll(async () => {
  t = await seededApp({ now: () => now });
  deps = { store: t.store, auth: { authenticate: async () => undefined }, now: () => now };
  smtp = await startSmtpServer();
  s = t.data.settings.find(
    (x) => x.type === 'special_academy' && x.needs.includes('ASD') && x.ageMin <= 9 && x.ageMax >= 9,
  )!;
  provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
  notifier = {
    store: t.store,
    directory: staticDirectory([{ sub: 'head', email: 'head@academy.example', role: 'provider', org: s.providerId }]),
    mail: smtpMailSender({ host: '127.0.0.1', port: smtp.port, from: 'placements@example.gov.uk' }),
    deadLetters: logDeadLetters(() => {}),
    appUrl: 'http://127.0.0.1:3000',
    retry: { attempts: 2, baseDelayMs: 10 },
  };
  // The head teacher wants no nudges: statutory reminders still come.
  await t.store.notifications.putPreferences('head', { email: 'immediate', nudges: false });
}, 180_000);
afterAll(async () => {
  await smtp?.close();
  await t?.store.drop();
});

const run = () => runEscalations(deps, undefined, { notifier, staleListingDays: 30 });
const kinds = async () => (await t.request('/notifications?limit=200', { token: provider })).body.items as any[];
const mails = (word: string) => smtp.mails.filter((m) => m.subject.includes(word));

describe('reminders and nudges from the scheduled job', () => {
  it('reminds the setting 5 days before its respond-by date and on the day, each once; nudges stale listings', async () => {
    await t.put(`/settings/${s.urn}/listings/remind-s3`, provider, {
      band: 'S3',
      needs: ['ASD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: 1,
      filled: 0,
      availableFrom: '2026-09-01',
    });
    const kent = await t.token({ sub: 'officer', role: 'la', org: 'E10000016' });
    const c = await t.post('/cases', kent, { ref: 'REM-1', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' });
    await t.put(`/cases/${c.body.id}/preferences`, kent, { holder: 'parent', ranked: [s.urn] });
    const placement = (await t.post(`/cases/${c.body.id}/allocate`, kent)).body.placement;
    expect(placement.respondBy).toBe('2026-12-07');
    placementId = placement.id;

    // Day 0: no reminder yet. The seeded listings were last updated long ago: each is nudged once.
    let r = await run();
    expect(r.remindersSent).toBe(0);
    expect(r.nudgesSent).toBeGreaterThan(0);
    const stale = (await kinds()).filter((n) => n.kind === 'listing_stale');
    const owned = t.data.settings.filter((x) => x.providerId === s.providerId).flatMap((x) => x.listings);
    expect(stale.length).toBe(owned.length);
    expect(stale.map((n) => n.facts.listingId)).not.toContain('remind-s3');
    // Opted out of nudges: in the inbox, but not emailed.
    expect(stale[0].email.head.status).toBe('skipped');
    expect(mails('last updated')).toHaveLength(0);
    // Later the same day the nudge step does not run again.
    expect((await run()).nudgesSent).toBe(0);

    // 2 December, five days before: one reminder, however often the job runs.
    now = new Date('2026-12-02T08:00:00Z');
    r = await run();
    expect(r.remindersSent).toBe(1);
    expect((await run()).remindersSent).toBe(0);
    expect(mails('Reminder')).toHaveLength(1);
    expect(mails('Reminder')[0]!.subject).toContain('2026-12-07');

    // 7 December: due today.
    now = new Date('2026-12-07T08:00:00Z');
    expect((await run()).remindersSent).toBe(1);
    expect(mails('Due today')).toHaveLength(1);
    const inbox = await kinds();
    expect(inbox.filter((n) => n.kind === 'consultation_reminder')).toHaveLength(1);
    expect(inbox.filter((n) => n.kind === 'consultation_due_today')).toHaveLength(1);

    // Answered: no more reminders for it.
    await t.post(`/placements/${placement.id}/response`, provider, { decision: 'accept' });
    now = new Date('2026-12-07T20:00:00Z');
    expect((await run()).remindersSent).toBe(0);
  }, 300_000); // the first run nudges every seeded listing: hundreds of writes

  it('emails a reminder a crash left stored but unsent when the job meets it again, and one sent never twice', async () => {
    const stored = (await t.store.cases.getPlacement(placementId))!;
    const [reminder] = consultationReminders({ ...stored, state: 'consulting' }, new Date('2026-12-03T08:00:00Z'));
    const draft = { ...reminder!, sourceId: `reminder:${placementId}:crashed` };
    // As a run that stopped between storing the reminder and emailing it leaves it.
    await t.store.notifications.put(draft, { head: { status: 'pending', attempts: 0, at: draft.at } });
    const before = mails('Reminder').length;
    expect(await notify(notifier, [draft])).toEqual([]); // stored already: not stored again
    expect(mails('Reminder')).toHaveLength(before + 1);
    const [again] = await t.store.notifications.getMany([draft]);
    expect(again!.email!.head).toMatchObject({ status: 'sent' });
    // Met again (the job run again, a batch seen twice): its email is done, nothing is sent.
    await notify(notifier, [draft]);
    expect(mails('Reminder')).toHaveLength(before + 1);
  });
});
