import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
  PreTokenGenerationV2TriggerEvent,
} from 'aws-lambda';
import { buildReferenceData } from '@placements/local';
import { createStore, dropTable, ensureTable, loadReferenceData } from '@placements/store';

const load = <T = APIGatewayProxyEventV2>(name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as T;
const fixture = load('http-api-v2-get');
const context = {
  awsRequestId: 'req-1',
  functionName: 'capacity',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
const tableName = `lambda-${Date.now()}`;
const data = buildReferenceData({});

/** Real API Gateway v2 (and Cognito trigger) events through middy and the Hono adapter, against DynamoDB Local. */
async function loadHandler(name: 'capacity' | 'platform' | 'framework' | 'cases' | 'search') {
  vi.resetModules();
  // The Lambda builds its store at module scope from the environment, as in AWS.
  process.env.TABLE_NAME = tableName;
  process.env.DYNAMODB_ENDPOINT = inject('dynamoDbEndpoint');
  return (await import(`./${name}.ts`)).handler as (
    e: APIGatewayProxyEventV2,
    c: Context,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
}

beforeAll(async () => {
  const store = createStore({ tableName, endpoint: inject('dynamoDbEndpoint') });
  await ensureTable(store.db, tableName);
  await loadReferenceData(store.db, tableName, data, { source: 'generated', seed: 19 });
});
// The Lambdas read their configuration from the environment; the files run after this one in the
// same worker (vitest.config.ts: isolate false) get it back as it was.
const ENV_KEYS = ['TABLE_NAME', 'DYNAMODB_ENDPOINT', 'RESOURCE_SERVER', 'NOTIFY_API_KEY_SECRET'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
afterAll(async () => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await dropTable(createStore({ tableName, endpoint: inject('dynamoDbEndpoint') }).db, tableName);
});

describe('the Cognito pre token generation trigger', () => {
  type Event = PreTokenGenerationV2TriggerEvent;
  async function trigger() {
    vi.resetModules();
    process.env.RESOURCE_SERVER = 'placements';
    return (await import('./pre-token.ts')).handler as unknown as (e: Event, c: Context) => Promise<Event>;
  }

  it('adds the org claim and the role scope to the event Cognito sends', async () => {
    const out = await (await trigger())(load<Event>('cognito-pre-token-v2'), context);
    expect(out.response.claimsAndScopeOverrideDetails).toMatchObject({
      idTokenGeneration: { claimsToAddOrOverride: { org: 'E10000016' } },
      accessTokenGeneration: { claimsToAddOrOverride: { org: 'E10000016' }, scopesToAdd: ['placements/la'] },
    });
    expect(out.response.claimsAndScopeOverrideDetails!.accessTokenGeneration!.scopesToSuppress).toContain(
      'placements/national',
    );
  });

  it('fails the sign-in of a user with no role group', async () => {
    const event = load<Event>('cognito-pre-token-v2');
    event.request.groupConfiguration.groupsToOverride = ['staff'];
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await expect((await trigger())(event, context)).rejects.toThrow(/no role/);
    } finally {
      // Restored even when the expectation fails: later files in this worker log to the real console.
      quiet.mockRestore();
    }
  });
});

describe('a Lambda’s environment', () => {
  it('fails at cold start naming every variable that is wrong', async () => {
    const { lambdaDeps } = await import('./runtime.ts');
    expect(() => lambdaDeps({ DYNAMODB_ENDPOINT: 'localhost:8000' })).toThrow(
      'Lambda misconfigured: TABLE_NAME must name the marketplace DynamoDB table; DYNAMODB_ENDPOINT must be a URL such as http://127.0.0.1:8000',
    );
    expect(lambdaDeps({ TABLE_NAME: 'placements', AWS_REGION: 'eu-west-2' }).store.tableName).toBe('placements');
  });
});

describe('Lambda entry points', () => {
  it('answers GET /settings/{urn} from the capacity Lambda with the setting and its listings', async () => {
    const handler = await loadHandler('capacity');
    const res = await handler(fixture, context);
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body!);
    expect(body.urn).toBe('900001');
    expect(body.listings.length).toBe(data.settings.find((s) => s.urn === '900001')!.listings.length);
  });

  it('answers a bad query with the documented 400 shape, not a 500', async () => {
    const handler = await loadHandler('capacity');
    const event = {
      ...fixture,
      rawPath: '/settings',
      rawQueryString: 'la=Kent',
      queryStringParameters: { la: 'Kent' },
      requestContext: { ...fixture.requestContext, http: { ...fixture.requestContext.http, path: '/settings' } },
    };
    const res = await handler(event, context);
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).error.details[0].field).toBe('la');
  });

  it('takes the principal from the JWT authorizer claims, never from the path', async () => {
    const handler = await loadHandler('framework');
    const event = {
      ...fixture,
      rawPath: '/bands',
      requestContext: {
        ...fixture.requestContext,
        http: { ...fixture.requestContext.http, path: '/bands' },
        authorizer: {
          jwt: {
            claims: {
              sub: 'u1',
              'cognito:groups': '[la]',
              'custom:org': 'E10000016',
              token_use: 'access',
              scope: 'placements/la',
            },
            scopes: null,
          },
        },
      },
    } as unknown as APIGatewayProxyEventV2;
    expect((await handler(event, context)).statusCode).toBe(200);
    // Claims without a role are refused outright.
    const noRole = {
      ...event,
      requestContext: {
        ...event.requestContext,
        authorizer: { jwt: { claims: { sub: 'u1', 'custom:org': 'E10000016' } } },
      },
    } as unknown as APIGatewayProxyEventV2;
    expect((await handler(noRole, context)).statusCode).toBe(401);
    // An ID token (same claims, token_use "id") is not accepted in place of the access token.
    const idToken = {
      ...event,
      requestContext: {
        ...event.requestContext,
        authorizer: {
          jwt: { claims: { sub: 'u1', 'cognito:groups': '[la]', 'custom:org': 'E10000016', token_use: 'id' } },
        },
      },
    } as unknown as APIGatewayProxyEventV2;
    expect((await handler(idToken, context)).statusCode).toBe(401);
  });

  it('serves /health and the OpenAPI document from the platform Lambda', async () => {
    const handler = await loadHandler('platform');
    const health = await handler(
      {
        ...fixture,
        rawPath: '/health',
        requestContext: { ...fixture.requestContext, http: { ...fixture.requestContext.http, path: '/health' } },
      },
      context,
    );
    expect(JSON.parse(health.body!)).toMatchObject({ status: 'ok', store: 'reachable' });
    const doc = await handler(
      {
        ...fixture,
        rawPath: '/openapi.json',
        requestContext: { ...fixture.requestContext, http: { ...fixture.requestContext.http, path: '/openapi.json' } },
      },
      context,
    );
    const paths = Object.keys(JSON.parse(doc.body!).paths);
    expect(paths).toContain('/settings/{urn}');
    // The dev token route exists only in the local server.
    expect(paths).not.toContain('/dev/token');
  });

  it('opens a case from a Cognito-authorised POST, in the LA named by the token', async () => {
    const handler = await loadHandler('cases');
    const event = load('http-api-v2-jwt-post');
    const res = await handler(event, context);
    expect(res.statusCode, res.body).toBe(201);
    expect(JSON.parse(res.body!)).toMatchObject({ ref: 'LAMBDA-1', laCode: 'E10000016', state: 'open' });
    // A tenant in the body is refused, never obeyed: the LA is the token's org.
    const smuggled = { ...event, body: JSON.stringify({ ...JSON.parse(event.body!), laCode: 'E06000035' }) };
    const refused = await handler(smuggled, context);
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body!).error.details.map((d: { field: string }) => d.field)).toContain('laCode');
  });

  it('reads a base64-encoded CSV upload from a provider', async () => {
    const handler = await loadHandler('capacity');
    const res = await handler(load('http-api-v2-base64-csv'), context);
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body!)).toMatchObject({ urn: '900001', received: 1, created: 1 });
    // Read back as the same provider (its authorizer claims): only it sees filled beside available.
    const upload = load<APIGatewayProxyEventV2WithJWTAuthorizer>('http-api-v2-base64-csv');
    const asProvider = {
      ...fixture,
      requestContext: { ...fixture.requestContext, authorizer: upload.requestContext.authorizer },
    } as APIGatewayProxyEventV2;
    const setting = JSON.parse((await handler(asProvider, context)).body!);
    expect(setting.listings.find((l: { listingId: string }) => l.listingId === 'm1-lambda')).toMatchObject({
      commissioned: 6,
      filled: 2,
      available: 4,
    });
  });

  it('keeps both values of a repeated query parameter', async () => {
    const handler = await loadHandler('search');
    const res = await handler(load('http-api-v2-repeated-query'), context);
    expect(res.statusCode, res.body).toBe(200);
    const items = JSON.parse(res.body!).items as { listing: { needs: string[] } }[];
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item.listing.needs).toEqual(expect.arrayContaining(['ASD', 'SEMH']));
  });

  it('answers 401 on a protected route when API Gateway sent no verified claims, whatever the header says', async () => {
    const handler = await loadHandler('cases');
    const { authorizer: _none, ...requestContext } = load('http-api-v2-jwt-post')
      .requestContext as APIGatewayProxyEventV2['requestContext'] & { authorizer?: unknown };
    const res = await handler({ ...load('http-api-v2-jwt-post'), requestContext } as APIGatewayProxyEventV2, context);
    expect(res.statusCode).toBe(401);
  });

  it('refuses to start without TABLE_NAME, saying what is missing', async () => {
    const { lambdaDeps } = await import('./runtime.ts');
    expect(() => lambdaDeps({})).toThrow(/TABLE_NAME/);
  });
});

describe('the background Lambdas (schedule and streams), against DynamoDB Local', () => {
  /** Loads a background function fresh with the table's environment and no email configured. */
  async function background<E, R>(name: 'escalation' | 'round-worker' | 'stream' | 'notifications-stream') {
    vi.resetModules();
    process.env.TABLE_NAME = tableName;
    process.env.DYNAMODB_ENDPOINT = inject('dynamoDbEndpoint');
    delete process.env.NOTIFY_API_KEY_SECRET;
    return (await import(`./${name}.ts`)).handler as (e: E, c: Context) => Promise<R>;
  }
  type Batch = { Records: { eventID?: string; eventName?: string; dynamodb?: Record<string, unknown> }[] };
  type Failures = { batchItemFailures: { itemIdentifier: string }[] };
  // A committed change no handler acts on (an item type nobody listens to): the batch succeeds.
  const unrelated: Batch = {
    Records: [
      {
        eventID: 'e1',
        eventName: 'INSERT',
        dynamodb: {
          SequenceNumber: '100',
          ApproximateCreationDateTime: Math.floor(Date.now() / 1000) - 2,
          NewImage: { pk: { S: 'X#1' }, sk: { S: 'X#1' }, itemType: { S: 'unrelated' } },
        },
      },
    ],
  };

  it('the timeliness job checks every LA’s cases and reports what it raised', async () => {
    const handler = await background<unknown, { lasChecked: number; casesChecked: number; raised: object }>(
      'escalation',
    );
    const run = await handler({}, context);
    expect(run.lasChecked).toBeGreaterThan(0);
    // The case opened through the cases Lambda above, today: checked, and nothing yet to escalate.
    expect(run.casesChecked).toBe(1);
    expect(run.raised).toEqual({});
  });

  it('the stream consumers and the round worker accept an empty batch and a change they do not act on', async () => {
    for (const name of ['stream', 'notifications-stream', 'round-worker'] as const) {
      const handler = await background<Batch, Failures>(name);
      expect(await handler({ Records: [] }, context), name).toEqual({ batchItemFailures: [] });
      expect(await handler(unrelated, context), name).toEqual({ batchItemFailures: [] });
    }
  });
});

describe('email in the Lambdas (lambdaNotifier)', () => {
  const deps = { store: {} } as Parameters<typeof import('./notifier.ts').lambdaNotifier>[0];

  it('tells nobody when the function was given no Notify key, rather than failing its other work', async () => {
    const { lambdaNotifier } = await import('./notifier.ts');
    expect(await lambdaNotifier(deps, {})).toBeUndefined();
  });

  it('fails at cold start naming every email variable that is missing or wrong', async () => {
    const { lambdaNotifier } = await import('./notifier.ts');
    await expect(
      lambdaNotifier(deps, { NOTIFY_API_KEY_SECRET: 'notify-key', APP_URL: 'not a url', NOTIFY_TEMPLATES: '{' }),
    ).rejects.toThrow(
      /^Notifications misconfigured: USER_POOL_ID must name the Cognito user pool; EMAIL_DEAD_LETTER_QUEUE_URL must be the email dead-letter queue; APP_URL must be the web app origin, such as https:\/\/placements.example.gov.uk; .+/,
    );
  });
});
