import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ALLOCATION_BUDGET_MS, createApp, devTokenAuthenticator } from '@placements/api';
import { DEFAULT_TIMEOUT_SECONDS } from '../../infra/lib/contexts.ts';
import { createDocumentClient, createStore, keys } from '@placements/store';
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
  const s = t.data.settings.find(
    (x) => x.type === 'special_maintained' && x.needs.includes('ASD') && x.ageMin <= 9 && x.ageMax >= 9,
  )!;
  urn = s.urn;
  const provider = await t.token({ sub: 'p', role: 'provider', org: s.providerId });
  const json = (method: string, token: string, body: unknown) => ({
    method,
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await t.request(
    `/settings/${urn}/listings/fault`,
    json('PUT', provider, {
      band: 'S3',
      needs: ['ASD'],
      ageMin: s.ageMin,
      ageMax: s.ageMax,
      attendance: 'day',
      commissioned: 2,
      filled: 0,
      availableFrom: '2026-09-01',
    }),
  );
  caseId = (
    await t.request(
      '/cases',
      json('POST', kent, { ref: 'FAULT-1', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' }),
    )
  ).body.id;
  await t.request(`/cases/${caseId}/preferences`, json('PUT', kent, { holder: 'parent', ranked: [urn] }));
});
afterAll(async () => {
  await t.store.drop();
});

/**
 * The app over a client whose transactions fail with `fault`, everything else real. With
 * `commitFirst`, each transaction commits and then fails, as a Lambda cut off after its write.
 */
function faultyApp(fault: () => Error, commitFirst = false) {
  const real = t.store.db;
  const db = createDocumentClient({ tableName: t.store.tableName, endpoint: 'http://127.0.0.1:1' });
  const mock = mockClient(db);
  mock.on(GetCommand).callsFake((input) => real.send(new GetCommand(input)));
  mock.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
  mock.on(PutCommand).callsFake((input) => real.send(new PutCommand(input)));
  mock.on(TransactWriteCommand).callsFake(async (input) => {
    if (commitFirst) await real.send(new TransactWriteCommand(input));
    throw fault();
  });
  const store = createStore({ tableName: t.store.tableName }, db);
  return {
    app: createApp({ store, auth: devTokenAuthenticator('test-secret-key-for-dev-tokens-000'), now: () => TODAY }),
    mock,
  };
}

async function unchanged() {
  const listing = (await t.ownSetting(urn)).body.listings.find((l: any) => l.listingId === 'fault');
  expect(listing).toMatchObject({ available: 2, held: 0 });
  const c = await t.request(`/cases/${caseId}`, { token: kent });
  expect(c.body.state).toBe('open');
  expect(c.body.placement).toBeUndefined();
}

describe('allocation when DynamoDB fails mid-flow', () => {
  it('answers throttling with 503 and Retry-After, writing nothing', async () => {
    const { app, mock } = faultyApp(
      () =>
        new TransactionCanceledException({
          message: 'throttled',
          $metadata: {},
          CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }],
        }),
    );
    const res = await app.request(`/cases/${caseId}/allocate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kent}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as any).error.code).toBe('store_unavailable');
    expect(mock.commandCalls(TransactWriteCommand).length).toBeGreaterThan(0);
    await unchanged();
  });

  it('under endless contention retries only within its time budget, then answers 409 with Retry-After inside the Lambda timeout', async () => {
    const { app, mock } = faultyApp(
      () =>
        new TransactionCanceledException({
          message: 'conflict',
          $metadata: {},
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }, { Code: 'None' }, { Code: 'None' }],
        }),
    );
    const started = Date.now();
    const res = await app.request(`/cases/${caseId}/allocate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kent}` },
    });
    const took = Date.now() - started;
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error.code).toBe('allocation_contended');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(mock.commandCalls(TransactWriteCommand).length).toBeGreaterThan(4);
    // The cases Lambda times out at 10 s: the answer comes before it, whatever the contention.
    // (Each attempt's reads go to the real DynamoDB Local, so a busy machine adds their time.)
    expect(took).toBeLessThan(ALLOCATION_BUDGET_MS + 4_000);
    expect(DEFAULT_TIMEOUT_SECONDS * 1000).toBeGreaterThan(ALLOCATION_BUDGET_MS + 3_000);
    await unchanged();
  }, 60_000);

  it('answers a timeout with 503, and a retry with the same Idempotency-Key then allocates once', async () => {
    const timeout = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    const { app } = faultyApp(() => timeout);
    const headers = { authorization: `Bearer ${kent}`, 'idempotency-key': 'fault-retry-1' };
    const failed = await app.request(`/cases/${caseId}/allocate`, { method: 'POST', headers });
    expect(failed.status).toBe(503);
    await unchanged();
    const retried = await t.request(`/cases/${caseId}/allocate`, {
      method: 'POST',
      token: kent,
      headers: { 'idempotency-key': 'fault-retry-1' },
    });
    expect(retried.status).toBe(201);
    const again = await t.request(`/cases/${caseId}/allocate`, {
      method: 'POST',
      token: kent,
      headers: { 'idempotency-key': 'fault-retry-1' },
    });
    expect(again.body.placement.id).toBe(retried.body.placement.id);
    const listing = (await t.ownSetting(urn)).body.listings.find((l: any) => l.listingId === 'fault');
    expect(listing).toMatchObject({ available: 1, held: 1 });
  });

  it('answers a Lambda timed out after its transaction committed with 503; the retry with the same key returns that placement and allocates nothing more', async () => {
    const json = (method: string, body: unknown) => ({
      method,
      token: kent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const id = (
      await t.request(
        '/cases',
        json('POST', { ref: 'FAULT-2', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' }),
      )
    ).body.id;
    await t.request(`/cases/${id}/preferences`, json('PUT', { holder: 'parent', ranked: [urn] }));
    const heldBefore = new Map<string, number>(
      (await t.ownSetting(urn)).body.listings.map((l: any) => [l.listingId, l.held]),
    );
    const { app, mock } = faultyApp(
      () => Object.assign(new Error('Task timed out after 3.00 seconds'), { name: 'TimeoutError' }),
      true,
    );
    const headers = { authorization: `Bearer ${kent}`, 'idempotency-key': 'lambda-timeout-1' };

    const cutOff = await app.request(`/cases/${id}/allocate`, { method: 'POST', headers });
    expect(cutOff.status).toBe(503);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const committed = (await t.request(`/cases/${id}`, { token: kent })).body;
    expect(committed.state).toBe('allocated');

    const retried = await t.request(`/cases/${id}/allocate`, {
      method: 'POST',
      token: kent,
      headers: { 'idempotency-key': 'lambda-timeout-1' },
    });
    expect(retried.status).toBe(201);
    expect(retried.body.placement.id).toBe(committed.placement.id);
    const again = await t.request(`/cases/${id}/allocate`, {
      method: 'POST',
      token: kent,
      headers: { 'idempotency-key': 'lambda-timeout-1' },
    });
    expect(again.body.placement.id).toBe(committed.placement.id);
    const listings = (await t.ownSetting(urn)).body.listings;
    const changed = listings.filter((l: any) => l.held !== heldBefore.get(l.listingId));
    expect(changed.map((l: any) => [l.listingId, l.held - heldBefore.get(l.listingId)!])).toEqual([
      [committed.placement.listingId, 1],
    ]);
  });

  it('answers a replay that raced its own first request (which committed meanwhile) with the first result, not a 409', async () => {
    const json = (method: string, body: unknown) => ({
      method,
      token: kent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const s = t.data.settings.find((x) => x.urn === urn)!;
    const provider = await t.token({ sub: 'p', role: 'provider', org: s.providerId });
    await t.request(`/settings/${urn}/listings/raced`, {
      method: 'PUT',
      token: provider,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        band: 'S3',
        needs: ['ASD'],
        ageMin: s.ageMin,
        ageMax: s.ageMax,
        attendance: 'day',
        commissioned: 1,
        filled: 0,
        availableFrom: '2026-09-01',
      }),
    });
    const id = (
      await t.request(
        '/cases',
        json('POST', { ref: 'FAULT-3', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' }),
      )
    ).body.id;
    await t.request(`/cases/${id}/preferences`, json('PUT', { holder: 'parent', ranked: [urn] }));
    const first = await t.request(`/cases/${id}/allocate`, {
      method: 'POST',
      token: kent,
      headers: { 'idempotency-key': 'raced-1' },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    // The replay's first look for the key happened just before the first request wrote it.
    const real = t.store.db;
    const db = createDocumentClient({ tableName: t.store.tableName, endpoint: 'http://127.0.0.1:1' });
    const mock = mockClient(db);
    let missed = false;
    mock.on(GetCommand).callsFake((input) => {
      if (!missed && String(input.Key.pk).startsWith('IDEMPOTENCY#')) {
        missed = true;
        return Promise.resolve({ $metadata: {} });
      }
      return real.send(new GetCommand(input));
    });
    mock.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
    const app = createApp({
      store: createStore({ tableName: t.store.tableName }, db),
      auth: devTokenAuthenticator('test-secret-key-for-dev-tokens-000'),
      now: () => TODAY,
    });
    const replay = await app.request(`/cases/${id}/allocate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kent}`, 'idempotency-key': 'raced-1' },
    });
    expect(missed).toBe(true);
    const body = (await replay.json()) as any;
    expect(replay.status, JSON.stringify(body)).toBe(201);
    expect(body.placement.id).toBe(first.body.placement.id);
  });

  it('answers a replay that read the case as it was before its first request committed with the first result', async () => {
    const json = (method: string, body: unknown) => ({
      method,
      token: kent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const s = t.data.settings.find((x) => x.urn === urn)!;
    const provider = await t.token({ sub: 'p', role: 'provider', org: s.providerId });
    await t.request(`/settings/${urn}/listings/raced-2`, {
      method: 'PUT',
      token: provider,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        band: 'S3',
        needs: ['ASD'],
        ageMin: s.ageMin,
        ageMax: s.ageMax,
        attendance: 'day',
        commissioned: 1,
        filled: 0,
        availableFrom: '2026-09-01',
      }),
    });
    const id = (
      await t.request(
        '/cases',
        json('POST', { ref: 'FAULT-4', needs: ['ASD'], band: 'S3', age: 9, homeDistrict: 'ME14' }),
      )
    ).body.id;
    await t.request(`/cases/${id}/preferences`, json('PUT', { holder: 'parent', ranked: [urn] }));
    const real = t.store.db;
    const stale = (
      await real.send(
        new GetCommand({ TableName: t.store.tableName, Key: keys.caseItem('E10000016', id), ConsistentRead: true }),
      )
    ).Item;
    const first = await t.request(`/cases/${id}/allocate`, {
      method: 'POST',
      token: kent,
      headers: { 'idempotency-key': 'raced-2' },
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const listingsAfterFirst = (await t.ownSetting(urn)).body.listings;

    // The replay missed the key and read the case as it was before the first request committed.
    const db = createDocumentClient({ tableName: t.store.tableName, endpoint: 'http://127.0.0.1:1' });
    const mock = mockClient(db);
    const missed = { key: false, case: false };
    mock.on(GetCommand).callsFake((input) => {
      if (!missed.key && String(input.Key.pk).startsWith('IDEMPOTENCY#')) {
        missed.key = true;
        return Promise.resolve({ $metadata: {} });
      }
      if (!missed.case && input.Key.pk === stale!.pk) {
        missed.case = true;
        return Promise.resolve({ $metadata: {}, Item: stale });
      }
      return real.send(new GetCommand(input));
    });
    mock.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
    mock.on(TransactWriteCommand).callsFake((input) => real.send(new TransactWriteCommand(input)));
    mock.on(PutCommand).callsFake((input) => real.send(new PutCommand(input)));
    const app = createApp({
      store: createStore({ tableName: t.store.tableName }, db),
      auth: devTokenAuthenticator('test-secret-key-for-dev-tokens-000'),
      now: () => TODAY,
    });
    const replay = await app.request(`/cases/${id}/allocate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kent}`, 'idempotency-key': 'raced-2' },
    });
    expect(missed).toEqual({ key: true, case: true });
    const body = (await replay.json()) as any;
    expect(replay.status, JSON.stringify(body)).toBe(201);
    expect(body.placement.id).toBe(first.body.placement.id);
    expect((await t.ownSetting(urn)).body.listings).toEqual(listingsAfterFirst);
  });
});
