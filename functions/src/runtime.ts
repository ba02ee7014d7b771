import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { apiGatewayAuthenticator, type Deps } from '@placements/api';
import { createStore, log, logger } from '@placements/store';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';

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

/**
 * Powertools' Logger in every API Lambda: each line carries the Lambda request id, cold start and
 * function (injectLambdaContext), the context (a persistent key), and, from the API's own
 * middleware, API Gateway's request id (answered as x-request-id), the route, and the caller's role
 * and organisation. The API logs one line per request; never a body or a token.
 */
export function requestLog(context: string): Handler[] {
  logger.appendPersistentKeys({ context });
  return [
    injectLambdaContext(logger) as Handler,
    {
      onError: (request) => {
        // Hono maps every error itself; reaching here means the adapter failed. Answer in the API's shape.
        const requestId = request.event.requestContext?.requestId;
        log.error('lambda adapter failed', request.error, { ...(requestId ? { request_id: requestId } : {}) });
        request.response = {
          statusCode: 500,
          headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
          body: JSON.stringify({
            error: {
              code: 'internal_error',
              message: 'Something went wrong on our side; it has been logged.',
              details: [],
            },
          }),
        };
      },
    },
  ];
}
