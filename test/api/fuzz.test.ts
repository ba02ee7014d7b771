import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { devTokenAuthenticator, MAX_BODY_BYTES } from '@placements/api';
import { seededApp, type SeededApp } from '../support/store.ts';
import {
  caseFor,
  fixedChecks,
  fuzz,
  operationsOf,
  problemWith,
  type FuzzIdentities,
  type Operation,
  type Samples,
  type Send,
} from '../reliability/fuzz.ts';

/**
 * Every route of GET /openapi.json fuzzed with fast-check (fixed seed): never a 5xx, always the
 * documented error shape; 413 over 1 MiB; 401 for malformed, expired and foreign tokens.
 * The reliability run (npm run reliability) does the same with thousands of cases over HTTP.
 */
const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let ops: Operation[];
let ids: FuzzIdentities;
let samples: Samples;
let send: Send;

beforeAll(async () => {
  t = await seededApp({ now: () => TODAY });
  const s = t.data.settings.find(
    (x) => x.type === 'special_maintained' && x.needs.includes('ASD') && x.ageMin <= 9 && x.ageMax >= 9,
  )!;
  const kent = await t.token({ sub: 'k', role: 'la', org: 'E10000016' });
  const provider = await t.token({ sub: 'p', role: 'provider', org: s.providerId });
  const json = (method: string, token: string, body: unknown) => ({
    method,
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await t.request(
    `/settings/${s.urn}/listings/fuzz`,
    json('PUT', provider, {
      band: 'S3',
      needs: ['ASD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: 3,
      filled: 0,
      availableFrom: '2026-09-01',
    }),
  );
  const caseIds: string[] = [];
  for (const ref of ['FUZZ-1', 'FUZZ-2']) {
    const id = (
      await t.request('/cases', json('POST', kent, { ref, needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' }))
    ).body.id;
    await t.request(`/cases/${id}/preferences`, json('PUT', kent, { holder: 'parent', ranked: [s.urn] }));
    caseIds.push(id);
  }
  const placement = (await t.request(`/cases/${caseIds[0]}/allocate`, { method: 'POST', token: kent })).body.placement
    .id;
  ids = {
    valid: [
      kent,
      provider,
      await t.token({ sub: 'o', role: 'la', org: 'E06000035' }),
      await t.token({ sub: 's', role: 'partnership', org: 'se19' }),
      await t.token({ sub: 'n', role: 'national', org: 'dfe' }),
      await t.token({ sub: 'tr', role: 'trust', org: s.trustId ?? 'TR1' }),
      await t.token({ sub: 'a', role: 'adjudicator', org: 'osa' }),
    ],
    expired: (
      await devTokenAuthenticator('test-secret-key-for-dev-tokens-000').mint(
        { sub: 'k', role: 'la', org: 'E10000016' },
        -60,
      )
    ).token,
    foreign: (
      await devTokenAuthenticator('another-key-entirely-0123456789abcdef').mint({
        sub: 'k',
        role: 'la',
        org: 'E10000016',
      })
    ).token,
  };
  samples = {
    urn: [s.urn],
    listingId: ['fuzz'],
    id: [...caseIds, placement, 'se19'],
    version: ['v1', 'v9'],
    laCode: ['E10000016'],
  };
  send = async (method, path, init) => {
    const res = await t.app.request(path, {
      method,
      headers: init.headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
  };
  ops = operationsOf(JSON.parse((await send('GET', '/openapi.json', { headers: {} })).text));
});
afterAll(async () => {
  await t.store.drop();
});

describe('fuzzing every route', () => {
  it('finds every route of the OpenAPI document', () => {
    expect(ops.length).toBeGreaterThanOrEqual(30);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toContain('POST /cases/{id}/allocate');
  });

  it('answers 400 cases per route family without a 5xx, always in the documented error shape', async () => {
    const run = await fuzz(send, ops, ids, samples, 400, 20261122);
    expect(run.failures.slice(0, 3)).toEqual([]);
    expect(run.cases).toBe(400);
    // The cases reach past validation too, not only 400s.
    expect(Object.keys(run.byStatus).length).toBeGreaterThan(4);
  }, 120_000);

  it('shrinks to a minimal failing request if there is one (fast-check property, allocate and listing PUT)', async () => {
    const routes = ops.filter((o) =>
      ['POST /cases/{id}/allocate', 'PUT /settings/{urn}/listings/{listingId}', 'POST /cases'].includes(
        `${o.method} ${o.path}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(...routes.map((o) => caseFor(o, ids, samples))), async (c) => {
        const res = await send(c.method, c.path, {
          headers: c.headers,
          ...(c.body !== undefined ? { body: c.body } : {}),
        });
        expect(problemWith(res)).toBeUndefined();
      }),
      { numRuns: 100, seed: 19 },
    );
  }, 120_000);

  it('answers 413 over 1 MiB and 401 for malformed, expired and foreign tokens on every route', async () => {
    const checks = await fixedChecks(send, ops, ids, samples, MAX_BODY_BYTES);
    expect(checks.failures).toEqual([]);
    expect(checks.checked).toBeGreaterThan(ops.length * 4);
  }, 120_000);
});
