import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createApp, devTokenAuthenticator } from '@placements/api';
import { createDocumentClient, createStore } from '@placements/store';
import { seededApp, type SeededApp } from '../support/store.ts';

/**
 * Faults DynamoDB Local never produces (throttled or timed-out transactions), forced with
 * aws-sdk-client-mock on a client whose other calls go to the real DynamoDB Local table.
 */
const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let caseId: string;
let urn: string;
let kent: string;

beforeAll(async () => {
  t = await seededApp({ now: () => TODAY });
  kent = await t.token({ sub: 'o', role: 'la', org: 'E10000016' });
  const s = t.data.settings.find((x) => x.type === 'special_maintained' && x.needs.includes('ASD') && x.ageMin <= 9 && x.ageMax >= 9)!;
  urn = s.urn;
  const provider = await t.token({ sub: 'p', role: 'provider', org: s.providerId });
  const json = (method: string, token: string, body: unknown) => ({ method, token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await t.request(`/settings/${urn}/listings/fault`, json('PUT', provider, { band: 'S3', needs: ['ASD'], ageMin: s.ageMin, ageMax: s.ageMax, attendance: 'day', commissioned: 2, filled: 0, availableFrom: '2026-09-01' }));
  caseId = (await t.request('/cases', json('POST', kent, { ref: 'FAULT-1', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' }))).body.id;
  await t.request(`/cases/${caseId}/preferences`, json('PUT', kent, { holder: 'parent', ranked: [urn] }));
});
afterAll(async () => {
  await t.store.drop();
});

/** The app over a client whose transactions fail with `fault`, everything else real. */
function faultyApp(fault: () => Error) {
  const real = t.store.db;
  const db = createDocumentClient({ tableName: t.store.tableName, endpoint: 'http://127.0.0.1:1' });
  const mock = mockClient(db);
  mock.on(GetCommand).callsFake((input) => real.send(new GetCommand(input)));
  mock.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
  mock.on(PutCommand).callsFake((input) => real.send(new PutCommand(input)));
  mock.on(TransactWriteCommand).callsFake(() => Promise.reject(fault()));
  const store = createStore({ tableName: t.store.tableName }, db);
  return { app: createApp({ store, auth: devTokenAuthenticator('test-secret-key-for-dev-tokens-000'), now: () => TODAY }), mock };
}

async function unchanged() {
  const listing = (await t.request(`/settings/${urn}`)).body.listings.find((l: any) => l.listingId === 'fault');
  expect(listing).toMatchObject({ available: 2, held: 0 });
  const c = await t.request(`/cases/${caseId}`, { token: kent });
  expect(c.body.state).toBe('open');
  expect(c.body.placement).toBeUndefined();
}

describe('allocation when DynamoDB fails mid-flow', () => {
  it('answers throttling with 503 and Retry-After, writing nothing', async () => {
    const { app, mock } = faultyApp(() => new TransactionCanceledException({ message: 'throttled', $metadata: {}, CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }] }));
    const res = await app.request(`/cases/${caseId}/allocate`, { method: 'POST', headers: { authorization: `Bearer ${kent}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as any).error.code).toBe('store_unavailable');
    expect(mock.commandCalls(TransactWriteCommand).length).toBeGreaterThan(0);
    await unchanged();
  });

  it('retries transaction conflicts, then answers 409 rather than hold a place twice', async () => {
    const { app, mock } = faultyApp(() => new TransactionCanceledException({ message: 'conflict', $metadata: {}, CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }] }));
    const res = await app.request(`/cases/${caseId}/allocate`, { method: 'POST', headers: { authorization: `Bearer ${kent}` } });
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error.code).toBe('allocation_contended');
    expect(mock.commandCalls(TransactWriteCommand).length).toBeGreaterThan(4);
    await unchanged();
  }, 60_000);

  it('answers a timeout with 503, and a retry with the same Idempotency-Key then allocates once', async () => {
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    const { app } = faultyApp(() => timeout);
    const headers = { authorization: `Bearer ${kent}`, 'idempotency-key': 'fault-retry-1' };
    const failed = await app.request(`/cases/${caseId}/allocate`, { method: 'POST', headers });
    expect(failed.status).toBe(503);
    await unchanged();
    const retried = await t.request(`/cases/${caseId}/allocate`, { method: 'POST', token: kent, headers: { 'idempotency-key': 'fault-retry-1' } });
    expect(retried.status).toBe(201);
    const again = await t.request(`/cases/${caseId}/allocate`, { method: 'POST', token: kent, headers: { 'idempotency-key': 'fault-retry-1' } });
    expect(again.body.placement.id).toBe(retried.body.placement.id);
    const listing = (await t.request(`/settings/${urn}`)).body.listings.find((l: any) => l.listingId === 'fault');
    expect(listing).toMatchObject({ available: 1, held: 1 });
  });
});
