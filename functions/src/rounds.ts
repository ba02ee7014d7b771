import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { roundsApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The allocation rounds context's routes in Lambda: the same Hono app the local server mounts. */
const app = roundsApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('rounds'));
