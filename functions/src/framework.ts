import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { frameworkApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The framework context's routes in Lambda: the same Hono app the local server mounts. */
const app = frameworkApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('framework'));
