import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { buildReferenceData } from '@placements/local';
import { createStore, dropTable, ensureTable, loadReferenceData } from '@placements/store';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/http-api-v2-get.json', import.meta.url), 'utf8')) as APIGatewayProxyEventV2;
const context = { awsRequestId: 'req-1', functionName: 'capacity', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const tableName = `lambda-${Date.now()}`;
const data = buildReferenceData({});

/** Real API Gateway v2 events through middy and the Hono adapter, against DynamoDB Local. */
async function loadHandler(name: 'capacity' | 'platform' | 'framework') {
  vi.resetModules();
  // The Lambda builds its store at module scope from the environment, as in AWS.
  process.env.TABLE_NAME = tableName;
  process.env.DYNAMODB_ENDPOINT = inject('dynamoDbEndpoint');
  return (await import(`./${name}.ts`)).handler as (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
}

beforeAll(async () => {
  const store = createStore({ tableName, endpoint: inject('dynamoDbEndpoint') });
  await ensureTable(store.db, tableName);
  await loadReferenceData(store.db, tableName, data, { source: 'generated', seed: 19 });
});
afterAll(async () => {
  await dropTable(createStore({ tableName, endpoint: inject('dynamoDbEndpoint') }).db, tableName);
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
    const event = { ...fixture, rawPath: '/settings', rawQueryString: 'la=Kent', queryStringParameters: { la: 'Kent' }, requestContext: { ...fixture.requestContext, http: { ...fixture.requestContext.http, path: '/settings' } } };
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
        authorizer: { jwt: { claims: { sub: 'u1', 'cognito:groups': '[la]', 'custom:org': 'E10000016' }, scopes: null } },
      },
    } as unknown as APIGatewayProxyEventV2;
    expect((await handler(event, context)).statusCode).toBe(200);
    // Claims without a role are refused outright.
    const noRole = { ...event, requestContext: { ...event.requestContext, authorizer: { jwt: { claims: { sub: 'u1', 'custom:org': 'E10000016' } } } } } as unknown as APIGatewayProxyEventV2;
    expect((await handler(noRole, context)).statusCode).toBe(401);
  });

  it('serves /health and the OpenAPI document from the platform Lambda', async () => {
    const handler = await loadHandler('platform');
    const health = await handler({ ...fixture, rawPath: '/health', requestContext: { ...fixture.requestContext, http: { ...fixture.requestContext.http, path: '/health' } } }, context);
    expect(JSON.parse(health.body!)).toMatchObject({ status: 'ok', store: 'reachable' });
    const doc = await handler({ ...fixture, rawPath: '/openapi.json', requestContext: { ...fixture.requestContext, http: { ...fixture.requestContext.http, path: '/openapi.json' } } }, context);
    const paths = Object.keys(JSON.parse(doc.body!).paths);
    expect(paths).toContain('/settings/{urn}');
    // The dev token route exists only in the local server.
    expect(paths).not.toContain('/dev/token');
  });

  it('refuses to start without TABLE_NAME, saying what is missing', async () => {
    const { lambdaDeps } = await import('./runtime.ts');
    expect(() => lambdaDeps({})).toThrow(/TABLE_NAME/);
  });
});
