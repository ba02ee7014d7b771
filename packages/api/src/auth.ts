import { SignJWT, jwtVerify } from 'jose';
import { ForbiddenError, isRole, ROLES, type Role } from '@placements/domain';

export { ROLES, type Role };

/** Who is calling, from a verified token: the only source of role and tenant (org). */
export interface Principal {
  sub: string;
  role: Role;
  /** GSS code for an LA, partnership id, provider organisation id or trust id. */
  org: string;
}

/** A token was sent but cannot be trusted: always a 401, never a guess. */
export class UnauthenticatedError extends Error {
  readonly code = 'unauthenticated';
}

/** Turns the request's credentials into a principal, or undefined when none were sent. */
export interface Authenticator {
  authenticate(input: { authorization: string | undefined; env: unknown }): Promise<Principal | undefined>;
}

/**
 * Parses a group claim in every shape it arrives in: a JSON array, an array, API Gateway HTTP
 * API's flattened "[a b]" string, or a comma- or space-separated string.
 */
export function parseGroups(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  if (typeof value !== 'string') return [];
  const text = value.trim();
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String).filter(Boolean);
    } catch {
      // "[a b]" is not JSON: fall through to splitting.
    }
    return text
      .slice(1, -1)
      .split(/[\s,]+/)
      .filter(Boolean);
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

/**
 * The one role among a user's groups. Other groups (such as "staff") are ignored; two roles are
 * refused, because a principal with two roles would be authorised as whichever came first.
 */
export function roleFromGroups(groups: readonly string[]): Role {
  const roles = [...new Set(groups.filter(isRole))];
  if (roles.length === 0)
    throw new UnauthenticatedError(`The token carries no role; expected one of ${ROLES.join(', ')}.`);
  if (roles.length > 1)
    throw new UnauthenticatedError(
      `The token carries more than one role (${roles.join(', ')}); each user holds exactly one.`,
    );
  return roles[0]!;
}

/**
 * Claims to a principal, or an UnauthenticatedError naming what is missing. Dev tokens carry
 * `role` and `org`; Cognito access tokens carry the role as a group in `cognito:groups` and the
 * org as `org` (added by the pre token generation trigger; `custom:org` in ID tokens).
 */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const sub = claims.sub;
  const role = claims.role ?? roleFromGroups(parseGroups(claims['cognito:groups']));
  const org = claims.org ?? claims['custom:org'];
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('The token has no subject (sub).');
  if (!isRole(role)) throw new UnauthenticatedError(`The token carries no role; expected one of ${ROLES.join(', ')}.`);
  if (typeof org !== 'string' || org === '') throw new UnauthenticatedError('The token carries no organisation (org).');
  return { sub, role, org };
}

/** The OAuth scope that stands for a role at API Gateway: `<resource server>/<role>`. */
export const roleScope = (resourceServer: string, role: Role) => `${resourceServer}/${role}`;

/** What the Cognito pre token generation trigger (V2) answers for one user. */
export interface CognitoTokenCustomisation {
  idTokenGeneration: { claimsToAddOrOverride: Record<string, string> };
  accessTokenGeneration: {
    claimsToAddOrOverride: Record<string, string>;
    scopesToAdd: string[];
    scopesToSuppress: string[];
  };
}

/**
 * Shapes a Cognito user's tokens: the org (from the admin-set `custom:org` attribute) becomes an
 * `org` claim in both tokens, and the access token gets exactly the scope of the user's one role
 * and none of the others, whatever the client asked for. API Gateway requires these scopes per
 * route; a user with no role, two roles or no org gets no token at all.
 */
export function cognitoTokenCustomisation(input: {
  userAttributes: Record<string, string | undefined>;
  groups: readonly string[];
  resourceServer: string;
}): CognitoTokenCustomisation {
  const role = roleFromGroups(input.groups);
  const org = input.userAttributes['custom:org']?.trim();
  if (!org)
    throw new UnauthenticatedError(
      'The user has no organisation (custom:org); an administrator must set it before they can sign in.',
    );
  return {
    idTokenGeneration: { claimsToAddOrOverride: { org } },
    accessTokenGeneration: {
      claimsToAddOrOverride: { org },
      scopesToAdd: [roleScope(input.resourceServer, role)],
      scopesToSuppress: ROLES.filter((r) => r !== role).map((r) => roleScope(input.resourceServer, r)),
    },
  };
}

function bearer(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (match === null) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
  return match[1];
}

export const DEV_ISSUER = 'placements-local';
export const DEV_AUDIENCE = 'placements-api';

/** Local mode: tokens minted by POST /dev/token, signed with the local key (HS256). */
export function devTokenAuthenticator(
  secret: string,
): Authenticator & { mint(p: Principal, ttlSeconds?: number): Promise<{ token: string; expiresAt: string }> } {
  const key = new TextEncoder().encode(secret);
  return {
    async authenticate({ authorization }) {
      const token = bearer(authorization);
      if (token === undefined) return undefined;
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: DEV_ISSUER,
          audience: DEV_AUDIENCE,
          algorithms: ['HS256'],
        });
        return principalFromClaims(payload as Record<string, unknown>);
      } catch (error) {
        if (error instanceof UnauthenticatedError) throw error;
        const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
        throw new UnauthenticatedError(
          expired
            ? 'The token has expired; ask for a new one.'
            : 'The token is malformed or not signed by this server.',
        );
      }
    },
    async mint(p, ttlSeconds = 12 * 3600) {
      const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
      const token = await new SignJWT({ role: p.role, org: p.org })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(p.sub)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(exp)
        .sign(key);
      return { token, expiresAt: new Date(exp * 1000).toISOString() };
    },
  };
}

/**
 * AWS mode: API Gateway's JWT authorizer has already verified the Cognito token; its claims
 * arrive on the Lambda event. A request with no verified claims is anonymous. Defence in depth
 * beside the authorizer: only an access token (`token_use`), from one of the expected app clients
 * when they are configured, carrying its role's scope, is accepted; an ID token is not.
 */
export function apiGatewayAuthenticator(
  options: { resourceServer?: string; clientIds?: readonly string[] } = {},
): Authenticator {
  const resourceServer = options.resourceServer ?? 'placements';
  return {
    async authenticate({ env }) {
      const claims = (
        env as
          | { event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } } }
          | undefined
      )?.event?.requestContext?.authorizer?.jwt?.claims;
      if (claims === undefined) return undefined;
      if (claims.token_use !== 'access') {
        throw new UnauthenticatedError('Send the Cognito access token (token_use "access"), not the ID token.');
      }
      if (options.clientIds && options.clientIds.length > 0 && !options.clientIds.includes(String(claims.client_id))) {
        throw new UnauthenticatedError('The token was issued to an app client this API does not accept.');
      }
      const principal = principalFromClaims(claims);
      if (!parseGroups(claims.scope).includes(roleScope(resourceServer, principal.role))) {
        throw new UnauthenticatedError(
          `The token lacks the scope of its role (${roleScope(resourceServer, principal.role)}).`,
        );
      }
      return principal;
    },
  };
}

/** The principal must hold one of `roles`; otherwise 401 (no token) or 403 (wrong role). */
export function requireRole(principal: Principal | undefined, roles: readonly Role[]): Principal {
  if (principal === undefined)
    throw new UnauthenticatedError('This route needs a token: send Authorization: Bearer <token>.');
  if (!roles.includes(principal.role))
    throw new ForbiddenError(`This needs the role ${roles.join(' or ')}; your token has the role ${principal.role}.`);
  return principal;
}
