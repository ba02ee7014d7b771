import { londonDate } from '@placements/domain';
import {
  DEFAULT_ESCALATION_POLICY,
  emailDecision,
  notificationsForChange,
  personalisation,
  type EscalationPolicy,
  type Notification,
  type NotificationContext,
  type NotificationDraft,
} from '@placements/domain';
import { notificationId, type DigestEntry, type Store, type StreamChange, type StreamHandler } from '@placements/store';
import type { Directory } from '@placements/store/mail/directory';
import {
  DEFAULT_RETRY,
  sendWithRetry,
  type DeadLetterSink,
  type MailSender,
  type RetryPolicy,
} from '@placements/store/mail/sender';
import { inParallel } from './parallel.ts';

/** Everything that tells people: where notifications are kept, who is in each organisation, how email goes. */
export interface NotifierDeps {
  store: Store;
  directory: Directory;
  mail: MailSender;
  deadLetters: DeadLetterSink;
  /** The web app's origin, for the links in emails (the app is at <appUrl>/app/). */
  appUrl: string;
  /** The Schools Adjudicator's organisation id (ADJUDICATOR_ORG). */
  adjudicatorOrg?: string;
  policy?: EscalationPolicy;
  retry?: RetryPolicy;
  now?: () => Date;
  log?: (line: string) => void;
}

export const DEFAULT_ADJUDICATOR_ORG = 'schools-adjudicator';
/** Daily digests go out at this hour (UTC), with everything since the last one. */
export const DIGEST_HOUR_UTC = 7;

export function nextDigestAt(at: Date): string {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), DIGEST_HOUR_UTC));
  if (d.getTime() <= at.getTime()) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/** What a batch's rules need beyond the changes: the partnerships, read once per batch. */
async function contextFor(deps: NotifierDeps): Promise<NotificationContext> {
  const partnerships = await deps.store.reference.allPartnerships();
  const policy = deps.policy ?? DEFAULT_ESCALATION_POLICY;
  return {
    adjudicatorOrg: deps.adjudicatorOrg ?? DEFAULT_ADJUDICATOR_ORG,
    highestDaysWithoutPlace: Math.max(...policy.daysWithoutPlace),
    partnershipsOf: (la: string) => partnerships.filter((p) => p.members.includes(la)).map((p) => p.id),
  };
}

/**
 * The stream handler: each change's notifications are stored (once per source, however often the
 * batch is delivered) and emailed to the organisation's users by their preferences. A failed
 * email never fails the batch: its status is kept on the notification and it goes to the
 * dead-letter destination, so one bad address cannot hold up the stream.
 */
export function notificationsHandler(deps: NotifierDeps): StreamHandler {
  return async (changes: StreamChange[]) => {
    const relevant = changes.filter(
      (c) =>
        (c.eventName === 'INSERT' && c.newImage?.itemType === 'audit') ||
        // A round runs in the background: it is done when its head's state turns to done.
        (c.newImage?.itemType === 'round' && c.newImage.state === 'done' && c.oldImage?.state !== 'done'),
    );
    if (relevant.length === 0) return;
    const ctx = await contextFor(deps);
    const drafts = relevant.flatMap((c) => notificationsForChange(c, ctx));
    await notify(deps, drafts);
  };
}

/**
 * Stores notifications and sends their email: used by the stream handler and the scheduled job.
 * Returns the ones stored now (a source seen before is not stored again).
 */
export async function notify(deps: NotifierDeps, drafts: NotificationDraft[]): Promise<Notification[]> {
  const stored = await deps.store.notifications.getMany(drafts);
  // Each organisation's users asked for once a batch (a round's consultations go to a few providers).
  const orgs = new Map<string, ReturnType<Directory['usersOf']>>();
  const usersOf = (role: string, org: string) => {
    const k = `${role}#${org}`;
    if (!orgs.has(k)) orgs.set(k, deps.directory.usersOf(role, org));
    return orgs.get(k)!;
  };
  const work = await Promise.all(
    drafts.map(async (draft, i) => ({
      draft,
      before: stored[i],
      users: (await usersOf(draft.recipient.role, draft.recipient.org)).filter(
        (u) => draft.recipient.sub === undefined || u.sub === draft.recipient.sub,
      ),
    })),
  );
  // The new ones stored together (a transaction holds a hundred), then each one's email.
  const put = await deps.store.notifications.putNew(
    work
      .filter((w) => w.before === undefined)
      .map(({ draft, users }) => ({
        draft,
        email: Object.fromEntries(users.map((u) => [u.sub, { status: 'pending', attempts: 0, at: draft.at }])),
      })),
  );
  const byId = new Map(put.map((p) => [p.notification.id, p.notification]));
  // A draft met twice in one batch is emailed once.
  const once = [...new Map(work.map((w) => [notificationId(w.draft), w])).values()];
  await inParallel(once, 4, async ({ draft, before, users }) => {
    const notification = before ?? byId.get(notificationId(draft));
    if (notification === undefined) return;
    for (const u of users) {
      const delivery = notification.email?.[u.sub];
      // Done already (a batch seen twice): sent, waiting for the digest, skipped or dead-lettered.
      if (delivery !== undefined && delivery.status !== 'pending') continue;
      await emailOne(deps, notification, u);
    }
  });
  return put.filter((p) => p.created).map((p) => p.notification);
}

async function emailOne(deps: NotifierDeps, n: Notification, user: { sub: string; email: string }): Promise<void> {
  const now = (deps.now?.() ?? new Date()).toISOString();
  const prefs = await deps.store.notifications.getPreferences(user.sub);
  const decision = emailDecision(n.kind, prefs);
  if (decision === 'skip') {
    await deps.store.notifications.setEmail(n.recipient, n.id, user.sub, { status: 'skipped', attempts: 0, at: now });
    return;
  }
  if (decision === 'digest') {
    const entry: DigestEntry = {
      role: n.recipient.role,
      org: n.recipient.org,
      sub: user.sub,
      email: user.email,
      notificationId: n.id,
      title: n.title,
      link: n.link,
      dueAt: nextDigestAt(new Date(now)),
      at: n.at,
    };
    await deps.store.notifications.addDigestEntry(entry);
    await deps.store.notifications.setEmail(n.recipient, n.id, user.sub, { status: 'digest', attempts: 0, at: now });
    return;
  }
  const p = personalisation(n, deps.appUrl);
  const message = {
    to: user.email,
    template: n.kind,
    subject: n.title,
    text: `${n.title}\n\nOpen it in the SEND placements service: ${p.link}\n\nThis message holds no child's identity: use the case reference in the service.`,
    personalisation: p,
    reference: `${n.id}:${user.sub}`,
  };
  const result = await sendWithRetry(deps.mail, message, deps.retry ?? DEFAULT_RETRY);
  const done = (deps.now?.() ?? new Date()).toISOString();
  if (result.ok) {
    await deps.store.notifications.setEmail(n.recipient, n.id, user.sub, {
      status: 'sent',
      attempts: result.attempts,
      at: done,
      ...(result.reference ? { reference: result.reference } : {}),
    });
    return;
  }
  await deps.store.notifications.setEmail(n.recipient, n.id, user.sub, {
    status: 'failed',
    attempts: result.attempts,
    at: done,
    error: result.error.slice(0, 500),
  });
  await deps.deadLetters.put({
    message,
    error: result.error,
    attempts: result.attempts,
    notification: { role: n.recipient.role, org: n.recipient.org, id: n.id },
    sub: user.sub,
  });
  // One line in a fixed shape: the metric filter behind the delivery-failure alarm counts it.
  (deps.log ?? ((l: string) => console.error(l)))(
    JSON.stringify({
      level: 'error',
      event: 'email_delivery_failed',
      notification: n.id,
      kind: n.kind,
      attempts: result.attempts,
    }),
  );
}

/** Sends each user's daily digest that is due: one email listing everything since the last. */
export async function sendDigests(deps: NotifierDeps): Promise<number> {
  const now = deps.now?.() ?? new Date();
  const due = await deps.store.notifications.dueDigestEntries(now.toISOString());
  const byUser = new Map<string, DigestEntry[]>();
  for (const e of due) {
    const k = `${e.role}#${e.org}#${e.sub}`;
    byUser.set(k, [...(byUser.get(k) ?? []), e]);
  }
  let sent = 0;
  for (const entries of byUser.values()) {
    const first = entries[0]!;
    const app = `${deps.appUrl.replace(/\/$/, '')}/app/#`;
    const lines = entries.map((e) => `- ${e.title}\n  ${app}${e.link}`).join('\n');
    const message = {
      to: first.email,
      template: 'digest',
      subject: `SEND placements: ${entries.length} thing${entries.length === 1 ? '' : 's'} need${entries.length === 1 ? 's' : ''} your attention`,
      text: `Since your last summary:\n\n${lines}\n`,
      personalisation: { count: String(entries.length), items: lines, link: `${app}/` },
      reference: `digest:${first.sub}:${londonDate(now)}`,
    };
    const result = await sendWithRetry(deps.mail, message, deps.retry ?? DEFAULT_RETRY);
    const at = (deps.now?.() ?? new Date()).toISOString();
    for (const e of entries) {
      const r = { role: e.role as never, org: e.org };
      if (result.ok) {
        await deps.store.notifications.setEmail(r, e.notificationId, e.sub, {
          status: 'sent',
          attempts: result.attempts,
          at,
        });
        await deps.store.notifications.removeDigestEntry(e);
      } else {
        // Left in place: the next run tries the digest again.
        await deps.store.notifications.setEmail(r, e.notificationId, e.sub, {
          status: 'digest',
          attempts: result.attempts,
          at,
          error: result.error.slice(0, 500),
        });
      }
    }
    if (result.ok) sent++;
  }
  return sent;
}
