import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { casesApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The cases context's routes in Lambda: the same Hono app the local server mounts. */
const app = casesApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('cases'));
