import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { devTokenAuthenticator, parseGroups, principalFromClaims, DEV_AUDIENCE, DEV_ISSUER } from '@placements/api';
import { seededApp, type SeededApp } from '../support/store.ts';

let t: SeededApp;
beforeAll(async () => {
  t = await seededApp();
});
afterAll(async () => {
  await t.store.drop();
});

const post = (body: unknown) => t.request('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /dev/token', () => {
  it('mints a token whose principal the API then recognises', async () => {
    const res = await post({ role: 'la', org: 'E10000016' });
    expect(res.status).toBe(200);
    expect(res.body.principal).toEqual({ sub: 'la:E10000016', role: 'la', org: 'E10000016' });
    const auth = devTokenAuthenticator('test-secret-key-for-dev-tokens-000');
    expect(await auth.authenticate({ authorization: `Bearer ${res.body.token}`, env: undefined })).toEqual(res.body.principal);
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
    const res = await t.request('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"role":' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('body');
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await t.request('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'la', org: 'x'.repeat(1_100_000) }) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

describe('bearer tokens', () => {
  const sign = (secret: string, claims: Record<string, unknown>, exp: number | string = '1h') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('someone').setIssuer(DEV_ISSUER).setAudience(DEV_AUDIENCE).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));

  it('answers 401 with WWW-Authenticate for a malformed, foreign-signed or expired token', async () => {
    const foreign = await sign('another-key-entirely-000000000000', { role: 'la', org: 'E10000016' });
    const expired = await sign('test-secret-key-for-dev-tokens-000', { role: 'la', org: 'E10000016' }, Math.floor(Date.now() / 1000) - 60);
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
    expect(parseGroups('[la]')).toEqual(['la']);
    expect(parseGroups('[la provider]')).toEqual(['la', 'provider']);
    expect(parseGroups('["la","provider"]')).toEqual(['la', 'provider']);
    expect(parseGroups(['la'])).toEqual(['la']);
    expect(parseGroups('la,provider')).toEqual(['la', 'provider']);
    expect(parseGroups(undefined)).toEqual([]);
  });

  it('builds the principal from sub, the group that is a role and custom:org', () => {
    expect(principalFromClaims({ sub: 'u1', 'cognito:groups': '[staff la]', 'custom:org': 'E10000016' })).toEqual({ sub: 'u1', role: 'la', org: 'E10000016' });
    expect(() => principalFromClaims({ sub: 'u1', 'cognito:groups': '[staff]', 'custom:org': 'E10000016' })).toThrow(/role/);
    expect(() => principalFromClaims({ sub: 'u1', role: 'la' })).toThrow(/organisation/);
  });
});
