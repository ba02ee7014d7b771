/**
 * Stands in for `@smithy/core/event-streams` in the Lambda bundles (an esbuild alias in
 * infra/lib/context-function.ts). The SDK imports it dynamically for operations that stream
 * events; DynamoDB has none, but a dynamic import makes esbuild wrap every module it reaches in a
 * lazy initialiser, which costs the whole SDK start-up time. Reaching this is a bug, said plainly.
 */
function unsupported(): never {
  throw new Error(
    'Event streams are not bundled into the marketplace Lambdas: DynamoDB has no event-stream operations.',
  );
}

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = (): never => unsupported();
