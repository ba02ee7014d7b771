import { OpenAPIHono } from '@hono/zod-openapi';
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
import { errorBody, handleError, type Deps, type Env } from './http.ts';

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
} as const;

/** Every context mounted on one app, with the OpenAPI document built from their zod schemas. */
export function createApp(deps: Deps, options: AppOptions = {}) {
  const app = new OpenAPIHono<Env>();
  for (const make of Object.values(contexts)) app.route('/', make(deps));
  if (options.devTokens !== undefined) app.route('/', devApp(deps, options.devTokens));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'SEND placement marketplace API',
      version: API_VERSION,
      description: 'Published capacity against the national bands and tariffs, search across LA boundaries, and allocation with the legal backstops. Money is in pence per year; dates are YYYY-MM-DD.',
    },
    // No document-wide security: each protected route declares bearerAuth, so the public reads
    // are documented as public (the authorisation matrix test holds the two together).
  });
  app.notFound((c) => c.json(errorBody('not_found', `There is no route ${c.req.method} ${c.req.path}; GET /openapi.json lists them.`), 404));
  app.onError(handleError);
  return app;
}
