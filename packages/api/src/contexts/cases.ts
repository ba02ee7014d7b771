import { createRoute, z } from '@hono/zod-openapi';
import { CaseInputSchema, PreferencesSchema } from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { conflictResponses, errorResponses, json } from '../schemas.ts';
import { allocate, caseView, openCase, ownCase, setPreferences } from '../services/cases.ts';
import { tailoredListFor } from '../services/tailored.ts';

const CaseId = z.string().uuid({ error: 'must be a case id as returned by POST /cases' });
const CaseViewSchema = z.object({ id: z.string(), ref: z.string(), laCode: z.string(), needs: z.array(z.string()), band: z.string(), age: z.number(), homeDistrict: z.string(), postSixteen: z.boolean(), state: z.string(), daysWithoutPlace: z.number(), preferences: z.any().optional(), placement: z.any().optional() }).openapi('Case');
const IdempotencyKey = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'must be 1 to 128 letters, digits, - or _' });

const create = createRoute({
  method: 'post',
  path: '/cases',
  tags: ['cases'],
  summary: 'Open a pseudonymous case (la)',
  description: 'Names, dates of birth and other identifying fields are refused by name: the marketplace stores no child’s identity.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CaseInputSchema } } } },
  responses: { 201: json(CaseViewSchema, 'Opened'), ...errorResponses },
});
const read = createRoute({ method: 'get', path: '/cases/{id}', tags: ['cases'], summary: 'A case of your LA', security: [{ bearerAuth: [] }], request: { params: z.object({ id: CaseId }) }, responses: { 200: json(CaseViewSchema, 'The case'), ...errorResponses } });
const prefs = createRoute({
  method: 'put',
  path: '/cases/{id}/preferences',
  tags: ['cases'],
  summary: 'Record the ranked preferences',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: CaseId }), body: { required: true, content: { 'application/json': { schema: PreferencesSchema } } } },
  responses: { 200: json(CaseViewSchema, 'Recorded'), ...errorResponses, 409: conflictResponses[409] },
});
const alloc = createRoute({
  method: 'post',
  path: '/cases/{id}/allocate',
  tags: ['cases'],
  summary: 'Allocate the first available place in order of preference',
  description: 'Holds the place atomically (listing, placement, case and audit in one transaction). 409 no_available_place lists each preference and why it had no place. Send Idempotency-Key to make retries safe: a repeat returns the first result and changes nothing.',
  security: [{ bearerAuth: [] }],
  request: { params: z.object({ id: CaseId }), headers: z.object({ 'idempotency-key': IdempotencyKey.optional() }) },
  responses: { 201: json(z.object({ placement: z.any(), skipped: z.array(z.object({ urn: z.string(), rank: z.number(), reason: z.string() })), case: CaseViewSchema }).openapi('Allocation'), 'Allocated: the placement is consulting'), ...errorResponses, 409: conflictResponses[409] },
});
const tailored = createRoute({ method: 'get', path: '/cases/{id}/tailored-list', tags: ['cases'], summary: 'The case’s tailored list', security: [{ bearerAuth: [] }], request: { params: z.object({ id: CaseId }) }, responses: { 200: json(z.any(), 'The tailored list'), ...errorResponses } });

/** Cases and allocation, for the child's own LA only. */
export function casesApp(deps: Deps) {
  return contextApp(deps)
    .openapi(create, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      return c.json(await openCase(deps, principal, c.req.valid('json')), 201);
    })
    .openapi(read, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      return c.json(await caseView(deps, await ownCase(deps, principal, c.req.valid('param').id)), 200);
    })
    .openapi(prefs, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      return c.json(await setPreferences(deps, principal, c.req.valid('param').id, c.req.valid('json')), 200);
    })
    .openapi(alloc, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      const result = await allocate(deps, principal, c.req.valid('param').id, c.req.valid('header')['idempotency-key']);
      return c.json(result.body, 201);
    })
    .openapi(tailored, async (c) => {
      const principal = requireRole(c.get('principal'), ['la']);
      const kase = await ownCase(deps, principal, c.req.valid('param').id);
      return c.json(await tailoredListFor(deps, principal, { needs: kase.needs, age: kase.age, band: kase.band, from: kase.homeDistrict, scope: 'national', ...(kase.postSixteen ? { postSixteen: true } : {}) }), 200);
    });
}
