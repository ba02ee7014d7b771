import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { auditApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The audit log's read route in Lambda: the same Hono app the local server mounts. */
const app = auditApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('audit'));
