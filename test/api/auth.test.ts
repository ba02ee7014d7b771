import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import {
  apiGatewayAuthenticator,
  cognitoTokenCustomisation,
  devTokenAuthenticator,
  parseGroups,
  principalFromClaims,
  DEV_AUDIENCE,
  DEV_ISSUER,
  ROLES,
} from '@placements/api';
import { seededApp, type SeededApp } from '../support/store.ts';

let t: SeededApp;
beforeAll(async () => {
  t = await seededApp();
});
afterAll(async () => {
  await t.store.drop();
});

const post = (body: unknown) =>
  t.request('/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('POST /dev/token', () => {
  it('mints a token whose principal the API then recognises', async () => {
    const res = await post({ role: 'la', org: 'E10000016' });
    expect(res.status).toBe(200);
    expect(res.body.principal).toEqual({ sub: 'la:E10000016', role: 'la', org: 'E10000016' });
    const auth = devTokenAuthenticator('test-secret-key-for-dev-tokens-000');
    expect(await auth.authenticate({ authorization: `Bearer ${res.body.token}`, env: undefined })).toEqual(
      res.body.principal,
    );
    expect((await t.request('/bands', { token: res.body.token })).status).toBe(200);
  });

  it('names every invalid field, and refuses tenants that do not exist', async () => {
    const bad = await post({ role: 'headteacher', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['extra', 'org', 'role']);
    const unknownLa = await post({ role: 'la', org: 'E10000099' });
    expect(unknownLa.status).toBe(400);
    expect(unknownLa.body.error.details[0].field).toBe('org');
    expect((await post({ role: 'partnership', org: 'atlantis' })).status).toBe(400);
  });

  it('answers malformed JSON with a 400 naming the body', async () => {
    const res = await t.request('/dev/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"role":',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('body');
  });

  it('answers a body in a media type the route does not take with 415, naming the one it does', async () => {
    const res = await t.request('/dev/token', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'role=la',
    });
    expect(res.status).toBe(415);
    expect(res.body.error.message).toMatch(/application\/json/);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await t.request('/dev/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'la', org: 'x'.repeat(1_100_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

describe('bearer tokens', () => {
  const sign = (secret: string, claims: Record<string, unknown>, exp: number | string = '1h') =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('someone')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));

  it('answers 401 with WWW-Authenticate for a malformed, foreign-signed or expired token', async () => {
    const foreign = await sign('another-key-entirely-000000000000', { role: 'la', org: 'E10000016' });
    const expired = await sign(
      'test-secret-key-for-dev-tokens-000',
      { role: 'la', org: 'E10000016' },
      Math.floor(Date.now() / 1000) - 60,
    );
    for (const token of ['not.a.jwt', foreign, expired]) {
      const res = await t.request('/las', { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body.error.code).toBe('unauthenticated');
    }
    const res = await t.request('/las', { token: expired });
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('answers 401 for a token without a role or organisation', async () => {
    const noRole = await sign('test-secret-key-for-dev-tokens-000', { org: 'E10000016' });
    expect((await t.request('/las', { token: noRole })).status).toBe(401);
    const badScheme = await t.request('/las', { headers: { authorization: 'Basic abc' } });
    expect(badScheme.status).toBe(401);
  });
});

describe('claims from API Gateway', () => {
  it('reads cognito:groups in every shape API Gateway sends it', () => {
    // HTTP API JWT authorizer: arrays are flattened to "[a b]".
    expect(parseGroups('[la]')).toEqual(['la']);
    expect(parseGroups('[la provider]')).toEqual(['la', 'provider']);
    expect(parseGroups('[]')).toEqual([]);
    // REST API Cognito authorizer and some proxies: "[a, b]" or "a,b".
    expect(parseGroups('[la, provider]')).toEqual(['la', 'provider']);
    expect(parseGroups('la,provider')).toEqual(['la', 'provider']);
    expect(parseGroups(' la  provider ')).toEqual(['la', 'provider']);
    expect(parseGroups('la')).toEqual(['la']);
    // JSON, as a string or as the decoded token's real array.
    expect(parseGroups('["la","provider"]')).toEqual(['la', 'provider']);
    expect(parseGroups(['la'])).toEqual(['la']);
    expect(parseGroups(undefined)).toEqual([]);
    expect(parseGroups(42)).toEqual([]);
  });

  it('builds the principal from sub, the group that is a role and the org claim', () => {
    expect(principalFromClaims({ sub: 'u1', 'cognito:groups': '[staff la]', 'custom:org': 'E10000016' })).toEqual({
      sub: 'u1',
      role: 'la',
      org: 'E10000016',
    });
    // The access token's org claim, added by the pre token generation trigger.
    expect(
      principalFromClaims({
        sub: 'u2',
        'cognito:groups': '[provider]',
        org: 'PRV000123',
        scope: 'placements/provider',
      }),
    ).toEqual({ sub: 'u2', role: 'provider', org: 'PRV000123' });
    expect(() => principalFromClaims({ sub: 'u1', 'cognito:groups': '[staff]', 'custom:org': 'E10000016' })).toThrow(
      /role/,
    );
    expect(() => principalFromClaims({ sub: 'u1', role: 'la' })).toThrow(/organisation/);
  });

  it('refuses a token with two roles rather than pick one', () => {
    for (const groups of ['[la provider]', '["trust","adjudicator"]', 'la,national']) {
      expect(() => principalFromClaims({ sub: 'u1', 'cognito:groups': groups, org: 'E10000016' })).toThrow(
        /more than one role/,
      );
    }
    // The same role twice is one role.
    expect(principalFromClaims({ sub: 'u1', 'cognito:groups': '[la la]', org: 'E10000016' }).role).toBe('la');
  });

  it('reads only claims API Gateway verified: no authorizer context is anonymous, never a header', async () => {
    const auth = apiGatewayAuthenticator();
    const forged = 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6Im5hdGlvbmFsIiwib3JnIjoiZGZlIn0.';
    expect(await auth.authenticate({ authorization: forged, env: { event: { requestContext: {} } } })).toBeUndefined();
    const env = {
      event: {
        requestContext: {
          authorizer: {
            jwt: {
              claims: {
                sub: 'u1',
                'cognito:groups': '[la]',
                org: 'E10000016',
                token_use: 'access',
                scope: 'placements/la',
              },
              scopes: ['placements/la'],
            },
          },
        },
      },
    };
    expect(await auth.authenticate({ authorization: forged, env })).toEqual({
      sub: 'u1',
      role: 'la',
      org: 'E10000016',
    });
  });
});

describe('API Gateway claims: access tokens of the expected clients, with the role’s scope', () => {
  const event = (claims: Record<string, unknown>) => ({
    event: { requestContext: { authorizer: { jwt: { claims } } } },
  });
  const access = {
    sub: 'u1',
    'cognito:groups': '[la]',
    org: 'E10000016',
    token_use: 'access',
    scope: 'placements/la',
    client_id: 'web',
  };
  it('refuses an ID token, another app client’s token and a token without its role’s scope', async () => {
    const auth = apiGatewayAuthenticator({ clientIds: ['web'] });
    expect(await auth.authenticate({ authorization: undefined, env: event(access) })).toEqual({
      sub: 'u1',
      role: 'la',
      org: 'E10000016',
    });
    await expect(
      auth.authenticate({ authorization: undefined, env: event({ ...access, token_use: 'id' }) }),
    ).rejects.toThrow(/access token/);
    await expect(
      auth.authenticate({ authorization: undefined, env: event({ ...access, client_id: 'other' }) }),
    ).rejects.toThrow(/app client/);
    await expect(
      auth.authenticate({ authorization: undefined, env: event({ ...access, scope: 'placements/national' }) }),
    ).rejects.toThrow(/scope/);
  });
});

describe('the Cognito pre token generation trigger', () => {
  it('puts the org in both tokens and exactly the role scope in the access token', () => {
    const out = cognitoTokenCustomisation({
      userAttributes: { sub: 'u1', email: 'a@kent.gov.uk', 'custom:org': 'E10000016' },
      groups: ['la'],
      resourceServer: 'placements',
    });
    expect(out.idTokenGeneration.claimsToAddOrOverride).toEqual({ org: 'E10000016' });
    expect(out.accessTokenGeneration.claimsToAddOrOverride).toEqual({ org: 'E10000016' });
    expect(out.accessTokenGeneration.scopesToAdd).toEqual(['placements/la']);
    // Whatever the client asked for, no other role's scope survives.
    expect(out.accessTokenGeneration.scopesToSuppress.sort()).toEqual(
      ROLES.filter((r) => r !== 'la')
        .map((r) => `placements/${r}`)
        .sort(),
    );
  });

  it('issues no token to a user without exactly one role, or without an org', () => {
    const attrs = { 'custom:org': 'E10000016' };
    expect(() =>
      cognitoTokenCustomisation({ userAttributes: attrs, groups: [], resourceServer: 'placements' }),
    ).toThrow(/no role/);
    expect(() =>
      cognitoTokenCustomisation({ userAttributes: attrs, groups: ['la', 'national'], resourceServer: 'placements' }),
    ).toThrow(/more than one role/);
    expect(() =>
      cognitoTokenCustomisation({ userAttributes: {}, groups: ['la'], resourceServer: 'placements' }),
    ).toThrow(/custom:org/);
    expect(() =>
      cognitoTokenCustomisation({
        userAttributes: { 'custom:org': '  ' },
        groups: ['la'],
        resourceServer: 'placements',
      }),
    ).toThrow(/custom:org/);
  });
});
