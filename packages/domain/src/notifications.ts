import type { Case } from './case.ts';
import type { Escalation } from './escalation.ts';
import type { Direction, Placement } from './placement.ts';
import type { Reservation } from './reservation.ts';
import type { Role } from './roles.ts';
import { londonDate } from './london.ts';

/**
 * Who is told what, and when. Every notification is addressed to an organisation (role + org, as
 * in the token) and, where one person asked for the work, to that user. Its content is facts
 * only: case reference, band, need, age, URN, dates and coded outcomes. Never a child's identity
 * and never free text typed by staff (decline detail, naming notes, appeal grounds stay out).
 */
export const NOTIFICATION_KINDS = [
  // provider (and trust)
  'consultation_requested',
  'consultation_reminder',
  'consultation_due_today',
  'placement_named',
  'direction_issued',
  'listing_stale',
  'reservation_accepted',
  'reservation_declined',
  // LA
  'consultation_accepted',
  'consultation_declined',
  'place_offered',
  'escalation_raised',
  'round_completed',
  'direction_determined',
  'appeal_lodged',
  // partnership
  'case_longest_without_place',
  'reservation_offered',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Nudges can be turned off by a user (email only); statutory deadlines and decisions never. */
export const NUDGE_KINDS: readonly NotificationKind[] = ['listing_stale'];
export const isNudge = (kind: NotificationKind) => NUDGE_KINDS.includes(kind);

export interface Recipient {
  role: Role;
  org: string;
  /** Set when one user asked for the work (the round's runner): only they see it. */
  sub?: string;
}

/** What a notification may say: an allow-list of facts, each a code, a number or a date. */
export interface NotificationFacts {
  caseId?: string;
  caseRef?: string;
  band?: string;
  need?: string;
  age?: number;
  urn?: string;
  listingId?: string;
  placementId?: string;
  directionId?: string;
  roundId?: string;
  respondBy?: string;
  /** YYYY-MM-DD the fact is about: a deadline, the last update of a listing. */
  date?: string;
  days?: number;
  threshold?: number;
  escalation?: string;
  declineReasons?: string[];
  outcome?: string;
  directionKind?: string;
  cases?: number;
  allocated?: number;
  reservationId?: string;
  partnershipId?: string;
  /** Block places offered or accepted. */
  places?: number;
}

export interface NotificationDraft {
  /** The change it comes from (audit event id, round id, or a reminder's own key): the dedup key. */
  sourceId: string;
  kind: NotificationKind;
  recipient: Recipient;
  facts: NotificationFacts;
  /** Hash route in the web app where the work is done. */
  link: string;
  at: string;
}

/** The stored notification: a draft with its id, read state and email delivery. */
export interface Notification extends NotificationDraft {
  id: string;
  title: string;
  read: boolean;
  readAt?: string;
  readBy?: string;
  /** Email per user (sub): pending, sent, digest (waits for the daily digest), skipped or failed. */
  email?: Record<string, EmailDelivery>;
}

export interface EmailDelivery {
  status: 'pending' | 'sent' | 'digest' | 'skipped' | 'failed';
  attempts: number;
  at: string;
  reference?: string;
  error?: string;
}

export interface NotificationPreferences {
  email: 'immediate' | 'daily_digest' | 'off';
  /** Opt out of nudges (a listing to confirm); statutory deadlines are always sent. */
  nudges: boolean;
}
export const DEFAULT_PREFERENCES: NotificationPreferences = { email: 'immediate', nudges: true };

/** What the email of one notification does for one user's preferences, now. */
export function emailDecision(kind: NotificationKind, prefs: NotificationPreferences): 'send' | 'digest' | 'skip' {
  if (isNudge(kind) && !prefs.nudges) return 'skip';
  if (prefs.email === 'off') return isStatutory(kind) ? 'send' : 'skip';
  if (prefs.email === 'daily_digest') return isStatutory(kind) ? 'send' : 'digest';
  return 'send';
}

/** A deadline in law: the setting's 15 days to answer, and a direction to admit. Always emailed at once. */
export function isStatutory(kind: NotificationKind): boolean {
  return (
    kind === 'consultation_requested' ||
    kind === 'consultation_reminder' ||
    kind === 'consultation_due_today' ||
    kind === 'direction_issued'
  );
}

const REASON_WORDS: Record<string, string> = {
  unsuitable_age_ability_aptitude_or_sen: 'unsuitable for the age, ability, aptitude or SEN',
  incompatible_with_efficient_education_of_others: 'incompatible with the efficient education of others',
  incompatible_with_efficient_use_of_resources: 'incompatible with the efficient use of resources',
};

/** One line a person reads in the inbox and as the email's subject. */
export function notificationTitle(kind: NotificationKind, f: NotificationFacts): string {
  const child = [f.age !== undefined ? `age ${f.age}` : undefined, f.band ? `band ${f.band}` : undefined, f.need]
    .filter(Boolean)
    .join(', ');
  const at = f.urn ? ` at URN ${f.urn}` : '';
  const ref = f.caseRef ? `Case ${f.caseRef}` : 'A case';
  switch (kind) {
    case 'consultation_requested':
      return `Consultation: a place${at} for a child (${child}); answer by ${f.respondBy}`;
    case 'consultation_reminder':
      return `Reminder: the consultation${at} (${child}) must be answered by ${f.respondBy}`;
    case 'consultation_due_today':
      return `Due today: answer the consultation${at} (${child}) by the end of ${f.respondBy}`;
    case 'placement_named':
      return `Your setting${at} has been named for a child (${child}); record the admission`;
    case 'direction_issued':
      return `Direction to admit${at} (${f.directionKind === 'trust_backstop' ? 'trust backstop' : 'LA direction'}) for a child (${child})`;
    case 'listing_stale':
      return `Listing ${f.listingId}${at} was last updated on ${f.date}: confirm or correct its places`;
    case 'consultation_accepted':
      return `${ref}: the setting${at} accepted (${child})`;
    case 'consultation_declined':
      return `${ref}: the setting${at} declined: ${(f.declineReasons ?? []).map((r) => REASON_WORDS[r] ?? r).join('; ')}`;
    case 'place_offered':
      return `${ref}: a place${at} was offered from the waiting list; the setting has until ${f.respondBy} to answer`;
    case 'escalation_raised':
      return `${ref}: ${escalationWords(f)}`;
    case 'round_completed':
      return `Allocation round done: ${f.allocated} of ${f.cases} cases allocated`;
    case 'direction_determined':
      return `${ref}: the Schools Adjudicator ${f.outcome} the direction${at}`;
    case 'appeal_lodged':
      return `Appeal lodged against the direction to admit${at}${f.caseRef ? ` (case ${f.caseRef})` : ''}`;
    case 'reservation_offered':
      return `Block places offered: ${f.places} place${f.places === 1 ? '' : 's'} of listing ${f.listingId}${at} await your answer`;
    case 'reservation_accepted':
      return `Partnership ${f.partnershipId} accepted ${f.places} block place${f.places === 1 ? '' : 's'} of listing ${f.listingId}${at}`;
    case 'reservation_declined':
      return `Partnership ${f.partnershipId} declined ${f.places} block place${f.places === 1 ? '' : 's'} of listing ${f.listingId}${at}`;
    case 'case_longest_without_place':
      return `${ref}: ${f.days ?? f.threshold} days without a place (the highest threshold, ${f.threshold})`;
  }
}

function escalationWords(f: NotificationFacts): string {
  switch (f.escalation) {
    case 'consultation_overdue':
      return `the consultation${f.urn ? ` at URN ${f.urn}` : ''} is overdue (answer was due ${f.date})`;
    case 'days_without_place':
      return `${f.days ?? f.threshold} days without a place (threshold ${f.threshold})`;
    case 'phase_transfer_deadline_near':
      return `the phase-transfer deadline ${f.date} is near and no setting is named`;
    case 'phase_transfer_deadline_passed':
      return `the phase-transfer deadline ${f.date} has passed without a setting named`;
    default:
      return 'escalated';
  }
}

/** A stream change as the domain sees it: the item's images, unmarshalled. */
export interface ChangeImages {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
}

/** Facts about the world the change alone does not carry, looked up by the handler beforehand. */
export interface NotificationContext {
  /** The partnerships each LA is a member of. */
  partnershipsOf(laCode: string): string[];
  /** The Schools Adjudicator's organisation id. */
  adjudicatorOrg: string;
  /** The highest days-without-a-place threshold: the partnership hears of cases reaching it. */
  highestDaysWithoutPlace: number;
}

// The marketplace's own reference: the LA's own ref never leaves the LA, and partnerships are told of cases too.
const caseFacts = (c: Pick<Case, 'id' | 'reference' | 'band' | 'needs' | 'age'>): NotificationFacts => ({
  caseId: c.id,
  caseRef: c.reference,
  band: c.band,
  ...(c.needs[0] ? { need: c.needs[0] } : {}),
  age: c.age,
});

/** What the provider is told about a placement: never the LA's case reference. */
const placementFacts = (p: Placement, c?: Pick<Case, 'age' | 'band' | 'needs'>): NotificationFacts => ({
  placementId: p.id,
  urn: p.urn,
  listingId: p.listingId,
  respondBy: p.respondBy,
  ...((p.band ?? c?.band) ? { band: (p.band ?? c?.band) as string } : {}),
  ...((p.need ?? c?.needs[0]) ? { need: (p.need ?? c?.needs[0]) as string } : {}),
  ...(c ? { age: c.age } : {}),
});

/** The consultations screen lists every placement waiting for the provider, soonest deadline first. */
const providerConsultations = (_p: Placement) => '/provider/consultations';
const caseLink = (caseId: string) => `/cases/${caseId}`;

/**
 * The notifications one committed change produces. Most come from the audit event written in the
 * same transaction as the change (it carries the before and after of everything that moved);
 * a finished allocation round from its record. Pure: the handler stores what this returns.
 */
export function notificationsForChange(change: ChangeImages, ctx: NotificationContext): NotificationDraft[] {
  if (change.newImage === undefined) return [];
  const item = change.newImage;
  // A round runs in the background: it is done when its head's state turns to done.
  if (item.itemType === 'round')
    return item.state === 'done' && change.oldImage?.state !== 'done' ? roundNotifications(item) : [];
  if (change.eventName !== 'INSERT' || item.itemType !== 'audit') return [];
  const event = item as unknown as {
    eventId: string;
    action: string;
    at: string;
    before?: Record<string, unknown>;
    after?: Record<string, unknown>;
  };
  const out: NotificationDraft[] = [];
  const add = (kind: NotificationKind, recipient: Recipient, facts: NotificationFacts, link: string) =>
    out.push({ sourceId: event.eventId, kind, recipient, facts, link, at: event.at });
  const after = event.after ?? {};
  const placement = after.placement as Placement | undefined;
  const kase = after.case as Case | undefined;

  switch (event.action) {
    case 'case.allocated': {
      if (placement === undefined || kase === undefined) break;
      add(
        'consultation_requested',
        { role: 'provider', org: placement.providerId },
        placementFacts(placement, kase),
        providerConsultations(placement),
      );
      if (placement.fromWaitingList) {
        add(
          'place_offered',
          { role: 'la', org: kase.laCode },
          { ...caseFacts(kase), urn: placement.urn, respondBy: placement.respondBy, placementId: placement.id },
          caseLink(kase.id),
        );
      }
      break;
    }
    case 'placement.accepted':
    case 'placement.declined': {
      if (placement === undefined) break;
      const declined = event.action === 'placement.declined';
      add(
        declined ? 'consultation_declined' : 'consultation_accepted',
        { role: 'la', org: placement.laCode },
        {
          caseId: placement.caseId,
          placementId: placement.id,
          urn: placement.urn,
          ...(placement.band ? { band: placement.band } : {}),
          ...(placement.need ? { need: placement.need } : {}),
          ...(declined ? { declineReasons: [...(placement.declineReasons ?? [])] } : {}),
        },
        caseLink(placement.caseId),
      );
      break;
    }
    case 'placement.named':
      if (placement)
        add(
          'placement_named',
          { role: 'provider', org: placement.providerId },
          placementFacts(placement),
          providerConsultations(placement),
        );
      break;
    case 'direction.la_direction':
    case 'direction.trust_backstop': {
      const d = after.direction as Direction | undefined;
      if (placement === undefined || d === undefined) break;
      const to: Recipient =
        d.kind === 'trust_backstop' && d.trustId
          ? { role: 'trust', org: d.trustId }
          : { role: 'provider', org: placement.providerId };
      add(
        'direction_issued',
        to,
        { ...placementFacts(placement), directionId: d.id, directionKind: d.kind, date: d.issuedAt.slice(0, 10) },
        to.role === 'trust' ? '/' : providerConsultations(placement),
      );
      break;
    }
    case 'direction.appealed': {
      const d = after.direction as Direction | undefined;
      if (d === undefined) break;
      const facts = { caseId: d.caseId, urn: d.urn, directionId: d.id, placementId: d.placementId };
      add('appeal_lodged', { role: 'la', org: d.laCode }, facts, caseLink(d.caseId));
      add('appeal_lodged', { role: 'adjudicator', org: ctx.adjudicatorOrg }, { urn: d.urn, directionId: d.id }, '/');
      break;
    }
    case 'direction.upheld':
    case 'direction.overturned': {
      const d = after.direction as Direction | undefined;
      if (d === undefined) break;
      const facts = {
        urn: d.urn,
        directionId: d.id,
        outcome: event.action === 'direction.upheld' ? 'upheld' : 'overturned',
      };
      add('direction_determined', { role: 'la', org: d.laCode }, { ...facts, caseId: d.caseId }, caseLink(d.caseId));
      if (d.trustId) add('direction_determined', { role: 'trust', org: d.trustId }, facts, '/');
      break;
    }
    case 'reservation.offered':
    case 'reservation.accepted':
    case 'reservation.declined': {
      // The reason of a decline is free text: it is never in the event, nor in what is sent.
      const r = after as unknown as Reservation;
      const facts = {
        reservationId: r.id,
        urn: r.urn,
        listingId: r.listingId,
        partnershipId: r.partnershipId,
        places: r.places,
      };
      // The web app's block-places screens list every reservation with its actions (no screen per reservation).
      if (event.action === 'reservation.offered')
        add('reservation_offered', { role: 'partnership', org: r.partnershipId }, facts, '/reservations');
      else
        add(
          event.action === 'reservation.accepted' ? 'reservation_accepted' : 'reservation_declined',
          { role: 'provider', org: r.providerId },
          facts,
          '/provider/reservations',
        );
      break;
    }
    case 'case.escalated': {
      const before = event.before as unknown as Case | undefined;
      const now = event.after as unknown as Case | undefined;
      if (now === undefined) break;
      const had = new Set((before?.escalations ?? []).map((e) => e.key));
      for (const e of (now.escalations ?? []).filter((x) => !had.has(x.key))) {
        const facts = { ...caseFacts(now), ...escalationFacts(e) };
        add('escalation_raised', { role: 'la', org: now.laCode }, facts, caseLink(now.id));
        if (e.kind === 'days_without_place' && facts.threshold === ctx.highestDaysWithoutPlace) {
          // The partnership sees the case by reference only; it acts from its sufficiency view.
          const { caseId: _id, ...shared } = facts;
          for (const partnership of ctx.partnershipsOf(now.laCode))
            add('case_longest_without_place', { role: 'partnership', org: partnership }, shared, '/sufficiency');
        }
      }
      break;
    }
  }
  return out;
}

function escalationFacts(e: Escalation): NotificationFacts {
  const [, subject] = e.key.split(':');
  const days = /^(\d+) days/.exec(e.message)?.[1];
  switch (e.kind) {
    case 'days_without_place':
      return { escalation: e.kind, threshold: Number(subject), ...(days ? { days: Number(days) } : {}) };
    case 'consultation_overdue':
      return { escalation: e.kind, ...(subject ? { placementId: subject } : {}), ...urnAndDate(e.message) };
    default:
      return { escalation: e.kind, ...(subject ? { date: subject } : {}) };
  }
}

/** The overdue consultation's setting and date, from the job's own (machine-written) message. */
function urnAndDate(message: string): NotificationFacts {
  const m = /Setting (\d{6}) .* due by (\d{4}-\d{2}-\d{2})/.exec(message);
  return m ? { urn: m[1]!, date: m[2]! } : {};
}

function roundNotifications(item: Record<string, unknown>): NotificationDraft[] {
  const by = item.by as { sub: string; role: Role; org: string } | undefined;
  const summary = item.summary as { cases: number; allocated: number } | undefined;
  if (by === undefined || summary === undefined || typeof item.id !== 'string') return [];
  const link = by.role === 'la' ? '/cases' : '/sufficiency';
  return [
    {
      sourceId: `round:${item.id}`,
      kind: 'round_completed',
      recipient: { role: by.role, org: by.org, sub: by.sub },
      facts: { roundId: item.id, cases: summary.cases, allocated: summary.allocated },
      link,
      at: typeof item.finishedAt === 'string' ? item.finishedAt : new Date(0).toISOString(),
    },
  ];
}

const DAY = 86_400_000;
/** Days before the respond-by date on which the setting is reminded (and on the day itself). */
export const REMINDER_DAYS_BEFORE = 5;

/**
 * Time-driven: reminders of a consultation not yet answered, 5 days before its respond-by date
 * and on the day. Each has its own source key, so the job may run hourly and each is sent once.
 */
export function consultationReminders(p: Placement, now: Date): NotificationDraft[] {
  if (p.state !== 'consulting') return [];
  const today = londonDate(now);
  const daysLeft = Math.round((Date.parse(`${p.respondBy}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY);
  const kind: NotificationKind | undefined =
    daysLeft === 0
      ? 'consultation_due_today'
      : daysLeft <= REMINDER_DAYS_BEFORE && daysLeft > 0
        ? 'consultation_reminder'
        : undefined;
  if (kind === undefined) return [];
  return [
    {
      sourceId: `reminder:${p.id}:${kind}`,
      kind,
      recipient: { role: 'provider', org: p.providerId },
      facts: { ...placementFacts(p), days: daysLeft },
      link: providerConsultations(p),
      at: now.toISOString(),
    },
  ];
}

/** A listing not updated for this many days is a nudge to its provider (configurable). */
export const DEFAULT_STALE_LISTING_DAYS = 30;

/** The nudge for a listing not updated for `staleDays`: once per version (an update resets it). */
export function staleListingNudge(
  l: { urn: string; listingId: string; providerId: string; updatedAt: string; version: number },
  now: Date,
  staleDays: number = DEFAULT_STALE_LISTING_DAYS,
): NotificationDraft | undefined {
  if (now.getTime() - Date.parse(l.updatedAt) < staleDays * DAY) return undefined;
  return {
    sourceId: `stale:${l.urn}:${l.listingId}:${l.version}`,
    kind: 'listing_stale',
    recipient: { role: 'provider', org: l.providerId },
    facts: {
      urn: l.urn,
      listingId: l.listingId,
      date: l.updatedAt.slice(0, 10),
      days: Math.floor((now.getTime() - Date.parse(l.updatedAt)) / DAY),
    },
    link: `/provider/settings/${l.urn}/listings/${l.listingId}`,
    at: now.toISOString(),
  };
}

/**
 * The values a template fills in (GOV.UK Notify's personalisation, the SMTP body): every fact as
 * text, plus the title and the link. Notify needs every placeholder present, so absent facts are ''.
 */
export function personalisation(
  n: Pick<Notification, 'kind' | 'facts' | 'title' | 'link'>,
  appUrl: string,
): Record<string, string> {
  const f = n.facts;
  return {
    title: n.title,
    link: `${appUrl.replace(/\/$/, '')}/app/#${n.link}`,
    case_reference: f.caseRef ?? '',
    band: f.band ?? '',
    need: f.need ?? '',
    age: f.age === undefined ? '' : String(f.age),
    urn: f.urn ?? '',
    respond_by: f.respondBy ?? '',
    date: f.date ?? '',
    days: f.days === undefined ? '' : String(f.days),
  };
}
