import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '@placements/local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}

/** Starts AWS's DynamoDB Local once per test run and stops it at the end, whatever happened. */
export default async function setup(project: TestProject) {
  const ddb = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', ddb.endpoint);
  return async () => {
    await ddb.stop();
  };
}
