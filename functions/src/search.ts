import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { searchApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** Search and tailored lists in Lambda: the same Hono app the local server mounts. */
const app = searchApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('search'));
