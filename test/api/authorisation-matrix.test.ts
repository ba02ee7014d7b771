/**
 * The authorisation matrix: every route of the API, called with no token, with each role (as the
 * tenant that owns the target) and with a foreign tenant of the allowed role, against real data.
 * The routes come from the served OpenAPI document: a route the matrix does not cover fails the
 * test, so a new route must be added here with its expected outcomes. The matrix is also held
 * against what is deployed (infra/lib/contexts.ts): the roles API Gateway admits per route, the
 * public reads, and the table actions each Lambda is granted, which every request here must stay
 * within.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, SettingWithListings } from '@placements/domain';
import { apiGatewayAuthenticator, createApp, ROLES } from '@placements/api';
import { allRoutes, CONTEXTS, TABLE_ACTIONS } from '../../infra/lib/contexts.ts';
import { seededApp, type SeededApp } from '../support/store.ts';

const TODAY = new Date('2026-11-22T10:00:00Z');
type Caller = 'anonymous' | Role | 'foreign';
const CALLERS: Caller[] = ['anonymous', ...ROLES, 'foreign'];
type Res = Awaited<ReturnType<SeededApp['request']>>;

interface Target {
  /** Makes the request as one caller (no token: anonymous). */
  call(token?: string): Promise<Res>;
  /** The tenants that own the target, where it has one (default tenants otherwise). */
  owners?: Partial<Record<Role, string>>;
}

interface Row {
  route: string;
  /** When one route needs more than one row (the audit log of a listing and of a case). */
  variant?: string;
  expected: Record<Caller, number | null>;
  /** The role whose other tenant is tried; null where no tenant owns the target, with why. */
  foreign: Role | null;
  why?: string;
  /** A fresh target: state-changing routes get one per allowed caller. */
  target(): Promise<Target>;
}

/** The expected statuses, in CALLERS order: anonymous, national, partnership, la, provider, trust, adjudicator, foreign. */
function m(
  anonymous: number,
  national: number,
  partnership: number,
  la: number,
  provider: number,
  trust: number,
  adjudicator: number,
  foreign: number | null,
): Record<Caller, number | null> {
  return { anonymous, national, partnership, la, provider, trust, adjudicator, foreign };
}
const PUBLIC = m(200, 200, 200, 200, 200, 200, 200, null);

let t: SeededApp;
let maintained: SettingWithListings;
let academy: SettingWithListings;
/** The tenant each role acts as by default, and the other tenant tried as "foreign". */
const HOME: Record<Role, string> = {
  national: 'dfe',
  partnership: 'se19',
  la: 'E10000016',
  provider: '',
  trust: '',
  adjudicator: 'osa',
};
const FOREIGN: Record<Role, string> = {
  national: 'dfe-other',
  partnership: 'london',
  la: 'E06000035',
  provider: '',
  trust: '',
  adjudicator: 'osa-other',
};
const tokens = new Map<string, string>();
const token = async (role: Role, org: string) => {
  const key = `${role}:${org}`;
  if (!tokens.has(key)) tokens.set(key, await t.token({ sub: `matrix-${key}`, role, org }));
  return tokens.get(key)!;
};

// ---- Requests, with the DynamoDB calls each one makes ----------------------------------------

interface Recorded {
  route: string;
  status: number;
  actions: string[];
  putKeys: string[];
}
const recorded: Recorded[] = [];
let current: { actions: string[]; putKeys: string[] } | undefined;
let templates: { key: string; pattern: RegExp }[] = [];

const ITEM_ACTION: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};
const pkOf = (item: any) => (typeof item?.pk === 'string' ? item.pk : item?.pk?.S) as string;

/** Records the IAM action each DynamoDB command needs; a transaction needs each item's action. */
function recordCommand(commandName: string, input: any) {
  if (current === undefined) return;
  const name = commandName.replace(/Command$/, '');
  if (name === 'TransactWriteItems') {
    for (const item of input.TransactItems ?? [])
      for (const [kind, action] of Object.entries(ITEM_ACTION)) if (item[kind]) current.actions.push(action);
    return;
  }
  current.actions.push(`dynamodb:${name}`);
  if (name === 'PutItem') current.putKeys.push(pkOf(input.Item));
}

async function request(
  method: string,
  path: string,
  init: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Res> {
  const pathOnly = path.split('?')[0]!;
  const route =
    templates.find((r) => r.key.startsWith(`${method} `) && r.pattern.test(pathOnly))?.key ?? `${method} ${pathOnly}`;
  current = { actions: [], putKeys: [] };
  const body =
    init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const res = await t.request(path, {
    method,
    ...(init.token ? { token: init.token } : {}),
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(body !== undefined ? { body } : {}),
    // The stream consumer runs after the request is recorded: its writes are its own Lambda's, not the route's.
    drain: false,
  });
  recorded.push({ route, status: res.status, ...current });
  current = undefined;
  if (method !== 'GET') await t.drain();
  return res;
}
const ok = (res: Res, status: number) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
};

// ---- Real data, made through the API ---------------------------------------------------------

let listingSeq = 0;
let caseSeq = 0;
let frameworkSeq = 0;
const LISTING_ID = 'matrix-s3';

const listingBody = (s: SettingWithListings, commissioned = 40) => ({
  band: 'S3',
  needs: ['ASD'],
  ageMin: s.ageMin,
  ageMax: s.ageMax,
  attendance: 'day',
  commissioned,
  filled: 0,
  availableFrom: '2026-09-01',
});

async function openCase(): Promise<string> {
  const kent = await token('la', HOME.la);
  return ok(
    await request('POST', '/cases', {
      token: kent,
      body: { ref: `MATRIX-${++caseSeq}`, needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' },
    }),
    201,
  ).id;
}
async function withPreferences(setting: SettingWithListings): Promise<string> {
  const id = await openCase();
  ok(
    await request('PUT', `/cases/${id}/preferences`, {
      token: await token('la', HOME.la),
      body: { holder: 'parent', ranked: [setting.urn] },
    }),
    200,
  );
  return id;
}
/** A placement of a fresh case at `setting`, moved along the legal path to `state`. */
async function placement(setting: SettingWithListings, state: 'consulting' | 'accepted' | 'named' | 'refused') {
  const kent = await token('la', HOME.la);
  const provider = await token('provider', setting.providerId);
  const caseId = await withPreferences(setting);
  const id = ok(await request('POST', `/cases/${caseId}/allocate`, { token: kent }), 201).placement.id as string;
  if (state === 'consulting') return id;
  ok(await request('POST', `/placements/${id}/response`, { token: provider, body: { decision: 'accept' } }), 200);
  if (state === 'accepted') return id;
  ok(await request('POST', `/placements/${id}/naming`, { token: kent, body: {} }), 200);
  if (state === 'named') return id;
  ok(
    await request('POST', `/placements/${id}/admission`, {
      token: provider,
      body: { decision: 'refused', reason: 'No room in the class' },
    }),
    200,
  );
  return id;
}
/** A trust backstop direction to the academy, issued, or appealed by its trust. */
async function direction(state: 'issued' | 'appealed') {
  const id = await placement(academy, 'refused');
  const d = ok(
    await request('POST', `/placements/${id}/directions`, { token: await token('la', HOME.la), body: {} }),
    201,
  ).direction;
  if (state === 'appealed')
    ok(
      await request('POST', `/directions/${d.id}/appeal`, {
        token: await token('trust', academy.trustId!),
        body: { grounds: 'The academy cannot meet the need' },
      }),
      200,
    );
  return d.id as string;
}
const frameworkBody = () => ({
  effectiveFrom: `2030-01-${String(++frameworkSeq).padStart(2, '0')}`,
  bands: [
    {
      code: 'S2',
      name: 'Specialist day, complex needs',
      needLevel: 4,
      provisionTypes: ['special_maintained', 'special_academy'],
      residentialAllowed: true,
    },
  ],
  tariffs: [
    {
      band: 'S2',
      elements: {
        placeFunding: 1_000_000,
        topUp: 1_100_000,
        staffRatio: '1:3',
        therapies: 200_000,
        residential: { day: 0, residential_38: 3_800_000, residential_52: 7_000_000 },
      },
      variation: { minPercent: -10, maxPercent: 15 },
    },
  ],
});

/** A listing of the maintained school with block places offered to the home partnership. */
async function reservation(): Promise<string> {
  const provider = await token('provider', maintained.providerId);
  const id = `matrix-res-${++listingSeq}`;
  ok(
    await request('PUT', `/settings/${maintained.urn}/listings/${id}`, {
      token: provider,
      body: listingBody(maintained, 3),
    }),
    201,
  );
  return ok(
    await request('POST', `/settings/${maintained.urn}/listings/${id}/reservations`, {
      token: provider,
      body: { partnershipId: HOME.partnership, places: 1 },
    }),
    201,
  ).id;
}
const reservationOwners = (): Partial<Record<Role, string>> => ({
  provider: maintained.providerId,
  partnership: HOME.partnership,
});

const get = (path: string) => async (): Promise<Target> => ({ call: (tok) => request('GET', path, { token: tok }) });
const ownedBy = (setting: SettingWithListings): Partial<Record<Role, string>> => ({
  provider: setting.providerId,
  ...(setting.trustId ? { trust: setting.trustId } : {}),
});

/** A placement step: a fresh placement at the maintained school, brought to the state the step needs. */
function placementRow(
  route: string,
  state: Parameters<typeof placement>[1],
  body: unknown,
  expected: Row['expected'],
  foreign: Role,
): Row {
  return {
    route,
    expected,
    foreign,
    target: async () => {
      const id = await placement(maintained, state);
      return {
        owners: ownedBy(maintained),
        call: (tok) => request('POST', route.split(' ')[1]!.replace('{id}', id), { token: tok, body }),
      };
    },
  };
}

// ---- The matrix ------------------------------------------------------------------------------
//                                                     anon nat  part la   prov trust adj  foreign
const ROWS: Row[] = [
  { route: 'GET /health', expected: PUBLIC, foreign: null, why: 'public read', target: get('/health') },
  { route: 'GET /openapi.json', expected: PUBLIC, foreign: null, why: 'public read', target: get('/openapi.json') },
  { route: 'GET /bands', expected: PUBLIC, foreign: null, why: 'public read', target: get('/bands') },
  { route: 'GET /bands/{version}', expected: PUBLIC, foreign: null, why: 'public read', target: get('/bands/v1') },
  { route: 'GET /las', expected: PUBLIC, foreign: null, why: 'public read', target: get('/las?limit=5') },
  { route: 'GET /las/{laCode}', expected: PUBLIC, foreign: null, why: 'public read', target: get('/las/E10000016') },
  { route: 'GET /partnerships', expected: PUBLIC, foreign: null, why: 'public read', target: get('/partnerships') },
  {
    route: 'GET /partnerships/{id}',
    expected: PUBLIC,
    foreign: null,
    why: 'public read',
    target: get('/partnerships/se19'),
  },
  {
    route: 'GET /districts/{district}',
    expected: PUBLIC,
    foreign: null,
    why: 'public read',
    target: get('/districts/ME14'),
  },
  {
    route: 'GET /partnerships/{id}/oruk/services',
    expected: PUBLIC,
    foreign: null,
    why: 'public read: published capacity as an ORUK feed',
    target: get('/partnerships/se19/oruk/services'),
  },
  {
    route: 'PUT /partnerships/{id}',
    expected: m(401, 201, 403, 403, 403, 403, 403, null),
    foreign: null,
    why: 'partnerships are formed by the one national team',
    target: async () => {
      const id = `matrix-${++listingSeq}`;
      return {
        call: (tok) =>
          request('PUT', `/partnerships/${id}`, {
            token: tok,
            body: {
              name: 'Matrix partnership',
              members: ['E10000016', 'E06000035'],
              remit: ['Low-incidence, high-cost places'],
            },
          }),
      };
    },
  },
  {
    route: 'GET /partnerships/{id}/sufficiency',
    expected: m(401, 200, 200, 200, 403, 403, 403, 403),
    foreign: 'partnership',
    why: 'the partnership, its member LAs and the national team; another partnership is refused',
    target: get('/partnerships/se19/sufficiency'),
  },
  {
    route: 'GET /partnerships/{id}/forecast',
    expected: m(401, 200, 200, 200, 403, 403, 403, 403),
    foreign: 'partnership',
    why: 'as the sufficiency view: the partnership, its member LAs and the national team',
    target: get('/partnerships/se19/forecast'),
  },
  {
    route: 'GET /las/{laCode}/forecast',
    expected: m(401, 200, 200, 200, 403, 403, 403, 403),
    foreign: 'la',
    why: 'the LA itself, a partnership it is a member of, the national team; another LA is refused',
    target: get('/las/E10000016/forecast'),
  },
  {
    route: 'GET /partnerships/{id}/prices',
    expected: m(401, 200, 200, 200, 403, 403, 403, 403),
    foreign: 'partnership',
    target: get('/partnerships/se19/prices'),
  },
  {
    route: 'GET /settings',
    expected: PUBLIC,
    foreign: null,
    why: 'public read',
    target: get('/settings?la=E10000016&limit=5'),
  },
  {
    route: 'GET /settings/{urn}',
    expected: PUBLIC,
    foreign: null,
    why: 'public read',
    target: get('/settings/900001'),
  },
  {
    route: 'PUT /bands/{version}',
    expected: m(401, 201, 403, 403, 403, 403, 403, null),
    foreign: null,
    why: 'one national framework team; no tenant owns a framework',
    target: async () => {
      const version = `v${100 + frameworkSeq}`;
      const body = frameworkBody();
      return { call: (tok) => request('PUT', `/bands/${version}`, { token: tok, body }) };
    },
  },
  {
    route: 'PUT /settings/{urn}/listings/{listingId}',
    expected: m(401, 403, 403, 403, 201, 403, 403, 403),
    foreign: 'provider',
    target: async () => {
      const id = `matrix-put-${++listingSeq}`;
      return {
        owners: ownedBy(maintained),
        call: (tok) =>
          request('PUT', `/settings/${maintained.urn}/listings/${id}`, {
            token: tok,
            body: listingBody(maintained, 3),
          }),
      };
    },
  },
  {
    route: 'POST /settings/{urn}/listings:bulk',
    expected: m(401, 403, 403, 403, 200, 403, 403, 403),
    foreign: 'provider',
    target: async () => {
      const id = `matrix-bulk-${++listingSeq}`;
      const sheet = `listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom,price,variationReason\n${id},S3,ASD,${maintained.ageMin},${maintained.ageMax},day,2,0,2026-09-01,,\n`;
      return {
        owners: ownedBy(maintained),
        call: (tok) =>
          request('POST', `/settings/${maintained.urn}/listings:bulk`, {
            token: tok,
            body: sheet,
            headers: { 'content-type': 'text/csv' },
          }),
      };
    },
  },
  {
    route: 'POST /settings/{urn}/listings/{listingId}/reservations',
    expected: m(401, 403, 403, 403, 201, 403, 403, 403),
    foreign: 'provider',
    why: 'only the provider running the setting offers its block places',
    target: async () => {
      const id = `matrix-offer-${++listingSeq}`;
      ok(
        await request('PUT', `/settings/${maintained.urn}/listings/${id}`, {
          token: await token('provider', maintained.providerId),
          body: listingBody(maintained, 3),
        }),
        201,
      );
      return {
        owners: ownedBy(maintained),
        call: (tok) =>
          request('POST', `/settings/${maintained.urn}/listings/${id}/reservations`, {
            token: tok,
            body: { partnershipId: HOME.partnership, places: 2 },
          }),
      };
    },
  },
  {
    route: 'GET /reservations',
    expected: m(401, 403, 200, 403, 200, 403, 403, null),
    foreign: null,
    why: 'the tenant is the token’s: a provider reads its offers, a partnership those made to it',
    target: async () => ({
      owners: reservationOwners(),
      call: (tok) => request('GET', '/reservations', { token: tok }),
    }),
  },
  {
    route: 'GET /reservations/{id}',
    expected: m(401, 403, 200, 403, 200, 403, 403, 403),
    foreign: 'partnership',
    why: 'the provider that offered it and the partnership it is offered to',
    target: async () => {
      const id = await reservation();
      return { owners: reservationOwners(), call: (tok) => request('GET', `/reservations/${id}`, { token: tok }) };
    },
  },
  {
    route: 'POST /reservations/{id}/response',
    expected: m(401, 403, 200, 403, 403, 403, 403, 403),
    foreign: 'partnership',
    why: 'only the partnership it is offered to answers',
    target: async () => {
      const id = await reservation();
      return {
        owners: reservationOwners(),
        call: (tok) => request('POST', `/reservations/${id}/response`, { token: tok, body: { decision: 'accept' } }),
      };
    },
  },
  {
    route: 'POST /reservations/{id}/withdrawal',
    expected: m(401, 403, 403, 403, 200, 403, 403, 403),
    foreign: 'provider',
    why: 'only the provider that offered it withdraws it',
    target: async () => {
      const id = await reservation();
      return {
        owners: reservationOwners(),
        call: (tok) => request('POST', `/reservations/${id}/withdrawal`, { token: tok, body: {} }),
      };
    },
  },
  {
    route: 'POST /reservations/{id}/redactions',
    expected: m(401, 403, 200, 403, 403, 403, 403, 403),
    foreign: 'partnership',
    why: 'the decline reason is the partnership’s own text: only it erases it',
    target: async () => {
      const id = await reservation();
      ok(
        await request('POST', `/reservations/${id}/response`, {
          token: await token('partnership', HOME.partnership),
          body: { decision: 'decline', reason: 'already commissioned' },
        }),
        200,
      );
      return {
        owners: reservationOwners(),
        call: (tok) =>
          request('POST', `/reservations/${id}/redactions`, {
            token: tok,
            body: { field: 'declineReason', reason: 'erase on request' },
          }),
      };
    },
  },
  {
    route: 'GET /audit',
    variant: 'a listing’s history',
    expected: m(401, 403, 403, 403, 200, 403, 403, 403),
    foreign: 'provider',
    target: async () => ({
      owners: ownedBy(maintained),
      call: (tok) => request('GET', `/audit?entity=listing:${maintained.urn}:${LISTING_ID}`, { token: tok }),
    }),
  },
  {
    route: 'GET /audit',
    variant: 'a case’s history',
    expected: m(401, 403, 403, 200, 403, 403, 403, 404),
    foreign: 'la',
    target: async () => {
      const id = await openCase();
      return { call: (tok) => request('GET', `/audit?entity=case:${id}`, { token: tok }) };
    },
  },
  {
    route: 'GET /notifications',
    expected: m(401, 200, 200, 200, 200, 200, 200, null),
    foreign: null,
    why: 'every role has an inbox and reads only its own: role, org and user come from the token',
    target: get('/notifications?limit=5'),
  },
  {
    route: 'POST /notifications/{id}/read',
    expected: m(401, 404, 404, 200, 404, 404, 404, 404),
    foreign: 'la',
    target: async () => {
      const draft = {
        sourceId: `matrix-${++caseSeq}`,
        kind: 'consultation_accepted' as const,
        recipient: { role: 'la' as const, org: HOME.la },
        facts: { caseRef: 'MATRIX', urn: maintained.urn },
        link: '/cases',
        at: TODAY.toISOString(),
      };
      const { notification } = await t.store.notifications.put(draft, {});
      return { call: (tok) => request('POST', `/notifications/${notification.id}/read`, { token: tok }) };
    },
  },
  {
    route: 'POST /notifications/{id}/read',
    variant: 'each role its own',
    expected: m(401, 200, 200, 200, 200, 200, 200, null),
    foreign: null,
    why: 'every role marks its own notifications read; whose they are comes from the token',
    target: async () => ({
      call: async (tok) => {
        if (tok === undefined) return request('POST', `/notifications/${'0'.repeat(24)}/read`, { token: tok });
        const claims = JSON.parse(Buffer.from(tok.split('.')[1]!, 'base64url').toString()) as {
          role: Role;
          org: string;
          sub: string;
        };
        const { notification } = await t.store.notifications.put(
          {
            sourceId: `matrix-own-${++caseSeq}`,
            kind: 'round_completed',
            recipient: { role: claims.role, org: claims.org },
            facts: { cases: 1, allocated: 1 },
            link: '/',
            at: TODAY.toISOString(),
          },
          {},
        );
        return request('POST', `/notifications/${notification.id}/read`, { token: tok });
      },
    }),
  },
  {
    route: 'GET /notifications/preferences',
    expected: m(401, 200, 200, 200, 200, 200, 200, null),
    foreign: null,
    why: 'a user’s own preferences, keyed by the token’s subject',
    target: get('/notifications/preferences'),
  },
  {
    route: 'PUT /notifications/preferences',
    expected: m(401, 200, 200, 200, 200, 200, 200, null),
    foreign: null,
    why: 'a user’s own preferences, keyed by the token’s subject',
    target: async () => ({
      call: (tok) =>
        request('PUT', '/notifications/preferences', { token: tok, body: { email: 'daily_digest', nudges: false } }),
    }),
  },
  {
    route: 'GET /places/search',
    expected: m(401, 200, 200, 200, 403, 403, 403, null),
    foreign: null,
    why: 'published capacity is shared by design; the search scope comes from the token',
    target: get('/places/search?need=ASD&age=9&from=ME14&radiusKm=40'),
  },
  {
    route: 'GET /places/tailored-list',
    expected: m(401, 403, 403, 200, 403, 403, 403, null),
    foreign: null,
    why: 'built from the query and published capacity; no tenant data',
    target: get('/places/tailored-list?need=ASD&age=9&from=ME14'),
  },
  {
    route: 'POST /cases',
    expected: m(401, 403, 403, 201, 403, 403, 403, null),
    foreign: null,
    why: 'a case is always opened in the caller’s own LA (see the tenant-key test below)',
    target: async () => ({
      call: (tok) =>
        request('POST', '/cases', {
          token: tok,
          body: { ref: `MATRIX-NEW-${++caseSeq}`, needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' },
        }),
    }),
  },
  {
    route: 'POST /cases:bulk',
    expected: m(401, 403, 403, 200, 403, 403, 403, null),
    foreign: null,
    why: 'every case of a sheet is opened in the caller’s own LA, as with POST /cases',
    target: async () => ({
      call: (tok) =>
        request('POST', '/cases:bulk', {
          token: tok,
          body: `needs,band,age,homeDistrict,holder,ranked,mainstreamRequested\nASD,S3,9,ME14,parent,${maintained.urn},false\n`,
          headers: { 'content-type': 'text/csv' },
        }),
    }),
  },
  {
    route: 'GET /cases/{id}',
    expected: m(401, 403, 403, 200, 403, 403, 403, 404),
    foreign: 'la',
    target: async () => {
      const id = await openCase();
      return { call: (tok) => request('GET', `/cases/${id}`, { token: tok }) };
    },
  },
  {
    route: 'PUT /cases/{id}/preferences',
    expected: m(401, 403, 403, 200, 403, 403, 403, 404),
    foreign: 'la',
    target: async () => {
      const id = await openCase();
      return {
        call: (tok) =>
          request('PUT', `/cases/${id}/preferences`, {
            token: tok,
            body: { holder: 'parent', ranked: [maintained.urn] },
          }),
      };
    },
  },
  {
    route: 'POST /cases/{id}/allocate',
    expected: m(401, 403, 403, 201, 403, 403, 403, 404),
    foreign: 'la',
    target: async () => {
      const id = await withPreferences(maintained);
      return { call: (tok) => request('POST', `/cases/${id}/allocate`, { token: tok }) };
    },
  },
  {
    route: 'GET /cases/{id}/tailored-list',
    expected: m(401, 403, 403, 200, 403, 403, 403, 404),
    foreign: 'la',
    target: async () => {
      const id = await openCase();
      return { call: (tok) => request('GET', `/cases/${id}/tailored-list`, { token: tok }) };
    },
  },
  {
    route: 'GET /cases',
    expected: m(401, 403, 403, 200, 403, 403, 403, null),
    foreign: null,
    why: 'lists only the caller’s own LA’s cases: the LA comes from the token (test/api/work-lists.test.ts); a partnership must name a member LA (la=)',
    target: get('/cases?limit=5'),
  },
  {
    route: 'GET /cases',
    variant: 'a member LA’s, for a partnership’s round',
    expected: m(401, 403, 200, 200, 403, 403, 403, 403),
    foreign: 'partnership',
    why: 'a partnership lists its members’ cases (without their references); another partnership is refused',
    target: get(`/cases?laCode=${HOME.la}&limit=5`),
  },
  {
    route: 'GET /settings/{urn}/listings/{listingId}/waiting-list',
    expected: m(401, 200, 200, 200, 200, 403, 403, 403),
    foreign: 'provider',
    why: 'commissioners see every queue (case ids only their own); a provider only its own settings’',
    target: async () => ({
      owners: ownedBy(maintained),
      call: (tok) => request('GET', `/settings/${maintained.urn}/listings/${LISTING_ID}/waiting-list`, { token: tok }),
    }),
  },
  {
    route: 'POST /allocation-rounds',
    expected: m(401, 403, 202, 202, 403, 403, 403, 403),
    foreign: 'la',
    why: 'a round takes only the caller’s own LA’s cases, or a partnership’s members’',
    target: async () => {
      const id = await withPreferences(maintained);
      return {
        call: (tok) =>
          request('POST', '/allocation-rounds', {
            token: tok,
            body: { cases: [{ laCode: HOME.la, id }], seed: 'matrix' },
          }),
      };
    },
  },
  {
    route: 'GET /allocation-rounds/{id}',
    variant: 'run by an LA',
    expected: m(401, 403, 404, 200, 403, 403, 403, 404),
    foreign: 'la',
    target: async () => {
      const id = await withPreferences(maintained);
      const round = ok(
        await request('POST', '/allocation-rounds', {
          token: await token('la', HOME.la),
          body: { cases: [id], seed: 'matrix' },
        }),
        202,
      ).id;
      return { call: (tok) => request('GET', `/allocation-rounds/${round}`, { token: tok }) };
    },
  },
  {
    route: 'GET /allocation-rounds/{id}',
    variant: 'run by a partnership',
    expected: m(401, 403, 200, 404, 403, 403, 403, 404),
    foreign: 'partnership',
    target: async () => {
      const id = await withPreferences(maintained);
      const round = ok(
        await request('POST', '/allocation-rounds', {
          token: await token('partnership', HOME.partnership),
          body: { cases: [{ laCode: HOME.la, id }], seed: 'matrix' },
        }),
        202,
      ).id;
      return { call: (tok) => request('GET', `/allocation-rounds/${round}`, { token: tok }) };
    },
  },
  {
    route: 'GET /placements/{id}',
    expected: m(401, 403, 403, 200, 200, 403, 403, 404),
    foreign: 'la',
    target: async () => {
      const id = await placement(maintained, 'consulting');
      return { owners: ownedBy(maintained), call: (tok) => request('GET', `/placements/${id}`, { token: tok }) };
    },
  },
  {
    route: 'GET /settings/{urn}/placements',
    expected: m(401, 403, 403, 403, 200, 403, 403, 403),
    foreign: 'provider',
    target: async () => ({
      owners: ownedBy(maintained),
      call: (tok) => request('GET', `/settings/${maintained.urn}/placements`, { token: tok }),
    }),
  },
  placementRow(
    'POST /placements/{id}/response',
    'consulting',
    { decision: 'accept' },
    m(401, 403, 403, 403, 200, 403, 403, 403),
    'provider',
  ),
  placementRow(
    'POST /placements/{id}/redactions',
    'accepted',
    { field: 'namingNote', reason: 'Entered on the wrong case' },
    m(401, 403, 403, 200, 403, 403, 403, 403),
    'la',
  ),
  placementRow('POST /placements/{id}/naming', 'accepted', {}, m(401, 403, 403, 200, 403, 403, 403, 403), 'la'),
  placementRow(
    'POST /placements/{id}/admission',
    'named',
    { decision: 'admitted' },
    m(401, 403, 403, 403, 200, 403, 403, 403),
    'provider',
  ),
  placementRow('POST /placements/{id}/directions', 'refused', {}, m(401, 403, 403, 201, 403, 403, 403, 403), 'la'),
  {
    route: 'POST /directions/{id}/appeal',
    expected: m(401, 403, 403, 403, 403, 200, 403, 403),
    foreign: 'trust',
    target: async () => {
      const id = await direction('issued');
      return {
        owners: ownedBy(academy),
        call: (tok) =>
          request('POST', `/directions/${id}/appeal`, {
            token: tok,
            body: { grounds: 'The academy cannot meet the need' },
          }),
      };
    },
  },
  {
    route: 'POST /directions/{id}/redactions',
    expected: m(401, 403, 403, 200, 403, 403, 403, 403),
    foreign: 'la',
    target: async () => {
      const id = await direction('appealed');
      return {
        owners: ownedBy(academy),
        call: (tok) =>
          request('POST', `/directions/${id}/redactions`, {
            token: tok,
            body: { field: 'appealGrounds', reason: 'Named the child by mistake' },
          }),
      };
    },
  },
  {
    route: 'POST /directions/{id}/determination',
    expected: m(401, 403, 403, 403, 403, 403, 200, null),
    foreign: null,
    why: 'there is one Schools Adjudicator',
    target: async () => {
      const id = await direction('appealed');
      return {
        owners: ownedBy(academy),
        call: (tok) => request('POST', `/directions/${id}/determination`, { token: tok, body: { outcome: 'upheld' } }),
      };
    },
  },
  {
    route: 'POST /directions/{id}/admission',
    expected: m(401, 403, 403, 403, 403, 200, 403, 403),
    foreign: 'trust',
    target: async () => {
      const id = await direction('issued');
      return {
        owners: ownedBy(academy),
        call: (tok) => request('POST', `/directions/${id}/admission`, { token: tok, body: {} }),
      };
    },
  },
  {
    route: 'GET /directions',
    expected: m(401, 403, 403, 403, 403, 200, 403, 200),
    foreign: 'trust',
    why: 'another trust gets its own list, without this direction',
    target: async () => {
      await direction('issued');
      return { owners: ownedBy(academy), call: (tok) => request('GET', '/directions', { token: tok }) };
    },
  },
  {
    route: 'GET /directions/{id}',
    expected: m(401, 403, 403, 403, 403, 200, 200, 404),
    foreign: 'trust',
    target: async () => {
      const id = await direction('appealed');
      return { owners: ownedBy(academy), call: (tok) => request('GET', `/directions/${id}`, { token: tok }) };
    },
  },
  {
    route: 'GET /appeals',
    expected: m(401, 403, 403, 403, 403, 403, 200, null),
    foreign: null,
    why: 'there is one Schools Adjudicator',
    target: async () => {
      await direction('appealed');
      return { owners: ownedBy(academy), call: (tok) => request('GET', '/appeals', { token: tok }) };
    },
  },
];

// ---- Running it ------------------------------------------------------------------------------

const isSuccess = (s: number | null) => s !== null && s >= 200 && s < 300;
const rowName = (r: Row) => (r.variant ? `${r.route} (${r.variant})` : r.route);
let documented: { key: string; secured: boolean }[] = [];

beforeAll(async () => {
  // The clock stands still, so every allocation of the run falls in one minute: the per-LA
  // allocation quota (tested in its own file) would otherwise refuse the later rows.
  t = await seededApp({ now: () => TODAY, limits: { allocationsPerMinute: 10_000 } });
  t.store.db.middlewareStack.add(
    (next, context) => async (args) => {
      recordCommand(String((context as { commandName?: string }).commandName), (args as { input: unknown }).input);
      return next(args);
    },
    { step: 'initialize', name: 'authorisationMatrixRecorder' },
  );

  // The document of the app as deployed: the same contexts, without the local-only /dev/token.
  const deployedApp = createApp({ store: t.store, auth: apiGatewayAuthenticator() });
  const doc = (await (await deployedApp.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      secured: (op.security ?? []).length > 0,
    })),
  );
  documented.push({ key: 'GET /openapi.json', secured: false });
  templates = documented.map(({ key }) => ({
    key,
    pattern: new RegExp(
      `^${key
        .split(' ')[1]!
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\{[^}]+\}/g, '[^/]+')}$`,
    ),
  }));

  const suits = (s: SettingWithListings) => s.needs.includes('ASD') && s.ageMin <= 9 && s.ageMax >= 9;
  maintained = t.data.settings.find((s) => s.type === 'special_maintained' && suits(s))!;
  academy = t.data.settings.find(
    (s) =>
      s.type === 'special_academy' && suits(s) && s.trustId !== undefined && s.providerId !== maintained.providerId,
  )!;
  HOME.provider = maintained.providerId;
  HOME.trust = academy.trustId!;
  FOREIGN.provider = t.data.settings.find(
    (s) => ![maintained.providerId, academy.providerId].includes(s.providerId),
  )!.providerId;
  FOREIGN.trust = t.data.settings.find(
    (s) => s.trustId !== undefined && s.trustId !== academy.trustId && s.trustId !== maintained.providerId,
  )!.trustId!;
  // Places to allocate: a listing at each setting, published by its own provider.
  for (const s of [maintained, academy])
    ok(
      await request('PUT', `/settings/${s.urn}/listings/${LISTING_ID}`, {
        token: await token('provider', s.providerId),
        body: listingBody(s),
      }),
      201,
    );
}, 120_000);
afterAll(async () => {
  await t.store.drop();
});

describe('the authorisation matrix', () => {
  it('covers every route the API serves as deployed, and nothing it does not', () => {
    expect(documented.map((d) => d.key)).not.toContain('POST /dev/token');
    const covered = new Set(ROWS.map((r) => r.route));
    const missing = documented.map((d) => d.key).filter((k) => !covered.has(k));
    expect(missing, 'routes with no row in the authorisation matrix: add them').toEqual([]);
    expect(
      [...covered].filter((k) => !documented.some((d) => d.key === k)),
      'rows for routes the API does not serve',
    ).toEqual([]);
  });

  it.each(ROWS.map((r) => [rowName(r), r] as const))('%s', async (_name, row) => {
    const callers = CALLERS.filter((c) => c !== 'foreign' || row.foreign !== null);
    // Refusals first: none of them may change what the allowed caller then finds.
    const ordered = [
      ...callers.filter((c) => !isSuccess(row.expected[c])),
      ...callers.filter((c) => isSuccess(row.expected[c])),
    ];
    const changes = row.route.split(' ')[0] !== 'GET';
    let target = await row.target();
    let allowedSoFar = 0;
    const outcomes: string[] = [];
    for (const caller of ordered) {
      if (isSuccess(row.expected[caller]) && changes && allowedSoFar++ > 0) target = await row.target();
      const tok =
        caller === 'anonymous'
          ? undefined
          : caller === 'foreign'
            ? await token(row.foreign!, FOREIGN[row.foreign!])
            : await token(caller, target.owners?.[caller] ?? HOME[caller]);
      const before = recorded.length;
      const res = await target.call(tok);
      const mine = recorded.slice(before);
      outcomes.push(`${caller}=${res.status}`);
      expect(res.status, `${rowName(row)} as ${caller}: ${JSON.stringify(res.body)}`).toBe(row.expected[caller]);
      if (!isSuccess(res.status)) {
        // A refusal writes nothing and says nothing about the target beyond the refusal.
        expect(
          mine.flatMap((r) => r.actions).filter((a) => !/GetItem|Query|DescribeTable/.test(a)),
          `${rowName(row)} as ${caller} wrote`,
        ).toEqual([]);
        expect(res.body.error.code).toMatch(/^(unauthenticated|forbidden|not_found)$/);
        expect(Object.keys(res.body)).toEqual(['error']);
      }
    }
    expect(outcomes).toHaveLength(ordered.length);
  });

  it('never lets the foreign tenant see the owner’s data, even in a refusal', async () => {
    const id = await openCase();
    const medway = await token('la', FOREIGN.la);
    for (const path of [`/cases/${id}`, `/cases/${id}/tailored-list`, `/audit?entity=case:${id}`]) {
      const res = await request('GET', path, { token: medway });
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('MATRIX-');
      expect(JSON.stringify(res.body)).not.toContain(HOME.la);
    }
  });

  it('builds tenant keys from the token: a case opened by Medway is Medway’s, whatever the body says', async () => {
    const medway = await token('la', FOREIGN.la);
    const kent = await token('la', HOME.la);
    const smuggled = await request('POST', '/cases', {
      token: medway,
      body: { ref: 'MATRIX-SMUGGLE', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14', laCode: HOME.la },
    });
    expect(smuggled.status).toBe(400);
    const own = ok(
      await request('POST', '/cases', {
        token: medway,
        body: { ref: 'MATRIX-MEDWAY', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' },
      }),
      201,
    );
    expect(own.laCode).toBe(FOREIGN.la);
    expect((await request('GET', `/cases/${own.id}`, { token: kent })).status).toBe(404);
    expect((await request('GET', `/cases/${own.id}`, { token: medway })).status).toBe(200);
  });
});

describe('what each role sees (field level)', () => {
  it('shows a placement whole to the owning LA, and to the provider only what it needs to decide', async () => {
    const id = await placement(maintained, 'consulting');
    const asLa = ok(await request('GET', `/placements/${id}`, { token: await token('la', HOME.la) }), 200);
    expect(Object.keys(asLa)).toEqual(expect.arrayContaining(['caseId', 'rank', 'skipped', 'distanceKm']));
    const asProvider = ok(
      await request('GET', `/placements/${id}`, { token: await token('provider', maintained.providerId) }),
      200,
    );
    expect(Object.keys(asProvider)).toEqual(
      expect.arrayContaining(['id', 'urn', 'listingId', 'state', 'respondBy', 'band', 'need', 'price']),
    );
    for (const hidden of ['caseId', 'rank', 'skipped', 'distanceKm', 'fromWaitingList', 'roundId', 'hostLaCode'])
      expect(asProvider, hidden).not.toHaveProperty(hidden);
  });

  it('shows a waiting list to each role with only its own tenants’ entries, and exact times and case ids to their LA alone', async () => {
    const third = t.data.settings.find(
      (s) =>
        s.type === 'special_maintained' &&
        s.needs.includes('ASD') &&
        s.ageMin <= 9 &&
        s.ageMax >= 9 &&
        ![maintained.providerId, academy.providerId].includes(s.providerId),
    )!;
    const provider = await token('provider', third.providerId);
    ok(
      await request('PUT', `/settings/${third.urn}/listings/matrix-queue`, {
        token: provider,
        body: listingBody(third, 1),
      }),
      201,
    );
    const queued: Record<string, string> = {};
    for (const la of [HOME.la, FOREIGN.la, HOME.la]) {
      const tok = await token('la', la);
      const id = ok(
        await request('POST', '/cases', {
          token: tok,
          body: { needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' },
        }),
        201,
      ).id;
      ok(
        await request('PUT', `/cases/${id}/preferences`, {
          token: tok,
          body: { holder: 'parent', ranked: [third.urn] },
        }),
        200,
      );
      const res = await request('POST', `/cases/${id}/allocate`, { token: tok });
      if (res.status === 409) queued[la] = id;
    }
    const path = `/settings/${third.urn}/listings/matrix-queue/waiting-list`;
    const seen = async (role: Role, org: string) =>
      ok(await request('GET', path, { token: await token(role, org) }), 200).items;
    // Both joined at the same (frozen) moment, so which is first is the queue's tie-break: read it from the whole queue.
    const whole = (await seen('national', HOME.national)) as { laCode: string; position: number }[];
    const positionOf = (la: string) => whole.find((e) => e.laCode === la)!.position;
    expect(whole.map((e) => e.laCode).sort()).toEqual([HOME.la, FOREIGN.la].sort());
    const kent = await seen('la', HOME.la);
    expect(kent).toEqual([
      expect.objectContaining({
        laCode: HOME.la,
        caseId: queued[HOME.la],
        joinedAt: expect.any(String),
        ahead: positionOf(HOME.la) - 1,
      }),
    ]);
    const medway = await seen('la', FOREIGN.la);
    expect(medway).toEqual([
      expect.objectContaining({ laCode: FOREIGN.la, caseId: queued[FOREIGN.la], ahead: positionOf(FOREIGN.la) - 1 }),
    ]);
    for (const [role, org] of [
      ['partnership', HOME.partnership],
      ['national', HOME.national],
      ['provider', third.providerId],
    ] as const) {
      const items = await seen(role, org);
      expect(
        items.map((e: any) => Object.keys(e).sort()),
        `${role} sees`,
      ).toEqual([
        ['daysWaiting', 'laCode', 'position'],
        ['daysWaiting', 'laCode', 'position'],
      ]);
    }
  });

  it('shows anyone the feed’s published capacity, never live held places, with ORUK’s CORS header', async () => {
    const res = await request('GET', '/partnerships/se19/oruk/services?per_page=5');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    for (const service of res.body.contents) {
      expect(service).not.toHaveProperty('service_capacities');
      expect(Object.keys(service.capacities[0]).sort()).toEqual([
        'available',
        'description',
        'id',
        'maximum',
        'unit',
        'updated',
      ]);
      expect(JSON.stringify(service)).not.toMatch(/held|blockUsed/);
    }
  });
});

describe('the matrix against what is deployed', () => {
  const deployed = allRoutes();
  const allowedRoles = (route: string) =>
    [
      ...new Set(
        ROWS.filter((r) => r.route === route).flatMap((r) => ROLES.filter((role) => isSuccess(r.expected[role]))),
      ),
    ].sort();

  it('deploys exactly the routes the API serves', () => {
    expect(deployed.map((r) => r.key).sort()).toEqual(documented.map((d) => d.key).sort());
  });

  it('admits at API Gateway exactly the roles the API allows, and no token only on the public reads', () => {
    for (const route of deployed) {
      const publicInMatrix = ROWS.filter((r) => r.route === route.key).every((r) => isSuccess(r.expected.anonymous));
      if (route.roles === 'public') {
        expect(publicInMatrix, `${route.key} is public in infra`).toBe(true);
      } else {
        expect(publicInMatrix, `${route.key} needs a token`).toBe(false);
        expect([...route.roles].sort(), `${route.key}: scopes at API Gateway`).toEqual(allowedRoles(route.key));
      }
    }
  });

  it('documents a bearer token on exactly the routes that need one', () => {
    for (const d of documented) {
      const isPublic = deployed.find((r) => r.key === d.key)!.roles === 'public';
      expect(d.secured, d.key).toBe(!isPublic);
    }
  });

  it('kept every request within the table actions its Lambda is granted', () => {
    expect(recorded.length).toBeGreaterThan(200);
    const contextOf = new Map(deployed.map((r) => [r.key, r.context]));
    const problems: string[] = [];
    for (const r of recorded) {
      const context = contextOf.get(r.route);
      if (context === undefined) {
        problems.push(`${r.route}: not deployed`);
        continue;
      }
      const spec = CONTEXTS[context]!;
      const granted = new Set([...TABLE_ACTIONS[spec.table], ...(spec.putOnlyUnder ? ['dynamodb:PutItem'] : [])]);
      for (const action of r.actions)
        if (!granted.has(action)) problems.push(`${r.route} (${context}, ${spec.table}) used ${action}`);
      // A read-only context puts only under its allowed prefixes (IAM dynamodb:LeadingKeys).
      if (spec.putOnlyUnder && !TABLE_ACTIONS[spec.table].includes('dynamodb:PutItem')) {
        for (const pk of r.putKeys)
          if (!spec.putOnlyUnder.some((p) => pk.startsWith(p))) problems.push(`${r.route} put ${pk}`);
      }
    }
    expect(problems).toEqual([]);
    // And the grants are used: every context that may write did write somewhere in the matrix.
    const used = new Set(recorded.flatMap((r) => r.actions.map((a) => `${contextOf.get(r.route)} ${a}`)));
    for (const [context, spec] of Object.entries(CONTEXTS))
      if (spec.table === 'write') expect(used.has(`${context} dynamodb:PutItem`), `${context} writes`).toBe(true);
  });
});
