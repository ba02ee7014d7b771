import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withWebApp } from '../../packages/local/src/web-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'web-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
writeFileSync(join(dir, 'app-ABC.js'), 'console.log(1)');
const api = async (req: Request) => new Response(`api ${new URL(req.url).pathname}`);
const identities = [
  {
    label: 'LA commissioner (Kent)',
    principal: { sub: 'k', role: 'la' as const, org: 'E10000016' },
    token: 'secret-token',
  },
];
const serve = withWebApp(api, { webDir: dir, identities: () => identities });
const get = (path: string, headers: Record<string, string> = {}) =>
  serve(new Request(`http://localhost${path}`, { headers }));

describe('the local server in front of the API', () => {
  it('serves the app at /app/, hashed files cached for ever and index.html never', async () => {
    const index = await get('/app/');
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const js = await get('/app/app-ABC.js');
    expect(await js.text()).toBe('console.log(1)');
    expect(js.headers.get('cache-control')).toContain('immutable');
    // Any other path under /app/ is the app (its routes live after the #).
    expect(await (await get('/app/cases/1')).text()).toContain('<title>app</title>');
  });

  it('tells the app it is local, and lists the demo identities without their tokens', async () => {
    expect(await (await get('/app/config.json')).json()).toEqual({ mode: 'local', apiUrl: '' });
    const body = await (await get('/dev/identities')).json();
    expect(body).toEqual({
      items: [{ label: 'LA commissioner (Kent)', principal: { sub: 'k', role: 'la', org: 'E10000016' } }],
    });
    expect(JSON.stringify(body)).not.toContain('secret-token');
  });

  it('sends browsers from / to /app/, and everything else to the API', async () => {
    const home = await get('/', { accept: 'text/html,application/xhtml+xml' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('http://localhost/app/');
    expect(await (await get('/')).text()).toBe('api /');
    expect(await (await get('/settings')).text()).toBe('api /settings');
    expect(await (await get('/application')).text()).toBe('api /application');
  });

  it('never serves a file outside the app folder', async () => {
    const res = await get('/app/..%2F..%2Fetc%2Fpasswd');
    expect(res.status).toBe(404);
  });
});
