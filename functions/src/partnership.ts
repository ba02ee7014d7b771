import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { partnershipApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The partnership context's routes in Lambda: the same Hono app the local server mounts. */
const app = partnershipApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('partnership'));
