import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { createApp, devTokenAuthenticator, type Principal } from '@placements/api';
import { createStore, dropTable, ensureTable, loadReferenceData, type Store } from '@placements/store';
import { buildReferenceData, type BuiltReferenceData } from '@placements/local';

/** A new, empty table in the run's DynamoDB Local, named for this test file. */
export async function freshStore(label = 'test'): Promise<Store & { drop(): Promise<void> }> {
  const tableName = `${label}-${randomUUID().slice(0, 8)}`;
  const store = createStore({ tableName, endpoint: inject('dynamoDbEndpoint') });
  await ensureTable(store.db, tableName);
  return { ...store, drop: () => dropTable(store.db, tableName) };
}

export interface SeededApp {
  store: Store & { drop(): Promise<void> };
  data: BuiltReferenceData;
  app: ReturnType<typeof createApp>;
  token(p: Principal): Promise<string>;
  request(
    path: string,
    init?: RequestInit & { token?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** A JSON POST or PUT with a token, as the API's clients send them. */
  post(path: string, token: string, body?: unknown): ReturnType<SeededApp['request']>;
  put(path: string, token: string, body: unknown, headers?: Record<string, string>): ReturnType<SeededApp['request']>;
}

/** A table loaded with the generated SE19 data (or a given data folder) and the full API over it. */
export async function seededApp(
  options: {
    dataDir?: string;
    seed?: number;
    now?: () => Date;
    limits?: Parameters<typeof createApp>[0]['limits'];
  } = {},
): Promise<SeededApp> {
  const store = await freshStore('api');
  const data = buildReferenceData({ dataDir: options.dataDir, seed: options.seed });
  await loadReferenceData(store.db, store.tableName, data, { source: data.source, seed: options.seed ?? 19 });
  const auth = devTokenAuthenticator('test-secret-key-for-dev-tokens-000');
  const app = createApp(
    {
      store,
      auth,
      ...(options.now ? { now: options.now } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    },
    { devTokens: auth },
  );
  const request: SeededApp['request'] = async (path, init = {}) => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    const res = await app.request(path, { ...rest, headers });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
  };
  return {
    store,
    data,
    app,
    token: async (p) => (await auth.mint(p)).token,
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
