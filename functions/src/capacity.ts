import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { capacityApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The capacity context's routes in Lambda: the same Hono app the local server mounts. */
const app = capacityApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('capacity'));
