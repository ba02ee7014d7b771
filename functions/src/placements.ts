import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { placementsApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The placements context's routes in Lambda: the same Hono app the local server mounts. */
const app = placementsApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('placements'));
