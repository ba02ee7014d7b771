import middy from '@middy/core';
import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { cognitoTokenCustomisation } from '@placements/api';
import { log, logger } from '@placements/store';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';

logger.appendPersistentKeys({ context: 'pre-token' });

/** Read once at cold start: the resource server whose `<id>/<role>` scopes API Gateway requires. */
const RESOURCE_SERVER = process.env.RESOURCE_SERVER ?? '';
// No zod here: the trigger runs on every sign-in and must start fast; one variable needs no schema.
if (RESOURCE_SERVER === '')
  throw new Error('Lambda misconfigured: RESOURCE_SERVER must name the Cognito resource server');

/**
 * Cognito's pre token generation trigger (V2): every token gets the user's org as a claim and
 * the access token exactly the scope of the user's one role. A user without a role group or an
 * org is refused a token (Cognito answers the sign-in with this error).
 */
async function preTokenGeneration(event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> {
  event.response = {
    claimsAndScopeOverrideDetails: cognitoTokenCustomisation({
      userAttributes: event.request.userAttributes,
      groups: event.request.groupConfiguration.groupsToOverride ?? [],
      resourceServer: RESOURCE_SERVER,
    }),
  };
  return event;
}

export const handler = middy<PreTokenGenerationV2TriggerEvent, PreTokenGenerationV2TriggerEvent, Error, Context>(
  preTokenGeneration,
)
  .use(injectLambdaContext(logger))
  .use({
    onError: (request) => {
      // Logged without the user's name or attributes; Cognito shows the message to the user signing in.
      log.error('token refused', request.error);
    },
  });
