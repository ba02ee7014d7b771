import * as z from 'zod/mini';
import { NOTIFICATION_KINDS, ROLES } from '@placements/domain';
import { createRoute, lazySchema } from '../openapi.ts';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { errorResponses, json, PageQuery } from '../schemas.ts';

const EmailDeliverySchema = z.object({
  status: z.enum(['pending', 'sent', 'digest', 'skipped', 'failed']),
  attempts: z.number(),
  at: z.string(),
  reference: z.optional(z.string()),
  error: z.optional(z.string()),
});

const NotificationSchema = lazySchema(() =>
  z
    .object({
      id: z.string(),
      kind: z.enum(NOTIFICATION_KINDS),
      title: z.string().check(
        z.meta({
          description: 'One line: facts only (case reference, band, need, dates), never a child’s identity.',
        }),
      ),
      facts: z.record(z.string(), z.unknown()),
      link: z.string().check(
        z.meta({
          description: 'Where in the web app the work is done (a hash route).',
          example: '/provider/consultations',
        }),
      ),
      at: z.string(),
      read: z.boolean(),
      readAt: z.optional(z.string()),
      readBy: z.optional(z.string()),
      recipient: z.object({ role: z.enum(ROLES), org: z.string(), sub: z.optional(z.string()) }),
      sourceId: z.string(),
      email: z.optional(z.record(z.string(), EmailDeliverySchema)).check(
        z.meta({
          description:
            'Email delivery to each user of the organisation (by subject): pending, sent, digest, skipped or failed.',
        }),
      ),
    })
    .check(z.meta({ id: 'Notification' })),
);

const NotificationPage = lazySchema(() =>
  z
    .object({
      items: z.array(NotificationSchema()),
      nextCursor: z.nullable(z.string()),
      unread: z.number().check(z.meta({ description: 'Unread notifications in the inbox (all pages).' })),
    })
    .check(z.meta({ id: 'NotificationPage' })),
);

const PreferencesBody = z
  .strictObject({
    email: z.enum(['immediate', 'daily_digest', 'off'], { error: 'must be immediate, daily_digest or off' }),
    nudges: z.boolean({
      error: 'must be true or false: whether to be emailed nudges (statutory deadlines are always sent)',
    }),
  })
  .check(z.meta({ id: 'NotificationPreferences' }));

const security = [{ bearerAuth: [] }];

const list = createRoute({
  method: 'get',
  path: '/notifications',
  tags: ['notifications'],
  summary: 'The caller’s work inbox: its organisation’s notifications (and its own), unread first, newest first',
  security,
  request: { query: z.strictObject({ ...PageQuery }) },
  responses: { 200: json(NotificationPage, 'A page of notifications'), ...errorResponses },
});

const markRead = createRoute({
  method: 'post',
  path: '/notifications/{id}/read',
  tags: ['notifications'],
  summary: 'Mark one of the caller’s notifications read (for the whole organisation)',
  security,
  request: {
    params: z.object({
      id: z
        .string()
        .check(z.regex(/^[0-9a-f]{24}$/, { error: 'must be a notification id as returned by GET /notifications' })),
    }),
  },
  responses: { 200: json(NotificationSchema, 'The notification, read'), ...errorResponses },
});

const getPrefs = createRoute({
  method: 'get',
  path: '/notifications/preferences',
  tags: ['notifications'],
  summary:
    'How the caller is emailed: immediately, a daily digest or not at all (statutory deadlines always), and nudges or not',
  security,
  responses: { 200: json(() => PreferencesBody, 'The caller’s preferences'), ...errorResponses },
});

const putPrefs = createRoute({
  method: 'put',
  path: '/notifications/preferences',
  tags: ['notifications'],
  summary: 'Set how the caller is emailed',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: PreferencesBody } } } },
  responses: { 200: json(() => PreferencesBody, 'Saved'), ...errorResponses },
});

/** The work inbox: every role reads its own organisation's notifications, keyed from the token. */
export function notificationsApp(deps: Deps) {
  const clock = () => (deps.now?.() ?? new Date()).toISOString();
  return contextApp(deps)
    .openapi(list, async (c) => {
      const p = requireRole(c.get('principal'), ROLES);
      const { limit, cursor } = c.req.valid('query');
      const me = { role: p.role, org: p.org, sub: p.sub };
      const [page, unread] = await Promise.all([
        deps.store.notifications.list(me, limit, cursor),
        deps.store.notifications.unreadCount(me),
      ]);
      return c.json({ ...page, unread }, 200);
    })
    .openapi(markRead, async (c) => {
      const p = requireRole(c.get('principal'), ROLES);
      const { id } = c.req.valid('param');
      return c.json(
        await deps.store.notifications.markRead({ role: p.role, org: p.org, sub: p.sub }, id, clock()),
        200,
      );
    })
    .openapi(getPrefs, async (c) => {
      const p = requireRole(c.get('principal'), ROLES);
      return c.json(await deps.store.notifications.getPreferences(p.sub), 200);
    })
    .openapi(putPrefs, async (c) => {
      const p = requireRole(c.get('principal'), ROLES);
      const body = c.req.valid('json');
      await deps.store.notifications.putPreferences(p.sub, body);
      return c.json(body, 200);
    });
}
