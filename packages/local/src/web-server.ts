import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { DemoIdentity } from './marketplace.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.json': 'application/json',
};

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/**
 * The local server's front: the built web app at /app/ (with the config.json that tells it to use
 * dev tokens), the demo identities its sign-in page lists, and every other path to the API.
 * Browsers asking for / are sent to /app/; API clients asking for / still get the API's answer.
 */
export function withWebApp(
  api: (req: Request) => Response | Promise<Response>,
  options: { webDir: string; identities: () => DemoIdentity[] },
) {
  const root = normalize(options.webDir) + sep;
  return async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    if (req.method === 'GET' && path === '/' && (req.headers.get('accept') ?? '').includes('text/html'))
      return Response.redirect(new URL('/app/', url), 302);
    if (req.method === 'GET' && path === '/dev/identities') {
      // Local only, like POST /dev/token: who the sign-in page offers (no tokens; it mints them).
      return json({ items: options.identities().map(({ label, principal }) => ({ label, principal })) });
    }
    if (path === '/app') return Response.redirect(new URL('/app/', url), 301);
    if (!path.startsWith('/app/')) return api(req);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(
        { error: { code: 'method_not_allowed', message: 'The web app is read with GET.', details: [] } },
        405,
      );
    if (path === '/app/config.json') return json({ mode: 'local', apiUrl: '' });
    const rel = decodeURIComponent(path.slice('/app/'.length)) || 'index.html';
    const file = normalize(join(root, rel));
    if (!file.startsWith(root))
      return json({ error: { code: 'not_found', message: 'No such file.', details: [] } }, 404);
    const target = existsSync(file) && statSync(file).isFile() ? file : join(root, 'index.html');
    if (!existsSync(target)) {
      return new Response('The web app has not been built: run npm start (it builds packages/web first).', {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
    // Hashed assets never change; index.html must always be read afresh to find the new ones.
    const immutable = target !== join(root, 'index.html');
    return new Response(readFileSync(target), {
      headers: {
        'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  };
}
