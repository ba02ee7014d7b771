import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { createApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** /health and /openapi.json: the whole app is mounted so the document covers every context. */
const app = createApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('platform'));
