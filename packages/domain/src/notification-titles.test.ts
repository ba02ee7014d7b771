import { describe, expect, it } from 'vitest';
import type { Case } from './case.ts';
import { dueEscalations } from './escalation.ts';
import { direction, kase, notificationContext, placement } from './fixtures/test-fixtures.ts';
import {
  NOTIFICATION_KINDS,
  type NotificationFacts,
  notificationsForChange,
  notificationTitle,
  personalisation,
} from './notifications.ts';

// What a person reads: the one line each notification shows in the inbox and as its email's
// subject, and the values a GOV.UK Notify template is filled with. Built from the changes the
// stream hands over, as the notifications consumer builds them.

const ctx = notificationContext(['se19', 'kent-medway']);
const audit = (action: string, after: unknown, before?: unknown) => ({
  eventName: 'INSERT' as const,
  newImage: { itemType: 'audit', eventId: `e-${action}`, action, at: '2026-11-22T10:00:00Z', after, before },
});
const titles = (action: string, after: unknown, before?: unknown) =>
  notificationsForChange(audit(action, after, before), ctx).map(
    (n) => `${n.recipient.role}:${n.recipient.org} ${notificationTitle(n.kind, n.facts)}`,
  );

describe('the line each notification reads as', () => {
  it('tells the provider of a consultation, a naming and a direction, with the child’s facts and the deadline', () => {
    expect(titles('case.allocated', { case: kase, placement })).toEqual([
      'provider:prov-medway Consultation: a place at URN 900123 for a child (age 9, band S3, ASD); answer by 2026-12-07',
    ]);
    expect(titles('placement.named', { placement })).toEqual([
      'provider:prov-medway Your setting at URN 900123 has been named for a child (band S3, ASD); record the admission',
    ]);
    expect(titles('direction.la_direction', { placement, direction })).toEqual([
      'provider:prov-medway Direction to admit at URN 900123 (LA direction) for a child (band S3, ASD)',
    ]);
    expect(
      titles('direction.trust_backstop', {
        placement,
        direction: { ...direction, kind: 'trust_backstop', trustId: 'trust-1' },
      }),
    ).toEqual(['trust:trust-1 Direction to admit at URN 900123 (trust backstop) for a child (band S3, ASD)']);
    // A placement without its own band or need takes the case's; without either, the child is described by what is known.
    const bare = { ...placement, band: undefined, need: undefined };
    expect(titles('case.allocated', { case: { ...kase, needs: [] }, placement: bare })).toEqual([
      'provider:prov-medway Consultation: a place at URN 900123 for a child (age 9, band S3); answer by 2026-12-07',
    ]);
    expect(titles('placement.named', { placement: bare })).toEqual([
      'provider:prov-medway Your setting at URN 900123 has been named for a child (); record the admission',
    ]);
  });

  it('tells the LA of an answer, in the Act’s words for a decline, and of a place offered from a waiting list', () => {
    expect(titles('placement.accepted', { placement: { ...placement, state: 'accepted' } })).toEqual([
      'la:E10000016 A case: the setting at URN 900123 accepted (band S3, ASD)',
    ]);
    const declined = {
      ...placement,
      state: 'declined',
      band: undefined,
      need: undefined,
      declineReasons: [
        'incompatible_with_efficient_education_of_others',
        'unsuitable_age_ability_aptitude_or_sen',
        'other_code',
      ],
    };
    expect(titles('placement.declined', { placement: declined })).toEqual([
      'la:E10000016 A case: the setting at URN 900123 declined: incompatible with the efficient education of others; unsuitable for the age, ability, aptitude or SEN; other_code',
    ]);
    expect(titles('case.allocated', { case: kase, placement: { ...placement, fromWaitingList: true } })).toEqual([
      'provider:prov-medway Consultation: a place at URN 900123 for a child (age 9, band S3, ASD); answer by 2026-12-07',
      'la:E10000016 Case C-KNT1-0001: a place at URN 900123 was offered from the waiting list; the setting has until 2026-12-07 to answer',
    ]);
    // Without the placement or the case in the event, nobody is told anything half-known.
    expect(titles('case.allocated', { case: kase })).toEqual([]);
    expect(titles('placement.accepted', {})).toEqual([]);
    expect(titles('placement.named', {})).toEqual([]);
    expect(titles('direction.la_direction', { placement })).toEqual([]);
  });

  it('tells the LA, the adjudicator and the trust of an appeal and its determination', () => {
    expect(titles('direction.appealed', { direction: { ...direction, state: 'appealed' } })).toEqual([
      'la:E10000016 Appeal lodged against the direction to admit at URN 900123',
      'adjudicator:schools-adjudicator Appeal lodged against the direction to admit at URN 900123',
    ]);
    expect(
      titles('direction.upheld', { direction: { ...direction, kind: 'trust_backstop', trustId: 'trust-1' } }),
    ).toEqual([
      'la:E10000016 A case: the Schools Adjudicator upheld the direction at URN 900123',
      'trust:trust-1 A case: the Schools Adjudicator upheld the direction at URN 900123',
    ]);
    expect(titles('direction.overturned', { direction })).toEqual([
      'la:E10000016 A case: the Schools Adjudicator overturned the direction at URN 900123',
    ]);
    expect(titles('direction.appealed', {})).toEqual([]);
    expect(titles('direction.upheld', {})).toEqual([]);
    // With a case reference, the appeal names it.
    expect(notificationTitle('appeal_lodged', { urn: '900123', caseRef: 'C-KNT1-0001' })).toBe(
      'Appeal lodged against the direction to admit at URN 900123 (case C-KNT1-0001)',
    );
  });

  it('counts block places in words, one place or several', () => {
    const r = { id: 'r1', urn: '900123', listingId: 's3-day', providerId: 'prov-medway', partnershipId: 'se19' };
    expect(titles('reservation.offered', { ...r, places: 1 })).toEqual([
      'partnership:se19 Block places offered: 1 place of listing s3-day at URN 900123 await your answer',
    ]);
    expect(titles('reservation.accepted', { ...r, places: 3 })).toEqual([
      'provider:prov-medway Partnership se19 accepted 3 block places of listing s3-day at URN 900123',
    ]);
    expect(titles('reservation.declined', { ...r, places: 1 })).toEqual([
      'provider:prov-medway Partnership se19 declined 1 block place of listing s3-day at URN 900123',
    ]);
  });

  it('says what each escalation is about, from the escalation job’s own findings', () => {
    const now = new Date('2026-12-20T09:00:00Z');
    // 141 days without a place, an unanswered consultation, a phase-transfer deadline passed.
    const c: Case = { ...kase, phaseTransferDeadline: '2026-12-15' };
    const raised = dueEscalations(c, placement, now, { daysWithoutPlace: [30, 60, 90], phaseTransferWarningDays: 14 });
    expect(raised.map((e) => e.kind).sort()).toEqual([
      'consultation_overdue',
      'days_without_place',
      'phase_transfer_deadline_passed',
    ]);
    expect(titles('case.escalated', { ...c, escalations: raised }, c)).toEqual([
      'la:E10000016 Case C-KNT1-0001: the consultation at URN 900123 is overdue (answer was due 2026-12-07)',
      'la:E10000016 Case C-KNT1-0001: 141 days without a place (threshold 90)',
      // The partnerships hear of a case reaching the highest threshold, by reference only.
      'partnership:se19 Case C-KNT1-0001: 141 days without a place (the highest threshold, 90)',
      'partnership:kent-medway Case C-KNT1-0001: 141 days without a place (the highest threshold, 90)',
      'la:E10000016 Case C-KNT1-0001: the phase-transfer deadline 2026-12-15 has passed without a setting named',
    ]);
    const near = dueEscalations(
      { ...kase, withoutPlaceSince: '2026-12-01T00:00:00Z', phaseTransferDeadline: '2027-01-02' },
      undefined,
      now,
    );
    expect(titles('case.escalated', { ...kase, escalations: near }, kase)).toEqual([
      'la:E10000016 Case C-KNT1-0001: the phase-transfer deadline 2027-01-02 is near and no setting is named',
    ]);
    const shared = notificationsForChange(audit('case.escalated', { ...c, escalations: raised }, c), ctx).find(
      (n) => n.kind === 'case_longest_without_place',
    )!;
    expect(shared.facts.caseId).toBeUndefined();
    expect(shared.link).toBe('/sufficiency');
    // An escalation of a kind this version does not know still tells the LA something.
    expect(notificationTitle('escalation_raised', { caseRef: 'C-1', escalation: 'something_new' })).toBe(
      'Case C-1: escalated',
    );
    expect(notificationTitle('escalation_raised', { escalation: 'consultation_overdue', date: '2026-12-07' })).toBe(
      'A case: the consultation is overdue (answer was due 2026-12-07)',
    );
    expect(titles('case.escalated', undefined as unknown as object)).toEqual([]);
  });

  it('tells whoever ran a round when it is done, with its count, and links an LA to its cases', () => {
    const round = (by: unknown, extra: Record<string, unknown> = {}) => ({
      eventName: 'MODIFY' as const,
      newImage: { itemType: 'round', id: 'r9', state: 'done', by, summary: { cases: 12, allocated: 9 }, ...extra },
      oldImage: { itemType: 'round', id: 'r9', state: 'running' },
    });
    const [n] = notificationsForChange(round({ sub: 'u1', role: 'la', org: 'E10000016' }), ctx);
    expect(notificationTitle(n!.kind, n!.facts)).toBe('Allocation round done: 9 of 12 cases allocated');
    expect(n).toMatchObject({ link: '/cases', recipient: { sub: 'u1' }, at: new Date(0).toISOString() });
    // A round record missing who ran it or its summary tells nobody.
    expect(notificationsForChange(round(undefined), ctx)).toEqual([]);
    expect(notificationsForChange(round({ sub: 'u1', role: 'la', org: 'x' }, { summary: undefined }), ctx)).toEqual([]);
    // A removed item tells nobody.
    expect(notificationsForChange({ eventName: 'REMOVE', oldImage: { itemType: 'round' } }, ctx)).toEqual([]);
  });

  it('has a title for every kind, naming no more than the facts given', () => {
    const facts: NotificationFacts = {
      caseRef: 'C-KNT1-0001',
      band: 'S3',
      need: 'ASD',
      age: 9,
      urn: '900123',
      listingId: 's3-day',
      respondBy: '2026-12-07',
      date: '2026-10-01',
      days: 40,
      threshold: 30,
      cases: 3,
      allocated: 2,
      outcome: 'upheld',
      partnershipId: 'se19',
      places: 2,
    };
    for (const kind of NOTIFICATION_KINDS) {
      const title = notificationTitle(kind, facts);
      expect(title, kind).toMatch(/^[A-Z]/);
      expect(title, kind).not.toMatch(/undefined|null|NaN/);
    }
    expect(notificationTitle('consultation_reminder', facts)).toBe(
      'Reminder: the consultation at URN 900123 (age 9, band S3, ASD) must be answered by 2026-12-07',
    );
    expect(notificationTitle('consultation_due_today', facts)).toBe(
      'Due today: answer the consultation at URN 900123 (age 9, band S3, ASD) by the end of 2026-12-07',
    );
    expect(notificationTitle('listing_stale', facts)).toBe(
      'Listing s3-day at URN 900123 was last updated on 2026-10-01: confirm or correct its places',
    );
    expect(notificationTitle('case_longest_without_place', { caseRef: 'C-1', threshold: 90 })).toBe(
      'Case C-1: 90 days without a place (the highest threshold, 90)',
    );
  });
});

describe('what a Notify template is filled with', () => {
  it('every placeholder, empty where the fact is absent, and the link into the web app', () => {
    const n = {
      kind: 'consultation_reminder' as const,
      title: 'Reminder',
      link: '/provider/consultations',
      facts: { urn: '900123', respondBy: '2026-12-07', age: 0, days: 5 },
    };
    expect(personalisation(n, 'https://placements.example.gov.uk/')).toEqual({
      title: 'Reminder',
      link: 'https://placements.example.gov.uk/app/#/provider/consultations',
      case_reference: '',
      band: '',
      need: '',
      age: '0',
      urn: '900123',
      respond_by: '2026-12-07',
      date: '',
      days: '5',
    });
    const full = personalisation(
      { ...n, facts: { caseRef: 'C-1', band: 'S3', need: 'ASD', date: '2026-10-01' } },
      'http://localhost:3000',
    );
    expect(full).toMatchObject({
      link: 'http://localhost:3000/app/#/provider/consultations',
      case_reference: 'C-1',
      band: 'S3',
      need: 'ASD',
      age: '',
      days: '',
      date: '2026-10-01',
    });
  });
});
