import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEscalationPolicy, runEscalations, type Deps } from '@placements/api';
import { seededApp, type SeededApp } from '../support/store.ts';

/** The timeliness job, run as the schedule would run it, with the clock moved on between runs. */
let now = new Date('2026-11-22T10:00:00Z');
const day = (n: number) => (now = new Date(now.getTime() + n * 86_400_000));
let t: SeededApp;
let kent: string;
let deps: Deps;
const post: SeededApp['post'] = (...a) => t.post(...a);
const put: SeededApp['put'] = (...a) => t.put(...a);
const escalationsOf = async (id: string) =>
  ((await t.request(`/cases/${id}`, { token: kent })).body.escalations ?? []).map((e: any) => e.key);

beforeAll(async () => {
  t = await seededApp({ now: () => now });
  kent = await t.token({ sub: 'officer', role: 'la', org: 'E10000016' });
  deps = { store: t.store, auth: { authenticate: async () => undefined }, now: () => now };
});
afterAll(async () => {
  await t.store.drop();
});

describe('the escalation job', () => {
  it('escalates an overdue consultation, days without a place and a phase-transfer deadline, each once', async () => {
    const s = t.data.settings.find(
      (x) => x.type === 'special_academy' && x.needs.includes('ASD') && x.ageMin <= 10 && x.ageMax >= 10,
    )!;
    const provider = await t.token({ sub: 'head', role: 'provider', org: s.providerId });
    expect(
      (
        await put(`/settings/${s.urn}/listings/esc-s3`, provider, {
          band: 'S3',
          needs: ['ASD'],
          ageMin: s.ageMin,
          ageMax: s.ageMax,
          attendance: 'day',
          commissioned: 1,
          filled: 0,
          availableFrom: '2026-09-01',
        })
      ).status,
    ).toBe(201);
    const consulted = (
      await post('/cases', kent, { ref: 'ESC-1', needs: ['ASD'], band: 'S3', age: 10, homeDistrict: 'ME14' })
    ).body.id;
    await put(`/cases/${consulted}/preferences`, kent, { holder: 'parent', ranked: [s.urn] });
    const placement = (await post(`/cases/${consulted}/allocate`, kent)).body.placement;
    expect(placement.respondBy).toBe('2026-12-07');
    // A school transfer due by 15 February 2027, still open.
    const transfer = (
      await post('/cases', kent, {
        ref: 'ESC-2',
        needs: ['SLD'],
        band: 'S3',
        age: 10,
        homeDistrict: 'ME14',
        phaseTransferDeadline: '2027-02-15',
      })
    ).body.id;

    // Day 0: nothing is due.
    let run = await runEscalations(deps);
    expect(run.raised).toEqual({});
    expect(run.casesChecked).toBeGreaterThanOrEqual(2);

    // Day 16: the setting has not answered by 7 December.
    day(16);
    run = await runEscalations(deps);
    expect(run.raised).toEqual({ consultation_overdue: 1 });
    expect(await escalationsOf(consulted)).toEqual([`consultation_overdue:${placement.id}`]);
    // Running again raises nothing new.
    expect((await runEscalations(deps)).raised).toEqual({});

    // Day 31: both cases have been without a place for 30 days.
    day(15);
    run = await runEscalations(deps);
    expect(run.raised).toEqual({ days_without_place: 2 });
    expect(await escalationsOf(transfer)).toEqual(['days_without_place:30']);

    // 2 February: within 14 days of the deadline; 16 February: past it.
    now = new Date('2027-02-02T09:00:00Z');
    run = await runEscalations(deps);
    expect(run.raised).toEqual({ phase_transfer_deadline_near: 1, days_without_place: 2 });
    expect(await escalationsOf(transfer)).toEqual([
      'days_without_place:30',
      'days_without_place:60',
      'phase_transfer_deadline_near:2027-02-15',
    ]);
    now = new Date('2027-02-16T09:00:00Z');
    run = await runEscalations(deps);
    expect(run.raised).toEqual({ phase_transfer_deadline_passed: 1 });

    // Each escalation is in the case's audit trail, by the job.
    const audit = (await t.request(`/audit?entity=case:${transfer}`, { token: kent })).body.items.filter(
      (e: any) => e.action === 'case.escalated',
    );
    expect(audit.length).toBe(3);
    expect(audit.every((e: any) => e.actor.sub === 'system:escalation')).toBe(true);

    // A placed case is never escalated again.
    await post(`/placements/${placement.id}/response`, provider, { decision: 'accept' });
    await post(`/placements/${placement.id}/naming`, kent);
    await post(`/placements/${placement.id}/admission`, provider, { decision: 'admitted' });
    now = new Date('2027-06-01T09:00:00Z');
    await runEscalations(deps);
    expect(await escalationsOf(consulted)).toEqual([
      `consultation_overdue:${placement.id}`,
      'days_without_place:30',
      'days_without_place:60',
    ]);
  });

  it('takes its thresholds from configuration, and names what is wrong with a bad one', async () => {
    now = new Date('2026-11-22T10:00:00Z');
    const c = (await post('/cases', kent, { ref: 'ESC-3', needs: ['SLD'], band: 'S3', age: 10, homeDistrict: 'ME14' }))
      .body.id;
    day(8);
    await runEscalations(deps, parseEscalationPolicy('7,14', '3'));
    expect(await escalationsOf(c)).toEqual(['days_without_place:7']);
    expect(() => parseEscalationPolicy('30,soon', undefined)).toThrow(/whole days above 0.*30,soon/);
    expect(() => parseEscalationPolicy(undefined, '-1')).toThrow(/phase-transfer warning/);
  });
});
