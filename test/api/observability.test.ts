import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SettingWithListings } from '@placements/domain';
import { logger } from '@placements/store';
import { seededApp, type SeededApp } from '../support/store.ts';

/**
 * What an on-call engineer reads: Powertools' JSON log lines and EMF metric lines on stdout.
 * The test turns both on (the suite keeps them quiet) and reads what the API writes.
 */
const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let setting: SettingWithListings;
let kent: string;
let provider: string;

beforeAll(async () => {
  t = await seededApp({ now: () => TODAY });
  kent = await t.token({ sub: 'officer-kent', role: 'la', org: 'E10000016' });
  setting = t.data.settings.find(
    (s) => s.type === 'special_maintained' && s.needs.includes('ASD') && s.ageMin <= 8 && s.ageMax >= 8,
  )!;
  provider = await t.token({ sub: 'head', role: 'provider', org: setting.providerId });
  logger.setLogLevel('INFO');
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});
afterAll(async () => {
  logger.setLogLevel('SILENT');
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  await t.store.drop();
});
afterEach(() => vi.restoreAllMocks());

/** Runs fn and returns the JSON lines written to stdout and stderr meanwhile (Powertools writes errors to stderr). */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T; lines: Record<string, any>[]; raw: string }> {
  const chunks: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (!text.startsWith('{')) return write(chunk, ...rest);
      chunks.push(text);
      return true;
    }) as typeof stream.write);
  }
  const result = await fn();
  vi.restoreAllMocks();
  const raw = chunks.join('');
  const lines = raw
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
  return { result, lines, raw };
}

async function caseRankedOn(ref: string) {
  const created = await t.post('/cases', kent, { ref, needs: ['ASD'], band: 'S3', age: 8, homeDistrict: 'ME14' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const prefs = await t.put(`/cases/${created.body.id}/preferences`, kent, { holder: 'parent', ranked: [setting.urn] });
  expect(prefs.status, JSON.stringify(prefs.body)).toBe(200);
  return created.body.id as string;
}

const emf = (ls: Record<string, any>[], name: string) =>
  ls.filter((l) => l._aws?.CloudWatchMetrics?.[0]?.Metrics?.some((m: any) => m.Name === name));

describe('request logs and business metrics', () => {
  it('logs an allocation with its request id, route, context, role and organisation, and counts the place', async () => {
    const put = await t.put(`/settings/${setting.urn}/listings/obs`, provider, {
      band: 'S3',
      needs: ['ASD'],
      ageMin: setting.ageMin,
      ageMax: setting.ageMax,
      attendance: 'day',
      commissioned: 1,
      filled: 0,
      availableFrom: '2026-09-01',
    });
    expect(put.status, JSON.stringify(put.body)).toBe(201);
    const first = await caseRankedOn('OBS-1');
    const { result: res, lines: out, raw } = await captured(() => t.post(`/cases/${first}/allocate`, kent));
    expect(res.status, JSON.stringify(res.body)).toBe(201);

    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const request = out.find((l) => l.message === 'request');
    expect(request).toMatchObject({
      level: 'INFO',
      service: 'placements',
      request_id: id,
      context: 'cases',
      route: '/cases/{id}/allocate',
      role: 'la',
      org: 'E10000016',
      method: 'POST',
      status: 201,
    });
    // Never the token or the case's reference (free text from the LA).
    expect(raw).not.toContain(kent);
    expect(raw).not.toContain('OBS-1');
    const placed = emf(out, 'AllocationsPlaced');
    expect(placed).toHaveLength(1);
    expect(placed[0]).toMatchObject({ AllocationsPlaced: 1, service: 'placements' });
    expect(placed[0]!._aws.CloudWatchMetrics[0].Namespace).toBe('Placements');
  });

  it('counts a 409 by its reason', async () => {
    const second = await caseRankedOn('OBS-2');
    const { result: res, lines: out } = await captured(() => t.post(`/cases/${second}/allocate`, kent));
    expect(res.status).toBe(409);
    const conflicts = emf(out, 'Conflicts');
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ Conflicts: 1, reason: res.body.error.code });
    expect(conflicts[0]!._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['reason']));
    expect(out.find((l) => l.message === 'request')).toMatchObject({
      status: 409,
      request_id: res.headers.get('x-request-id'),
    });
  });

  it('logs a 500 with its stack under the request id the user was given', async () => {
    const c = await caseRankedOn('OBS-3');
    vi.spyOn(t.store.cases, 'getCase').mockRejectedValueOnce(new Error('disk on fire'));
    const { result: res, lines: out } = await captured(() => t.request(`/cases/${c}`, { token: kent }));
    expect(res.status).toBe(500);
    expect(res.body.error.message).not.toContain('disk on fire');
    const id = res.headers.get('x-request-id');
    const error = out.find((l) => l.level === 'ERROR');
    expect(error).toMatchObject({ message: 'unhandled error', request_id: id, route: '/cases/{id}', org: 'E10000016' });
    expect(error?.error.message).toBe('disk on fire');
    expect(error?.error.stack).toContain('observability.test.ts');
  });

  it('answers x-request-id on a 401 and on a route that does not exist', async () => {
    const unauthenticated = await t.request('/cases', { token: 'not-a-token' });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await t.request('/no-such-route');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
