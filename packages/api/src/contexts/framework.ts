import { londonDate } from '@placements/domain';
import * as z from 'zod/mini';
import { createRoute } from '../openapi.ts';
import {
  buildFramework,
  frameworkInForce,
  frameworkProblems,
  NotFoundError,
  ValidationError,
} from '@placements/domain';
import { requireRole } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { conflictResponses, errorResponses, LaCode, json, pageOf, PageQuery } from '../schemas.ts';
import { FrameworkInput, FrameworkSchema, LocalAuthoritySchema } from '../schemas-framework.ts';

const IsoDate = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD' }));

const getBands = createRoute({
  method: 'get',
  path: '/bands',
  tags: ['framework'],
  summary: 'The national framework in force: bands and tariffs',
  request: {
    query: z.strictObject({
      on: z
        .optional(IsoDate)
        .check(z.meta({ description: 'Show the framework in force on this date instead of today.' })),
    }),
  },
  responses: { 200: json(FrameworkSchema, 'The framework in force'), ...errorResponses },
});

const FrameworkVersion = z
  .string()
  .check(z.regex(/^v\d{1,4}$/, { error: 'must be v followed by a number, such as v2' }), z.meta({ example: 'v2' }));

const getBandsVersion = createRoute({
  method: 'get',
  path: '/bands/{version}',
  tags: ['framework'],
  summary: 'One published framework version, whether or not it is in force',
  request: { params: z.object({ version: FrameworkVersion }) },
  responses: { 200: json(FrameworkSchema, 'The framework version'), ...errorResponses },
});

const publishBands = createRoute({
  method: 'put',
  path: '/bands/{version}',
  tags: ['framework'],
  summary: 'Publish a new framework version with its effective date (national)',
  description:
    'Versions are immutable: publishing an existing version is a 409. Tariff prices are derived from their elements. Listings priced from their effective date on follow the framework then in force.',
  security: [{ bearerAuth: [] }],
  request: {
    params: z.object({ version: FrameworkVersion }),
    body: { required: true, content: { 'application/json': { schema: FrameworkInput } } },
  },
  responses: { 201: json(FrameworkSchema, 'Published'), ...errorResponses, 409: conflictResponses[409] },
});

const listLas = createRoute({
  method: 'get',
  path: '/las',
  tags: ['reference'],
  summary: 'Local authorities, in GSS code order',
  request: { query: z.strictObject({ ...PageQuery }) },
  responses: { 200: json(pageOf(LocalAuthoritySchema, 'LocalAuthorityPage'), 'A page of LAs'), ...errorResponses },
});

const getLa = createRoute({
  method: 'get',
  path: '/las/{laCode}',
  tags: ['reference'],
  summary: 'One local authority',
  request: { params: z.object({ laCode: LaCode }) },
  responses: { 200: json(LocalAuthoritySchema, 'The LA'), ...errorResponses },
});

/** The national framework and national reference data (LAs). */
export function frameworkApp(deps: Deps) {
  const now = deps.now ?? (() => new Date());
  return contextApp(deps)
    .openapi(getBands, async (c) => {
      const { on } = c.req.valid('query');
      const date = on ?? londonDate(now());
      const inForce = frameworkInForce(await deps.store.reference.listFrameworks(), date);
      if (inForce === undefined) {
        throw new ValidationError([
          { field: 'on', message: `no framework was in force on ${date}; the first took effect later` },
        ]);
      }
      return c.json(inForce, 200);
    })
    .openapi(getBandsVersion, async (c) => {
      const { version } = c.req.valid('param');
      const found = (await deps.store.reference.listFrameworks()).find((f) => f.version === version);
      if (found === undefined) throw new NotFoundError(`No framework version ${version} has been published.`);
      return c.json(found, 200);
    })
    .openapi(publishBands, async (c) => {
      requireRole(c.get('principal'), ['national']);
      const { version } = c.req.valid('param');
      const input = c.req.valid('json');
      const problems = frameworkProblems(
        version,
        input,
        await deps.store.reference.listFrameworks(),
        londonDate(now()),
      );
      if (problems.length > 0) throw new ValidationError(problems);
      const framework = buildFramework(version, input, now());
      await deps.store.reference.putFramework(framework);
      return c.json(framework, 201);
    })
    .openapi(listLas, async (c) => {
      const { limit, cursor } = c.req.valid('query');
      return c.json(await deps.store.reference.listLas(limit, cursor), 200);
    })
    .openapi(getLa, async (c) => {
      const { laCode } = c.req.valid('param');
      const la = await deps.store.reference.getLa(laCode);
      if (la === undefined) throw new NotFoundError(`No local authority has the GSS code ${laCode}.`);
      return c.json(la, 200);
    });
}
