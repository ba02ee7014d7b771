import { describe, expect, it } from 'vitest';
import { checkContract, openApi } from '../support/contract.ts';

// Every API test's 2xx bodies are checked against the document as they arrive (test/support/store.ts
// calls checkContract); this file checks the check, and that no response schema promises nothing.

const resolve = (schema: unknown): unknown => {
  const ref = (schema as { $ref?: string } | undefined)?.$ref;
  return ref ? resolve(openApi.components.schemas[ref.replace('#/components/schemas/', '')]) : schema;
};

describe('the OpenAPI contract of responses', () => {
  it('gives every JSON 2xx response a schema that says something (never any or empty)', () => {
    const empty: string[] = [];
    for (const [path, ops] of Object.entries(openApi.paths))
      for (const [method, op] of Object.entries(ops))
        for (const [status, response] of Object.entries(op.responses ?? {}))
          for (const [type, media] of Object.entries(response.content ?? {})) {
            if (!status.startsWith('2') || !/json/i.test(type)) continue;
            const schema = resolve(media.schema);
            if (schema === undefined || schema === true || Object.keys(schema as object).length === 0)
              empty.push(`${method.toUpperCase()} ${path} ${status}`);
          }
    expect(empty).toEqual([]);
  });

  it('refuses a body off the schema, an undocumented route and an undocumented status', () => {
    const json = 'application/json';
    expect(() => checkContract('GET', '/bands', 200, json, { nothing: 'like bands' })).toThrow(/does not match/);
    expect(() => checkContract('GET', '/no-such-route', 200, json, {})).toThrow(/no such route/);
    expect(() => checkContract('GET', '/health', 299, json, {})).toThrow(/not a documented status/);
    // Errors are not the contract's business here: only 2xx bodies are checked.
    expect(() => checkContract('GET', '/bands', 404, json, { nothing: 1 })).not.toThrow();
  });
});
