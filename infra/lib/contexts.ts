import type { Role } from '@placements/domain/roles';

/**
 * What is deployed, as data: each bounded context's Lambda with the routes it serves, who may
 * call each route, its throttle, and what the function may do to the table. The stack is built
 * from this, the template tests check the stack against it, and the authorisation matrix test
 * checks it against what the API actually allows. No CDK imports here, so tests can read it.
 */

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Requests per second for one route, steady and in a burst (API Gateway's token bucket). */
export interface Throttle {
  rate: number;
  burst: number;
}

export interface RouteSpec {
  method: HttpVerb;
  /** API Gateway's path syntax: `/cases/{id}`. */
  path: string;
  /**
   * The roles API Gateway admits, as the scopes `placements/<role>` that the JWT authorizer
   * requires. `'public'`: a public read, with no authorizer at all.
   */
  roles: readonly Role[] | 'public';
  /** Tighter than the stage default where a route is costly or contended. */
  throttle?: Throttle;
}

/**
 * Table access, least first. `describe`: only DescribeTable (health). `read`: GetItem,
 * BatchGetItem, Query on the table and its indexes. `write`: also PutItem, UpdateItem, DeleteItem
 * and ConditionCheckItem (the per-item actions of TransactWriteItems). Never Scan, never
 * BatchWriteItem: no request path needs them.
 */
export type TableAccess = 'describe' | 'read' | 'write';

/** The DynamoDB actions each access level allows (cumulative). */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  describe: ['dynamodb:DescribeTable'],
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  write: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
};

export interface ContextSpec {
  routes: RouteSpec[];
  table: TableAccess;
  /**
   * Key prefixes this read-only context may nevertheless put items under (IAM
   * dynamodb:LeadingKeys), e.g. search's result snapshots. Nothing else can be written.
   */
  putOnlyUnder?: string[];
  memoryMb?: number;
  timeoutSeconds?: number;
  /**
   * Lambda reserved concurrency: set aside for this context (allocation is never starved by a
   * flood elsewhere) and its ceiling (a flood of it cannot take the account's whole pool).
   */
  reservedConcurrency?: number;
}

export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** Every route not given its own throttle. */
export const STAGE_THROTTLE: Throttle = { rate: 100, burst: 200 };
/** Allocation holds places in contended transactions: a runaway client must not starve the rest. */
export const ALLOCATION_THROTTLE: Throttle = { rate: 10, burst: 20 };
/** The public ORUK feed is anonymous: a tight bucket of its own, on top of its cache. */
export const FEED_THROTTLE: Throttle = { rate: 5, burst: 10 };
/** A bulk upload is up to 1 MiB of listings in one request. */
export const BULK_THROTTLE: Throttle = { rate: 5, burst: 10 };

const ALL_ROLES: readonly Role[] = ['national', 'partnership', 'la', 'provider', 'trust', 'adjudicator'];
const get = (path: string, roles: RouteSpec['roles'] = 'public'): RouteSpec => ({ method: 'GET', path, roles });

export const CONTEXTS: Record<string, ContextSpec> = {
  platform: { routes: [get('/health'), get('/openapi.json')], table: 'describe', memoryMb: 256, timeoutSeconds: 5 },
  framework: {
    routes: [
      get('/bands'),
      get('/bands/{version}'),
      { method: 'PUT', path: '/bands/{version}', roles: ['national'] },
      get('/las'),
      get('/las/{laCode}'),
    ],
    table: 'write',
  },
  partnership: {
    routes: [
      get('/partnerships'),
      get('/partnerships/{id}'),
      { method: 'PUT', path: '/partnerships/{id}', roles: ['national'] },
      get('/partnerships/{id}/sufficiency', ['partnership', 'la', 'national']),
      get('/partnerships/{id}/prices', ['partnership', 'la', 'national']),
      // Projected EHC plans against published places (docs/forecast.md).
      get('/partnerships/{id}/forecast', ['partnership', 'la', 'national']),
      get('/las/{laCode}/forecast', ['partnership', 'la', 'national']),
      // Published capacity as an Open Referral UK feed: public, like the settings it is built from.
      { ...get('/partnerships/{id}/oruk/services'), throttle: FEED_THROTTLE },
    ],
    // Writes partnerships (PUT, national) and the precomputed feed; the views read counter items, never scan.
    table: 'write',
    // Caps what anonymous feed reads can take, and keeps the partnership tools their share.
    reservedConcurrency: 10,
  },
  // Postcode district centroids: where distances are measured from (the web app's map origin).
  geography: { routes: [get('/districts/{district}')], table: 'read' },
  capacity: {
    routes: [
      get('/settings'),
      get('/settings/{urn}'),
      { method: 'PUT', path: '/settings/{urn}/listings/{listingId}', roles: ['provider'] },
      { method: 'POST', path: '/settings/{urn}/listings:bulk', roles: ['provider'], throttle: BULK_THROTTLE },
      // Block places: the provider offers, the partnership answers (docs/partnerships.md).
      { method: 'POST', path: '/settings/{urn}/listings/{listingId}/reservations', roles: ['provider'] },
      get('/reservations', ['provider', 'partnership']),
      get('/reservations/{id}', ['provider', 'partnership']),
      { method: 'POST', path: '/reservations/{id}/response', roles: ['partnership'] },
      { method: 'POST', path: '/reservations/{id}/withdrawal', roles: ['provider'] },
      { method: 'POST', path: '/reservations/{id}/redactions', roles: ['partnership'] },
    ],
    table: 'write',
    // A bulk sheet of up to 1 MiB is parsed, validated and written in one request.
    memoryMb: 1024,
    timeoutSeconds: 20,
  },
  audit: { routes: [get('/audit', ['provider', 'la'])], table: 'read' },
  // The work inbox: every role reads and marks its own organisation's notifications (keys from the token).
  notifications: {
    routes: [
      get('/notifications', ALL_ROLES),
      { method: 'POST', path: '/notifications/{id}/read', roles: ALL_ROLES },
      get('/notifications/preferences', ALL_ROLES),
      { method: 'PUT', path: '/notifications/preferences', roles: ALL_ROLES },
    ],
    table: 'write',
  },
  cases: {
    routes: [
      { method: 'POST', path: '/cases', roles: ['la'] },
      // A sheet of cases, up to 100 rows a request (the tools send 50): as costly as a listings sheet.
      { method: 'POST', path: '/cases:bulk', roles: ['la'], throttle: BULK_THROTTLE },
      get('/cases/{id}', ['la']),
      { method: 'PUT', path: '/cases/{id}/preferences', roles: ['la'] },
      { method: 'POST', path: '/cases/{id}/allocate', roles: ['la'], throttle: ALLOCATION_THROTTLE },
      get('/cases/{id}/tailored-list', ['la']),
      get('/cases', ['la', 'partnership']),
      get('/settings/{urn}/listings/{listingId}/waiting-list', ['la', 'partnership', 'national', 'provider']),
    ],
    table: 'write',
    // Allocation's own share of the account's concurrency, whatever floods other routes.
    reservedConcurrency: 20,
  },
  // A round reads thousands of cases and commits per listing: the most memory and time of any route,
  // and a throttle as tight as allocation's. API Gateway still ends a request at 30 s (docs/allocation.md).
  rounds: {
    routes: [
      { method: 'POST', path: '/allocation-rounds', roles: ['la', 'partnership'], throttle: { rate: 1, burst: 2 } },
      get('/allocation-rounds/{id}', ['la', 'partnership']),
    ],
    table: 'write',
    memoryMb: 1024,
    timeoutSeconds: 29,
    reservedConcurrency: 5,
  },
  placements: {
    routes: [
      get('/placements/{id}', ['la', 'provider']),
      get('/settings/{urn}/placements', ['provider']),
      { method: 'POST', path: '/placements/{id}/response', roles: ['provider'] },
      { method: 'POST', path: '/placements/{id}/naming', roles: ['la'] },
      { method: 'POST', path: '/placements/{id}/redactions', roles: ['la'] },
      { method: 'POST', path: '/placements/{id}/admission', roles: ['provider'] },
      { method: 'POST', path: '/placements/{id}/directions', roles: ['la'] },
      { method: 'POST', path: '/directions/{id}/appeal', roles: ['trust'] },
      { method: 'POST', path: '/directions/{id}/determination', roles: ['adjudicator'] },
      { method: 'POST', path: '/directions/{id}/admission', roles: ['trust'] },
      get('/directions', ['trust']),
      get('/directions/{id}', ['trust', 'adjudicator']),
      get('/appeals', ['adjudicator']),
      { method: 'POST', path: '/directions/{id}/redactions', roles: ['la'] },
    ],
    table: 'write',
  },
  // Reads only; its one write is its own result snapshots, so paging is stable.
  search: {
    routes: [get('/places/search', ['la', 'partnership', 'national']), get('/places/tailored-list', ['la'])],
    table: 'read',
    putOnlyUnder: ['SNAPSHOT#'],
    // National searches sort a few thousand results before the first page.
    memoryMb: 1024,
  },
};

/** A Lambda run on a timetable (EventBridge Scheduler-style cron or rate expression). */
export interface ScheduleSpec {
  /** File name under functions/src, without .ts. */
  entry: string;
  /** An EventBridge schedule expression: `cron(0 6 * * ? *)` or `rate(1 hour)`. */
  schedule: string;
  description: string;
  table: TableAccess;
  memoryMb?: number;
  timeoutSeconds?: number;
  /** Tells people (notifications and email): gets the Notify key, the email dead-letter queue and the directory. */
  notifies?: boolean;
}

/** Scheduled jobs, by name. */
export const SCHEDULES: Record<string, ScheduleSpec> = {
  // Timeliness: overdue consultations, days without a place, phase-transfer deadlines; and offers
  // of free places to waiting lists that a release missed (docs/allocation.md).
  escalation: {
    entry: 'escalation',
    schedule: 'rate(1 hour)',
    description:
      'Escalates overdue consultations and cases past their thresholds or deadlines; offers freed places to waiting lists',
    table: 'write',
    timeoutSeconds: 300,
    // Consultation reminders, stale-listing nudges and daily digests go out from this job.
    notifies: true,
  },
};

/** A Lambda fed by the table's stream; the table streams only when at least one exists. */
export interface StreamConsumerSpec {
  entry: string;
  description: string;
  table: TableAccess;
  /** Only records whose new image has one of these itemType values reach the function. */
  itemTypes?: string[];
  /**
   * Key prefixes it may write with BatchWriteItem (IAM dynamodb:LeadingKeys): the queue entries
   * projected from cases' `waitingOn`, idempotent puts that need no transaction.
   */
  batchWriteUnder?: string[];
  /** And, when given, one of these `state` values (a round that is queued or running). */
  states?: string[];
  batchSize?: number;
  memoryMb?: number;
  timeoutSeconds?: number;
  /** The iterator age (oldest record not yet handled) at which its alarm goes off. */
  maxIteratorAgeSeconds?: number;
  /** Runs the notifications handler: gets the Notify key, the email dead-letter queue and the directory. */
  notifies?: boolean;
}

/**
 * The table's stream consumers (docs/allocation.md, "Work that outlives a request"):
 * - `stream`: everything derived from a committed change (search entries, offers of freed places
 *   down waiting lists, removal of placed cases from queues): packages/api/src/stream/handlers.ts,
 *   whose STREAM_ITEM_TYPES these item types must equal (a template test checks).
 * - `notifications`: inbox items and email from audit events and finished rounds
 *   (packages/api/src/services/notifications.ts).
 * - `round-worker`: allocation rounds run as background jobs. A round's item is written `queued`;
 *   the worker runs it with a 15-minute timeout, checkpointing in the table after each listing's
 *   commit, and before its time runs out writes the round again, whose new stream record starts
 *   the next invocation where this one stopped.
 */
export const STREAM_CONSUMERS: Record<string, StreamConsumerSpec> = {
  stream: {
    entry: 'stream',
    description: 'Derived data from committed changes: search entries, offers of freed places, queue removal',
    table: 'write',
    itemTypes: ['listing', 'case'],
    batchWriteUnder: ['WAIT#'],
    batchSize: 100,
    timeoutSeconds: 120,
    maxIteratorAgeSeconds: 60,
  },
  // Audit events (consultations, decisions, directions, escalations, offers) and finished rounds tell people.
  'notifications-stream': {
    entry: 'notifications-stream',
    description: 'Notifications from committed changes: inbox items and email through GOV.UK Notify',
    table: 'write',
    itemTypes: ['audit', 'round'],
    batchSize: 25,
    timeoutSeconds: 90,
    maxIteratorAgeSeconds: 300,
    notifies: true,
  },
  'round-worker': {
    entry: 'round-worker',
    description: 'Runs allocation rounds as background jobs, resuming from their checkpoint',
    table: 'write',
    itemTypes: ['round'],
    states: ['queued', 'running'],
    batchSize: 1,
    memoryMb: 1024,
    timeoutSeconds: 900,
    maxIteratorAgeSeconds: 1800,
  },
};

/** `GET /cases/{id}`: the route key API Gateway and the matrix test use. */
export const routeKey = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;

export const allRoutes = (contexts: Record<string, ContextSpec> = CONTEXTS) =>
  Object.entries(contexts).flatMap(([context, spec]) =>
    spec.routes.map((route) => ({ context, ...route, key: routeKey(route) })),
  );
