import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { geographyApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The geography context's routes in Lambda: the same Hono app the local server mounts. */
const app = geographyApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('geography'));
