import { describe, expect, it } from 'vitest';
import { createApp, devTokenAuthenticator } from '@placements/api';
import { createStore } from '@placements/store';
import { freePort } from '@placements/local';

describe('when DynamoDB is not answering', () => {
  it('reports the store unreachable with 503, and data routes answer 503 with Retry-After, not 500', async () => {
    // A real client pointed at a port where nothing listens.
    const port = await freePort();
    const store = createStore({
      tableName: 'placements',
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
      requestTimeoutMs: 500,
    });
    const app = createApp({ store, auth: devTokenAuthenticator('k'.repeat(32)) });
    const health = await app.request('/health');
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', store: 'unreachable' });
    const las = await app.request('/las');
    expect(las.status).toBe(503);
    expect(las.headers.get('retry-after')).toBe('2');
    expect(((await las.json()) as any).error.code).toBe('store_unavailable');
  });
});
