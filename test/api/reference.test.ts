import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedApiDocument } from '@placements/api';
import { allPages as pagesOf, seededApp, type SeededApp } from '../support/store.ts';

let t: SeededApp;
beforeAll(async () => {
  t = await seededApp();
});
afterAll(async () => {
  await t.store.drop();
});

describe('GET /las', () => {
  it('lists the 19 South East LAs, Kent and Medway among them', async () => {
    const res = await t.request('/las?limit=200');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(19);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items).toContainEqual(
      expect.objectContaining({ laCode: 'E10000016', dfeNumber: '886', name: 'Kent', regionName: 'South East' }),
    );
    expect(res.body.items).toContainEqual(
      expect.objectContaining({ laCode: 'E06000035', dfeNumber: '887', name: 'Medway' }),
    );
  });

  it('pages with the default limit and a cursor, each LA once', async () => {
    const { items, pages } = await pagesOf(t, '/las', 5);
    expect(pages).toBe(4);
    expect(new Set(items.map((l) => l.laCode)).size).toBe(19);
  });

  it('names every invalid parameter in one 400', async () => {
    const res = await t.request('/las?limit=0&cursor=%%%&region=x');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details.map((d: any) => d.field).sort()).toEqual(['limit', 'region']);
  });

  it('answers a damaged cursor with a 400 naming cursor', async () => {
    const res = await t.request('/las?cursor=bm90LWEtY3Vyc29y');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'cursor' })]);
  });

  it('refuses a cursor forged to read another partition of the table', async () => {
    const forged = Buffer.from(JSON.stringify({ pk: 'SETTING#900001', sk: '#SETTING' })).toString('base64url');
    const res = await t.request(`/las?cursor=${forged}`);
    expect(res.status).toBe(400);
  });

  it('returns one LA by GSS code, 404 for an unknown one and 400 for a malformed one', async () => {
    expect((await t.request('/las/E10000016')).body).toMatchObject({ name: 'Kent' });
    expect((await t.request('/las/E10000099')).status).toBe(404);
    const bad = await t.request('/las/kent');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('laCode');
  });
});

describe('GET /partnerships', () => {
  it('lists SE19 with its 19 members and remit', async () => {
    const res = await t.request('/partnerships');
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ id: 'se19', name: 'SE19 South East partnership' })]);
    const one = await t.request('/partnerships/se19');
    expect(one.body.members).toHaveLength(19);
    expect(one.body.members).toContain('E10000016');
    expect(one.body.remit.length).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown partnership and 400 for a malformed id', async () => {
    expect((await t.request('/partnerships/north-pole')).status).toBe(404);
    expect((await t.request('/partnerships/SE%2019')).status).toBe(400);
  });
});

describe('GET /bands', () => {
  it('returns the framework in force with its bands and tariffs', async () => {
    const res = await t.request('/bands');
    expect(res.status).toBe(200);
    expect(res.body.version).toBe('v1');
    expect(res.body.bands.map((b: any) => b.code)).toEqual(['M1', 'M2', 'A1', 'S1', 'S2', 'S3', 'S4', 'P1', 'P2']);
    expect(res.body.tariffs.find((x: any) => x.band === 'S2').annualPrice).toBe(2_200_000);
    expect(res.body.tariffs[0].variation).toEqual({ minPercent: -10, maxPercent: 15 });
  });

  it('shows the framework in force on a given date, and says when none was', async () => {
    expect((await t.request('/bands?on=2027-01-01')).body.version).toBe('v1');
    const before = await t.request('/bands?on=2020-01-01');
    expect(before.status).toBe(400);
    expect(before.body.error.details[0]).toMatchObject({ field: 'on' });
    expect((await t.request('/bands?on=tomorrow')).body.error.details[0].field).toBe('on');
  });
});

describe('GET /health and GET /openapi.json', () => {
  it('reports the store reachable', async () => {
    const res = await t.request('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', store: 'reachable' });
  });

  it('serves an OpenAPI 3.1 document describing every route and the error shape', async () => {
    const res = await t.request('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const path of [
      '/health',
      '/bands',
      '/las',
      '/las/{laCode}',
      '/partnerships',
      '/partnerships/{id}',
      '/settings',
      '/settings/{urn}',
      '/dev/token',
    ]) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    expect(res.body.components.schemas).toHaveProperty('Error');
    expect(res.body.components.schemas).toHaveProperty('Setting');
    expect(res.body.paths['/settings'].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['la', 'type', 'limit', 'cursor']),
    );
  });

  it('keeps packages/api/openapi.json, which the platform Lambda serves, equal to the document the routes describe', async () => {
    const committed = JSON.parse(readFileSync(new URL('../../packages/api/openapi.json', import.meta.url), 'utf8'));
    expect(committed, 'packages/api/openapi.json is out of date: run npm run openapi and commit it').toEqual(
      await deployedApiDocument(),
    );
    // Every reference resolves to a component.
    const refs = [...JSON.stringify(committed).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(refs.length).toBeGreaterThan(30);
    expect(refs.filter((r) => !(r in committed.components.schemas))).toEqual([]);
  });

  it('answers an unknown route with a 404 in the error shape', async () => {
    const res = await t.request('/nowhere');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});
