import middy from '@middy/core';
import { handle } from 'hono/aws-lambda';
import { notificationsApp } from '@placements/api';
import { lambdaDeps, requestLog } from './runtime.ts';

/** The work inbox in Lambda: the same Hono app the local server mounts. */
const app = notificationsApp(lambdaDeps());

export const handler = middy(handle(app)).use(requestLog('notifications'));
