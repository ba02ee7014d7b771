import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { apiGatewayAuthenticator, type Deps } from '@placements/api';
import { createStore } from '@placements/store';

/** The environment each Lambda needs, parsed once at cold start so a misconfiguration fails loudly. */
const EnvSchema = z.object({
  TABLE_NAME: z.string({ error: 'TABLE_NAME must name the marketplace DynamoDB table' }).check(z.minLength(1)),
  AWS_REGION: z.optional(z.string().check(z.minLength(1))),
  /** Only for running the Lambda code against DynamoDB Local; unset in AWS. */
  DYNAMODB_ENDPOINT: z.optional(z.url({ error: 'DYNAMODB_ENDPOINT must be a URL such as http://127.0.0.1:8000' })),
});

export function lambdaDeps(env: NodeJS.ProcessEnv = process.env): Deps {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Lambda misconfigured: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return {
    store: createStore({
      tableName: parsed.data.TABLE_NAME,
      ...(parsed.data.AWS_REGION ? { region: parsed.data.AWS_REGION } : {}),
      ...(parsed.data.DYNAMODB_ENDPOINT ? { endpoint: parsed.data.DYNAMODB_ENDPOINT } : {}),
    }),
    auth: apiGatewayAuthenticator(),
  };
}

type Handler = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2, Error, Context>;

/** One JSON log line per request: route, status and duration, never the body or the token. */
export function requestLog(context: string): Handler {
  const started = new WeakMap<object, number>();
  return {
    before: (request) => {
      started.set(request.event, Date.now());
    },
    after: (request) => {
      const res = request.response as { statusCode?: number } | undefined;
      console.log(
        JSON.stringify({
          level: 'info',
          context,
          requestId: request.context.awsRequestId,
          method: request.event.requestContext?.http?.method,
          path: request.event.rawPath,
          status: res?.statusCode,
          ms: Date.now() - (started.get(request.event) ?? Date.now()),
        }),
      );
    },
    onError: (request) => {
      // Hono maps every error itself; reaching here means the adapter failed. Answer in the API's shape.
      console.error(JSON.stringify({ level: 'error', context, requestId: request.context.awsRequestId, error: String(request.error) }));
      request.response = {
        statusCode: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged.', details: [] } }),
      };
    },
  };
}
