import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { repoRoot } from './data-dir.ts';

/**
 * The contract check every in-process API response goes through (seededApp's request): a 2xx body
 * must validate against the response schema the committed OpenAPI document gives for that method,
 * route and status. It throws, so the test whose request got a body off the contract fails.
 */
type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };
export const openApi = JSON.parse(readFileSync(join(repoRoot, 'packages/api/openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

// The document is JSON Schema 2020-12 inside; its OpenAPI-only keywords (example, ...) are not
// schema errors, and formats are the API's own business (zod checks them where they are parsed).
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(openApi, 'openapi.json');

/** Literal segments before templated ones, so /cases/bulk is not read as /cases/{id}. */
const templates = Object.keys(openApi.paths)
  .map((template) => ({
    template,
    params: (template.match(/{/g) ?? []).length,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/{[^}]+}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params);

export const routeOf = (method: string, path: string): string | undefined =>
  templates.find((t) => t.pattern.test(path) && openApi.paths[t.template]?.[method.toLowerCase()])?.template;

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
const compiled = new Map<string, ValidateFunction>();

/** Served beside the contract, not in it: the document itself and the local-only token minting. */
const OUTSIDE_THE_DOCUMENT = new Set(['/openapi.json', '/dev/token']);

/** Throws when a 2xx JSON body is not what the document promises for its route. */
export function checkContract(method: string, url: string, status: number, contentType: string | null, body: unknown) {
  if (status < 200 || status > 299) return;
  const path = new URL(url, 'http://localhost').pathname;
  if (OUTSIDE_THE_DOCUMENT.has(path)) return;
  const route = routeOf(method, path);
  const where = `${method.toUpperCase()} ${path} ${status}`;
  if (route === undefined)
    throw new Error(`Contract: ${where} answered 2xx but the OpenAPI document has no such route`);
  const op = openApi.paths[route]![method.toLowerCase()]!;
  const response = op.responses?.[String(status)];
  if (response === undefined) throw new Error(`Contract: ${where} is not a documented status of ${route}`);
  if (!/^application\/([a-z0-9.+-]*\+)?json/i.test(contentType ?? '') || body === undefined) return;
  const type = Object.keys(response.content ?? {}).find((t) => /json/i.test(t));
  if (type === undefined) throw new Error(`Contract: ${where} sent JSON but ${route} documents no JSON body`);
  const ref = `openapi.json#/${pointer('paths', route, method.toLowerCase(), 'responses', String(status), 'content', type, 'schema')}`;
  let validate = compiled.get(ref);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: ref });
    compiled.set(ref, validate);
  }
  if (!validate(body))
    throw new Error(
      `Contract: the body of ${where} (route ${route}) does not match its OpenAPI schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}`,
    );
}
