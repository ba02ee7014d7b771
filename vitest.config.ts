import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A hang guard, not a speed check (benchmarks measure speed): on a day the 2-core machine ran at
    // half speed, tests that take 6 s alone took 20-30 s beside the other worker, and one timed out
    // at the old 30 s (the GIAS import, importing its sample twice).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: two workers keep DynamoDB Local and the tests from starving each other.
    maxWorkers: 2,
    // Request logs and metrics (Powertools) stay out of the test output; the tests that check
    // them turn them on for themselves.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    // The coverage gate. `npm test` (the whole suite) turns it on with --coverage; a run of a few files
    // leaves it off, since a few files alone would fall short of the thresholds. The thresholds sit
    // half a point under the last whole run measured (93.66% of statements and 84.77% of branches,
    // a fresh clone on 2026-11-30; docs/benchmarks.md, "Coverage gate"), room for run-to-run variation, and
    // never under issue 17's 92% and 83%: raise them as coverage rises, never lower them.
    coverage: {
      provider: 'v8',
      // The code that runs on Node: the domain, store, API, local tools, Lambda handlers and CDK app.
      // The web app runs in the browser tests' Chromium, out of V8's sight here.
      include: ['packages/{domain,store,api,local}/src/**/*.ts', 'functions/src/**/*.ts', 'infra/{bin,lib}/**/*.ts'],
      exclude: ['**/*.test.ts', '**/fixtures/**'],
      reporter: ['text-summary', 'json-summary'],
      // The figures are printed even when a test fails, so a red run still says where coverage stands.
      reportOnFailure: true,
      thresholds: { statements: 93.1, branches: 84.2 },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit and integration',
          include: [
            'packages/*/src/**/*.test.ts',
            'functions/src/**/*.test.ts',
            'infra/test/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: ['test/e2e/**', 'test/local/marketplace.test.ts', '**/node_modules/**'],
          // One DynamoDB Local for the whole run; each test file makes its own tables in it.
          globalSetup: ['test/setup/dynamodb-local.ts'],
          // A worker keeps the modules it has loaded from one file to the next: every file imports
          // the API, the AWS SDK or the CDK, and importing them afresh for each file took 182 s of
          // the workers' time in a whole run (14% of ten API files' run on their own). So a file
          // that changes the process's environment or a global (process.env, a spy on console)
          // puts it back when it ends; the caches the API keeps are per store, so per table.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'local start',
          include: ['test/local/marketplace.test.ts'],
          // Starts and stops DynamoDB Local (Java) several times and loads data each time: run
          // apart from the 200-request allocation race, whose load made its requests time out.
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/e2e/**/*.test.ts'],
          // After the rest, on its own: Chromium and the marketplace's own DynamoDB Local would
          // otherwise compete on two cores with the tests that time DynamoDB Local's start.
          sequence: { groupOrder: 2 },
          // One file at a time: two marketplaces and two Chromiums on two cores left pages
          // unrendered for 30 s (CI of stop 21).
          fileParallelism: false,
        },
      },
    ],
  },
});
