import { Hono } from 'hono';
import { capacityApp } from './contexts/capacity.ts';
import { devApp, type TokenMinter } from './contexts/dev.ts';
import { frameworkApp } from './contexts/framework.ts';
import { partnershipApp } from './contexts/partnership.ts';
import { platformApp } from './contexts/platform.ts';
import { auditApp } from './contexts/audit.ts';
import { searchApp } from './contexts/search.ts';
import { casesApp } from './contexts/cases.ts';
import { placementsApp } from './contexts/placements.ts';
import { roundsApp } from './contexts/rounds.ts';
import { geographyApp } from './contexts/geography.ts';
import { notificationsApp } from './contexts/notifications.ts';
import { errorBody, handleError, type Deps, type Env } from './http.ts';
import { openApiDocument } from './openapi-document.ts';
import type { RouteConfig } from './openapi.ts';

export const API_VERSION = '1.0.0';

export interface AppOptions {
  /** Local mode only: mounts POST /dev/token. */
  devTokens?: TokenMinter;
}

/** The bounded contexts, each deployable as its own Lambda. */
export const contexts = {
  platform: platformApp,
  framework: frameworkApp,
  partnership: partnershipApp,
  capacity: capacityApp,
  audit: auditApp,
  search: searchApp,
  cases: casesApp,
  placements: placementsApp,
  rounds: roundsApp,
  geography: geographyApp,
  notifications: notificationsApp,
} as const;

const DOCUMENT_INFO = {
  title: 'SEND placement marketplace API',
  version: API_VERSION,
  description:
    'Published capacity against the national bands and tariffs, search across LA boundaries, and allocation with the legal backstops. Money is in pence per year; dates are YYYY-MM-DD.',
  // The public-sector default for published information; the code's own licence may differ.
  license: {
    name: 'Open Government Licence v3.0',
    url: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
  },
};
// Relative, so the document is right wherever it is served: API Gateway's stage URL or the local server.
const SERVERS = [{ url: '/', description: 'The server this document is served from' }];
// No document-wide security: each protected route declares bearerAuth, so the public reads are
// documented as public (the authorisation matrix test holds the two together).
const SECURITY_SCHEMES = { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } };

/** Every context mounted on one app, with the OpenAPI document built from their zod schemas. */
export function createApp(deps: Deps, options: AppOptions = {}) {
  const app = new Hono<Env>();
  const documented: RouteConfig[] = [];
  const mount = (context: { documented: RouteConfig[] } & Hono<Env>) => {
    documented.push(...context.documented);
    app.route('/', context);
  };
  for (const [name, make] of Object.entries(contexts)) {
    const context = make(deps);
    context.contextName = name;
    mount(context);
  }
  if (options.devTokens !== undefined) {
    const dev = devApp(deps, options.devTokens);
    dev.contextName = 'dev';
    mount(dev);
  }

  // Built on first request and kept: the routes and their schemas do not change while running.
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= openApiDocument(documented, DOCUMENT_INFO, SECURITY_SCHEMES, SERVERS);
    return c.json(document);
  });
  app.notFound((c) =>
    c.json(
      errorBody('not_found', `There is no route ${c.req.method} ${c.req.path}; GET /openapi.json lists them.`),
      404,
    ),
  );
  app.onError(handleError);
  return app;
}

/**
 * The document of the API as deployed (no /dev/token). It is committed as packages/api/openapi.json
 * (npm run openapi), which the platform Lambda serves so that it never builds every context's
 * schemas at start-up; a test keeps the file equal to this.
 */
export async function deployedApiDocument(): Promise<unknown> {
  const unused = new Proxy(
    {},
    {
      get: () => {
        throw new Error('building the document reads no store');
      },
    },
  ) as Deps['store'];
  const app = createApp({ store: unused, auth: { authenticate: async () => undefined } });
  return (await app.request('/openapi.json')).json();
}
