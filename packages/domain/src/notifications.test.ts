import { describe, expect, it } from 'vitest';
import type { Direction } from './placement.ts';
import { direction, kase, notificationContext, placement } from './fixtures/test-fixtures.ts';
import { consultationReminders, emailDecision, notificationsForChange, staleListingNudge } from './notifications.ts';

const ctx = notificationContext(['se19']);
const audit = (action: string, after: unknown, before?: unknown) => ({
  eventName: 'INSERT' as const,
  newImage: {
    itemType: 'audit',
    eventId: `e-${action}`,
    action,
    at: '2026-11-22T10:00:00Z',
    after,
    before,
    actor: { sub: 'x', role: 'la', org: 'E10000016' },
  },
});

describe('who is told what', () => {
  it('an allocation consults the provider with setting, band, need, age and respond-by; never the LA’s case reference', () => {
    const [n, ...rest] = notificationsForChange(audit('case.allocated', { case: kase, placement }), ctx);
    expect(rest).toEqual([]);
    expect(n).toMatchObject({
      kind: 'consultation_requested',
      recipient: { role: 'provider', org: 'prov-medway' },
      facts: { urn: '900123', band: 'S3', need: 'ASD', age: 9, respondBy: '2026-12-07' },
      sourceId: 'e-case.allocated',
    });
    expect(JSON.stringify(n)).not.toContain('KNT-1');
  });

  it('a place offered from a waiting list tells the LA too', () => {
    const kinds = notificationsForChange(
      audit('case.allocated', { case: kase, placement: { ...placement, fromWaitingList: true } }),
      ctx,
    ).map((n) => `${n.kind}:${n.recipient.role}`);
    expect(kinds).toEqual(['consultation_requested:provider', 'place_offered:la']);
  });

  it('free text typed by staff never reaches a notification', () => {
    const declined = {
      ...placement,
      state: 'declined',
      declineReasons: ['incompatible_with_efficient_use_of_resources'],
      declineDetail: 'SECRET detail',
    };
    const appealed: Direction = {
      ...direction,
      kind: 'trust_backstop',
      trustId: 'trust-1',
      state: 'appealed',
      appealGrounds: 'SECRET grounds',
      version: 2,
    };
    const all = [
      ...notificationsForChange(audit('placement.declined', { placement: declined }), ctx),
      ...notificationsForChange(
        audit('placement.named', { placement: { ...placement, namingNote: 'SECRET note' } }),
        ctx,
      ),
      ...notificationsForChange(audit('direction.appealed', { placement, direction: appealed }), ctx),
    ];
    expect(all.map((n) => `${n.kind}:${n.recipient.role}`)).toEqual([
      'consultation_declined:la',
      'placement_named:provider',
      'appeal_lodged:la',
      'appeal_lodged:adjudicator',
    ]);
    expect(JSON.stringify(all)).not.toContain('SECRET');
  });

  it('a trust backstop direction goes to the trust; an LA direction to the provider', () => {
    const d: Direction = { ...direction, kind: 'trust_backstop', trustId: 'trust-1' };
    expect(
      notificationsForChange(audit('direction.trust_backstop', { placement, direction: d }), ctx)[0]!.recipient,
    ).toEqual({ role: 'trust', org: 'trust-1' });
    const la = { ...d, kind: 'la_direction' as const, trustId: undefined };
    expect(
      notificationsForChange(audit('direction.la_direction', { placement, direction: la }), ctx)[0]!.recipient,
    ).toEqual({ role: 'provider', org: 'prov-medway' });
  });

  it('escalations tell the LA; reaching the highest days-without-place threshold tells its partnerships', () => {
    const raised = (key: string, kind: string, message: string) => ({
      ...kase,
      escalations: [{ key, kind, message, raisedAt: '2026-11-22T10:00:00Z' }],
    });
    const at60 = notificationsForChange(
      audit(
        'case.escalated',
        raised('days_without_place:60', 'days_without_place', '61 days without a place (threshold 60).'),
        kase,
      ),
      ctx,
    );
    expect(at60.map((n) => n.kind)).toEqual(['escalation_raised']);
    expect(at60[0]!.facts).toMatchObject({ threshold: 60, days: 61, caseRef: 'C-KNT1-0001' });
    const at90 = notificationsForChange(
      audit(
        'case.escalated',
        raised('days_without_place:90', 'days_without_place', '90 days without a place (threshold 90).'),
        kase,
      ),
      ctx,
    );
    expect(at90.map((n) => `${n.kind}:${n.recipient.org}`)).toEqual([
      'escalation_raised:E10000016',
      'case_longest_without_place:se19',
    ]);
    // An escalation raised before is not told again.
    const again = notificationsForChange(
      audit(
        'case.escalated',
        raised('days_without_place:90', 'days_without_place', 'x'),
        raised('days_without_place:90', 'days_without_place', 'x'),
      ),
      ctx,
    );
    expect(again).toEqual([]);
  });

  it('a finished round tells the one who ran it; other items and other events tell nobody', () => {
    const round = {
      itemType: 'round',
      id: 'r1',
      by: { sub: 'u1', role: 'partnership', org: 'se19' },
      summary: { cases: 10, allocated: 7 },
      state: 'done',
      finishedAt: '2026-11-22T10:00:00Z',
    };
    const running = { ...round, state: 'running' };
    expect(notificationsForChange({ eventName: 'MODIFY', newImage: running, oldImage: running }, ctx)).toEqual([]);
    expect(notificationsForChange({ eventName: 'MODIFY', newImage: round, oldImage: running }, ctx)[0]).toMatchObject({
      kind: 'round_completed',
      recipient: { role: 'partnership', org: 'se19', sub: 'u1' },
      facts: { cases: 10, allocated: 7 },
    });
    expect(notificationsForChange({ eventName: 'MODIFY', newImage: round, oldImage: round }, ctx)).toEqual([]);
    expect(notificationsForChange(audit('listing.replaced', {}), ctx)).toEqual([]);
    expect(notificationsForChange({ eventName: 'INSERT', newImage: { itemType: 'listing' } }, ctx)).toEqual([]);
  });
});

describe('time-driven', () => {
  it('reminds the provider 5 days before the respond-by date and on the day, only while consulting', () => {
    const on = (d: string) => consultationReminders(placement, new Date(`${d}T09:00:00Z`)).map((n) => n.kind);
    expect(on('2026-12-01')).toEqual([]);
    expect(on('2026-12-02')).toEqual(['consultation_reminder']);
    expect(on('2026-12-07')).toEqual(['consultation_due_today']);
    expect(on('2026-12-08')).toEqual([]);
    expect(consultationReminders({ ...placement, state: 'accepted' }, new Date('2026-12-07T09:00:00Z'))).toEqual([]);
  });

  it('nudges a listing not updated for 30 days (configurable), once per version', () => {
    const l = { urn: '900123', listingId: 's3-day', providerId: 'p', updatedAt: '2026-10-01T00:00:00Z', version: 4 };
    expect(staleListingNudge(l, new Date('2026-10-30T00:00:00Z'))).toBeUndefined();
    expect(staleListingNudge(l, new Date('2026-10-31T00:00:00Z'))).toMatchObject({
      kind: 'listing_stale',
      sourceId: 'stale:900123:s3-day:4',
      facts: { date: '2026-10-01', days: 30 },
    });
    expect(staleListingNudge(l, new Date('2026-10-15T00:00:00Z'), 14)).toBeDefined();
  });

  it('email follows the user’s choice, except statutory deadlines, which always go at once', () => {
    expect(emailDecision('listing_stale', { email: 'immediate', nudges: false })).toBe('skip');
    expect(emailDecision('consultation_reminder', { email: 'daily_digest', nudges: false })).toBe('send');
    expect(emailDecision('consultation_accepted', { email: 'daily_digest', nudges: true })).toBe('digest');
    expect(emailDecision('consultation_requested', { email: 'off', nudges: true })).toBe('send');
    expect(emailDecision('round_completed', { email: 'off', nudges: true })).toBe('skip');
  });
});

describe('reservations of block places', () => {
  const offered = {
    id: 'r1',
    urn: '900123',
    listingId: 's3-day',
    providerId: 'prov-medway',
    partnershipId: 'se19',
    places: 2,
    state: 'offered',
    offeredBy: { sub: 'head', role: 'provider', org: 'prov-medway' },
    offeredAt: '2026-11-22T10:00:00Z',
    version: 1,
  };
  it('an offer is a request awaiting the partnership’s answer, addressed to that partnership only', () => {
    const [n, ...rest] = notificationsForChange(audit('reservation.offered', offered), ctx);
    expect(rest).toEqual([]);
    expect(n).toMatchObject({
      kind: 'reservation_offered',
      recipient: { role: 'partnership', org: 'se19' },
      facts: { reservationId: 'r1', urn: '900123', listingId: 's3-day', partnershipId: 'se19', places: 2 },
      link: '/reservations',
    });
  });
  it('an answer tells the provider, with the outcome and never a reason', () => {
    for (const [action, kind] of [
      ['reservation.accepted', 'reservation_accepted'],
      ['reservation.declined', 'reservation_declined'],
    ] as const) {
      const after = { ...offered, state: action.split('.')[1], version: 2, declineReason: 'should never travel' };
      const out = notificationsForChange(audit(action, after, offered), ctx);
      expect(out).toEqual([
        expect.objectContaining({
          kind,
          recipient: { role: 'provider', org: 'prov-medway' },
          link: '/provider/reservations',
        }),
      ]);
      expect(JSON.stringify(out)).not.toContain('should never travel');
    }
    // A withdrawal or a superseded block tells nobody.
    expect(notificationsForChange(audit('reservation.withdrawn', { ...offered, state: 'withdrawn' }), ctx)).toEqual([]);
  });
});
