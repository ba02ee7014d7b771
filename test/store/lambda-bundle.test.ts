import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createStore, dropTable, ensureTable } from '@placements/store';
import { defaultProvider, MissingLambdaCredentialsError } from '@placements/store/lambda/credentials';
import { BUNDLING, REPO_ROOT } from '../../infra/lib/context-function.ts';

const ENV_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

describe('the credential provider the Lambda bundles use', () => {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  afterAll(() => {
    for (const k of ENV_KEYS)
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
  });

  it('reads the function role’s credentials from the variables Lambda sets, and the SDK signs DynamoDB requests with them', async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
    });
    expect(await defaultProvider()()).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
    });
    // Wired as the aliased client wires it: the client's default provider, no credentials given.
    const client = new DynamoDBClient({
      endpoint: inject('dynamoDbEndpoint'),
      region: 'eu-west-2',
      credentialDefaultProvider: defaultProvider as never,
    });
    const res = await client.send(new ListTablesCommand({ Limit: 1 }));
    expect(res.$metadata.httpStatusCode).toBe(200);
    expect((await client.config.credentials()).accessKeyId).toBe('ASIAEXAMPLE');
  });

  it('fails saying where credentials were expected when the variables are missing', async () => {
    for (const k of ENV_KEYS) delete process.env[k];
    await expect(defaultProvider()()).rejects.toThrow(MissingLambdaCredentialsError);
    await expect(defaultProvider()()).rejects.toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
  });
});

describe('a Lambda bundle built with the stack’s esbuild options', () => {
  let dir: string;
  let inputs: string[];
  let file: string;
  const tableName = `bundle-${Date.now()}`;
  const store = () => createStore({ tableName, endpoint: inject('dynamoDbEndpoint') });
  beforeAll(async () => {
    await ensureTable(store().db, tableName);
    dir = mkdtempSync(join(tmpdir(), 'placements-bundle-'));
    const alias = Object.fromEntries(
      (BUNDLING.esbuildArgs!['--alias'] as string[]).map((a) => [
        a.slice(0, a.indexOf('=')),
        a.slice(a.indexOf('=') + 1),
      ]),
    );
    const result = await build({
      entryPoints: { index: join(REPO_ROOT, 'functions', 'src', 'platform.ts') },
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: BUNDLING.target,
      minify: true,
      mainFields: [...BUNDLING.mainFields!],
      banner: { js: BUNDLING.banner! },
      alias,
      metafile: true,
      logLevel: 'error',
    });
    // What the bundle holds: the files with bytes in the output (esbuild also lists what it shook out).
    const output = Object.values((result.metafile as Metafile).outputs).find((o) => o.entryPoint !== undefined)!;
    inputs = Object.entries(output.inputs)
      .filter(([, i]) => i.bytesInOutput > 0)
      .map(([path]) => path);
    file = join(dir, 'index.mjs');
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropTable(store().db, tableName);
  });

  it('leaves out what can never run in Lambda: the rest of the credential chain, event streams, other locales, an OpenAPI library', () => {
    const has = (fragment: string) => inputs.filter((i) => i.includes('node_modules') && i.includes(fragment));
    expect(has('credential-provider-'), 'credential providers').toEqual([]);
    expect(has('nested-clients'), 'STS and SSO clients').toEqual([]);
    expect(has('event-streams'), 'event streams').toEqual([]);
    expect(
      has('zod/v4/locales/').filter((i) => !/\/(en|index)\.js$/.test(i)),
      'zod locales other than English',
    ).toEqual([]);
    expect(has('zod-openapi').concat(has('zod-to-openapi')), 'OpenAPI libraries').toEqual([]);
    expect(readFileSync(file).length).toBeLessThan(1.2 * 1024 * 1024);
  });

  it('serves /health and the OpenAPI document from the bundle alone, against DynamoDB Local', () => {
    const probe = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(file).href)});
      const event = (path) => ({ version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', headers: { host: 'api.example' }, isBase64Encoded: false,
        requestContext: { http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' }, requestId: 'r', routeKey: '$default', stage: '$default', time: '', timeEpoch: 0, accountId: '1', apiId: 'a', domainName: 'api.example', domainPrefix: 'api' } });
      const context = { awsRequestId: 'req-1' };
      const health = await handler(event('/health'), context);
      const doc = await handler(event('/openapi.json'), context);
      process.stdout.write(JSON.stringify({ health: health.statusCode, store: JSON.parse(health.body).store, doc: doc.statusCode, paths: Object.keys(JSON.parse(doc.body).paths).length }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        TABLE_NAME: tableName,
        AWS_REGION: 'eu-west-2',
        DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint'),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    const result = JSON.parse(out.slice(out.indexOf('{"health"')));
    expect(result).toMatchObject({ health: 200, store: 'reachable', doc: 200 });
    expect(result.paths).toBeGreaterThan(30);
  });
});
