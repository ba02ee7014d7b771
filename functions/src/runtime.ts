import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { apiGatewayAuthenticator, type Deps } from '@placements/api';
import { createStore } from '@placements/store';

/**
 * The store and authenticator from the environment, read once at cold start so a misconfiguration
 * fails loudly, naming every variable that is wrong. (Three variables: plain checks, not a schema,
 * which would cost start-up time for nothing.)
 */
export function lambdaDeps(env: NodeJS.ProcessEnv = process.env): Deps {
  const { TABLE_NAME: tableName, AWS_REGION: region, DYNAMODB_ENDPOINT: endpoint } = env;
  const problems = [
    ...(tableName ? [] : ['TABLE_NAME must name the marketplace DynamoDB table']),
    // Only for running the Lambda code against DynamoDB Local; unset in AWS.
    ...(endpoint === undefined || (/^https?:\/\//.test(endpoint) && URL.canParse(endpoint))
      ? []
      : ['DYNAMODB_ENDPOINT must be a URL such as http://127.0.0.1:8000']),
  ];
  if (problems.length > 0 || !tableName) throw new Error(`Lambda misconfigured: ${problems.join('; ')}`);
  return {
    store: createStore({ tableName, ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) }),
    auth: apiGatewayAuthenticator({
      ...(env.RESOURCE_SERVER ? { resourceServer: env.RESOURCE_SERVER } : {}),
      // The stack names the app clients whose tokens it accepts; unset, any client the authorizer admitted.
      ...(env.COGNITO_CLIENT_IDS ? { clientIds: env.COGNITO_CLIENT_IDS.split(',') } : {}),
    }),
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
      console.error(
        JSON.stringify({
          level: 'error',
          context,
          requestId: request.context.awsRequestId,
          error: String(request.error),
        }),
      );
      request.response = {
        statusCode: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          error: {
            code: 'internal_error',
            message: 'Something went wrong on our side; it has been logged.',
            details: [],
          },
        }),
      };
    },
  };
}
