import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject, vi } from 'vitest';
import {
  createApp,
  devTokenAuthenticator,
  ROUND_ITEM_TYPES,
  roundWorker,
  STREAM_ITEM_TYPES,
  streamHandlers,
  type Deps,
  type Principal,
} from '@placements/api';
import { localStreamConsumer, type LocalStreamConsumer } from '@placements/store/stream/local-stream';
import { createStore, dropTable, enableStream, ensureTable, loadReferenceData, type Store } from '@placements/store';
import { buildReferenceData, type BuiltReferenceData } from '@placements/local';
import { checkContract } from './contract.ts';

/** A new, empty table in the run's DynamoDB Local, named for this test file. */
export async function freshStore(
  label = 'test',
  options: { stream?: boolean } = {},
): Promise<Store & { drop(): Promise<void> }> {
  const tableName = `${label}-${randomUUID().slice(0, 8)}`;
  // Tests share one DynamoDB Local on a busy machine: a slow answer is waited for, not retried (a retried CreateTable finds its own table).
  const store = createStore({ tableName, endpoint: inject('dynamoDbEndpoint'), requestTimeoutMs: 30_000 });
  await ensureTable(store.db, tableName, undefined, options);
  return { ...store, drop: () => dropTable(store.db, tableName) };
}

export interface SeededApp {
  store: Store & { drop(): Promise<void> };
  data: BuiltReferenceData;
  app: ReturnType<typeof createApp>;
  token(p: Principal): Promise<string>;
  deps: Deps;
  request(
    path: string,
    init?: RequestInit & { token?: string; drain?: boolean },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** A JSON POST or PUT with a token, as the API's clients send them. */
  post(path: string, token: string, body?: unknown): ReturnType<SeededApp['request']>;
  put(path: string, token: string, body: unknown, headers?: Record<string, string>): ReturnType<SeededApp['request']>;
  /** The table's stream consumer (the handlers `npm start` runs) over this table. */
  stream: LocalStreamConsumer;
  /**
   * GET /settings/{urn} as the provider that runs the setting: with the live counts (filled,
   * held, blockUsed, availableToAll) that anyone else is not shown.
   */
  ownSetting(urn: string): ReturnType<SeededApp['request']>;
  /** Runs the stream consumer until it has caught up: derived data (search entries, offers) is then in place. */
  drain(): Promise<number>;
}

/** A table loaded with the generated SE19 data (or a given data folder) and the full API over it. */
export async function seededApp(
  options: {
    dataDir?: string;
    seed?: number;
    now?: () => Date;
    /**
     * After each request that may write (not GET), run the stream consumer until it has caught
     * up, as `npm start`'s consumer would a moment later; off for tests that look at the lag.
     */
    drainAfterWrites?: boolean;
    limits?: Parameters<typeof createApp>[0]['limits'];
    /**
     * false: the reference data only (LAs, partnerships, districts, the framework), no settings;
     * for tests that bring their own (a GIAS import), which then need not wait for thousands to load.
     */
    settings?: false;
  } = {},
): Promise<SeededApp> {
  // Loaded before the stream is on: the loader writes its own search entries.
  const store = await freshStore('api', { stream: false });
  const built = buildReferenceData({ dataDir: options.dataDir, seed: options.seed });
  const data = options.settings === false ? { ...built, settings: [] } : built;
  await loadReferenceData(store.db, store.tableName, data, { source: data.source, seed: options.seed ?? 19 });
  await enableStream(store.db, store.tableName);
  const auth = devTokenAuthenticator('test-secret-key-for-dev-tokens-000');
  const deps: Deps = {
    store,
    auth,
    ...(options.now ? { now: options.now } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  };
  const app = createApp(deps, { devTokens: auth });
  const stream = localStreamConsumer({
    db: store.db,
    tableName: store.tableName,
    endpoint: inject('dynamoDbEndpoint'),
    // A round runs to the end within the drain (in the marketplace it runs beside the consumer).
    handlers: [...streamHandlers(deps), roundWorker(deps)],
    itemTypes: [...STREAM_ITEM_TYPES, ...ROUND_ITEM_TYPES],
    idleMs: 50,
  });
  const drainAfterWrites = options.drainAfterWrites ?? true;
  const request: SeededApp['request'] = async (path, init = {}) => {
    const { token, drain, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    const res = await app.request(path, { ...rest, headers });
    const text = await res.text();
    const body = text === '' ? undefined : JSON.parse(text);
    if ((drain ?? drainAfterWrites) && (rest.method ?? 'GET') !== 'GET') await stream.drain(300_000);
    checkContract(rest.method ?? 'GET', path, res.status, res.headers.get('content-type'), body);
    return { status: res.status, body, headers: res.headers };
  };
  return {
    store: {
      ...store,
      drop: async () => {
        await stream.stop();
        await store.drop();
      },
    },
    data,
    app,
    deps,
    stream,
    drain: () => stream.drain(),
    token: async (p) => (await auth.mint(p)).token,
    ownSetting: async (urn) => {
      const s = await store.settings.getSetting(urn);
      if (s === undefined) return request(`/settings/${urn}`);
      const { token } = await auth.mint({ sub: `owner-${s.providerId}`, role: 'provider', org: s.providerId });
      return request(`/settings/${urn}`, { token });
    },
    request,
    post: (path, token, body = {}) =>
      request(path, {
        method: 'POST',
        token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    put: (path, token, body, headers = {}) =>
      request(path, {
        method: 'PUT',
        token,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }),
  };
}

/**
 * The cross-LA setting of several test files: a seeded app and tokens of a Kent and a Medway LA
 * officer, made before the calling file's tests (handed to `use`) and its table dropped after them.
 */
export function withTwoLaOfficers(now: () => Date, use: (s: { t: SeededApp; kent: string; medway: string }) => void) {
  let t: SeededApp | undefined;
  beforeAll(async () => {
    t = await seededApp({ now });
    use({
      t,
      kent: await t.token({ sub: 'officer', role: 'la', org: 'E10000016' }),
      medway: await t.token({ sub: 'officer', role: 'la', org: 'E06000035' }),
    });
  });
  afterAll(async () => {
    await t?.store.drop();
  });
}

/**
 * Follows nextCursor to the last page, as an integration would, checking each page's size;
 * `between` runs after each page (to change data mid-pagination).
 */
export async function allPages(t: SeededApp, path: string, limit: number, between?: (page: number) => Promise<void>) {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await t.request(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    if (res.status !== 200) throw new Error(`${path} page ${pages + 1}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.body.items.length > limit) throw new Error(`${path} page ${pages + 1} has more than ${limit} items`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
    await between?.(pages);
  } while (cursor !== null && pages < 1000);
  return { items, pages };
}

/**
 * Forces an interleaving: `between` runs once, just after the first read of setting `urn`
 * (getSetting) that `run` makes, and before that read is answered, so `run` goes on from a read
 * `between` has made stale. Says whether `between` ran.
 */
export async function afterReadOfSetting<T>(
  store: Store,
  urn: string,
  between: () => Promise<unknown>,
  run: () => Promise<T>,
): Promise<{ result: T; interleaved: boolean }> {
  const read = store.settings.getSetting;
  let interleaved = false;
  const spy = vi.spyOn(store.settings, 'getSetting').mockImplementation(async (u, options) => {
    const got = await read.call(store.settings, u, options);
    if (u === urn && !interleaved) {
      interleaved = true;
      await between();
    }
    return got;
  });
  try {
    return { result: await run(), interleaved };
  } finally {
    spy.mockRestore();
  }
}

/** A provider's PUT body for a listing of day places for ASD across the setting's ages, band S3. */
export function asdDayListing(setting: { ageMin: number; ageMax: number }, commissioned: number) {
  return {
    band: 'S3',
    needs: ['ASD'],
    ageMin: setting.ageMin,
    ageMax: setting.ageMax,
    attendance: 'day',
    commissioned,
    filled: 0,
    availableFrom: '2026-09-01',
  };
}
