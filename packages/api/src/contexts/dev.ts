import * as z from 'zod/mini';
import { createRoute, lazySchema } from '../openapi.ts';
import { ValidationError, type FieldProblem } from '@placements/domain';
import { ROLES, type Principal } from '../auth.ts';
import { contextApp, type Deps } from '../http.ts';
import { errorResponses, json } from '../schemas.ts';

export interface TokenMinter {
  mint(p: Principal, ttlSeconds?: number): Promise<{ token: string; expiresAt: string }>;
}

const DevTokenRequest = z
  .strictObject({
    role: z.enum(ROLES, { error: `must be one of: ${ROLES.join(', ')}` }),
    org: z
      .string({
        error:
          'is required: the GSS code for an LA, the partnership id, or the provider, trust or national organisation id',
      })
      .check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(64)),
    sub: z
      .optional(z.string().check(z.minLength(1), z.maxLength(128)))
      .check(z.meta({ description: 'Subject; defaults to a name made from role and org.' })),
    ttlSeconds: z.optional(z.number().check(z.int(), z.minimum(60), z.maximum(7 * 24 * 3600))),
  })
  .check(z.meta({ id: 'DevTokenRequest' }));

const DevTokenResponse = lazySchema(() =>
  z
    .object({
      token: z.string(),
      expiresAt: z.string(),
      principal: z.object({ sub: z.string(), role: z.enum(ROLES), org: z.string() }),
    })
    .check(z.meta({ id: 'DevTokenResponse' })),
);

const mintToken = createRoute({
  method: 'post',
  path: '/dev/token',
  tags: ['local development'],
  summary: 'Mint a token signed with the local key (local mode only; absent in deployed builds)',
  request: { body: { required: true, content: { 'application/json': { schema: DevTokenRequest } } } },
  responses: { 200: json(DevTokenResponse, 'A token'), ...errorResponses },
});

/** POST /dev/token: mounted only by the local server, never by a Lambda. */
export function devApp(deps: Deps, minter: TokenMinter) {
  return contextApp(deps).openapi(mintToken, async (c) => {
    const body = c.req.valid('json');
    // Refuse tokens for tenants that do not exist, so a typo fails here and not later as a 403.
    const problems: FieldProblem[] = [];
    if (body.role === 'la' && (await deps.store.reference.getLa(body.org)) === undefined) {
      problems.push({ field: 'org', message: `no local authority has the GSS code ${body.org}; GET /las lists them` });
    }
    if (body.role === 'partnership' && (await deps.store.reference.getPartnership(body.org)) === undefined) {
      problems.push({ field: 'org', message: `no partnership has the id ${body.org}; GET /partnerships lists them` });
    }
    if (problems.length > 0) throw new ValidationError(problems);
    const principal: Principal = { sub: body.sub ?? `${body.role}:${body.org}`, role: body.role, org: body.org };
    const minted = await minter.mint(principal, body.ttlSeconds);
    return c.json({ ...minted, principal }, 200);
  });
}
