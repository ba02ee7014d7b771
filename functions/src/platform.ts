import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { platformApp } from '@placements/api';
import document from '@placements/api/openapi.json' with { type: 'json' };
import { lambdaDeps, requestLog } from './runtime.ts';

/**
 * /health, and /openapi.json served from the committed document (npm run openapi writes it from
 * the routes' schemas, and a test keeps it current): building it here would mean building every
 * context's schemas on each cold start, which /health (what monitors call) would pay for.
 */
const app = platformApp(lambdaDeps());
let body: string | undefined;
app.get('/openapi.json', (c) => {
  body ??= JSON.stringify(document);
  return c.body(body, 200, { 'content-type': 'application/json' });
});

export const handler = middy(handle(app)).use(requestLog('platform'));
