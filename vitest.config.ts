import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'functions/src/**/*.test.ts', 'infra/test/**/*.test.ts', 'test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; each test file makes its own tables in it.
    globalSetup: ['test/setup/dynamodb-local.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: two workers keep DynamoDB Local and the tests from starving each other.
    maxWorkers: 2,
  },
});
