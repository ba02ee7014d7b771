import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ApiApp, createRoute, type ValidationFailure } from './openapi.ts';

// How every route's request is checked (ApiApp): each part against its schema, every failure
// answered together, and a route's own body rules beside them. The routes' own tests (listings,
// search) show it through the API; this pins the mechanism down on its own.

const route = createRoute({
  method: 'put',
  path: '/things/{id}',
  request: {
    params: z.object({ id: z.string().check(z.regex(/^[a-z]+$/)) }),
    query: z.object({ mode: z.optional(z.enum(['fast', 'slow'])) }),
    headers: z.object({ 'X-Trace-Id': z.string().check(z.minLength(4)) }),
    body: {
      required: true,
      content: { 'application/json': { schema: z.strictObject({ size: z.number(), colour: z.string() }) } },
    },
  },
  responses: { 200: { description: 'ok' } },
});

const app = (bodyRules = false) => {
  const a = new ApiApp((failures: readonly ValidationFailure[], c, rules) =>
    c.json(
      {
        fields: [
          ...failures.flatMap((f) => f.issues.map((i) => `${f.target}:${i.path.join('.')}`)),
          ...rules.map((r) => `rule:${r.field}`),
        ],
      },
      400,
    ),
  );
  return a.openapi(
    route,
    (c) => c.json({ ok: true, trace: c.req.valid('header')['X-Trace-Id'] }, 200),
    bodyRules
      ? {
          bodyRules: async (_c, body, invalid) =>
            !invalid.has('colour') && body.colour === 'plaid' ? [{ field: 'colour', message: 'is not sold' }] : [],
        }
      : {},
  );
};
const send = (a: ApiApp<never>, path: string, headers: Record<string, string>, body: unknown) =>
  a.request(path, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
/** The fields one 400 names, for a request with a good trace header to the app with body rules. */
const fieldsNamed = async (path: string, body: unknown) => {
  const res = await send(app(true) as never, path, { 'x-trace-id': 'trace-1' }, body);
  expect(res.status).toBe(400);
  return ((await res.json()) as { fields: string[] }).fields.sort();
};

describe('request validation', () => {
  it('answers a valid request, finding a header whose schema name has capitals', async () => {
    const res = await send(
      app() as never,
      '/things/abc?mode=fast',
      { 'x-trace-id': 'trace-1' },
      { size: 1, colour: 'red' },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, trace: 'trace-1' });
  });

  it('names the path, query, header and body problems in one 400', async () => {
    const res = await send(
      app() as never,
      '/things/ABC?mode=warp',
      { 'x-trace-id': 'x' },
      { size: 'big', colour: 'red' },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { fields: string[] }).fields.sort()).toEqual([
      'header:X-Trace-Id',
      'json:size',
      'param:id',
      'query:mode',
    ]);
  });

  it('adds the body rules on the fields the schema accepted, only when the body alone failed', async () => {
    expect(await fieldsNamed('/things/abc', { size: 'big', colour: 'plaid' })).toEqual(['json:size', 'rule:colour']);
    // The schema refused the colour: its rule is not run on it.
    expect(await fieldsNamed('/things/abc', { size: 'big', colour: 7 })).toEqual(['json:colour', 'json:size']);
    // The path failed too: the body rules (which may read the path) are not run.
    expect(await fieldsNamed('/things/ABC', { size: 'big', colour: 'plaid' })).toEqual(['json:size', 'param:id']);
  });
});
