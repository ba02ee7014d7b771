import * as z from 'zod/mini';
import type { MediaType, ResponseMediaType, RouteConfig } from './openapi.ts';

/**
 * The OpenAPI 3.1 document of the declared routes, from their zod schemas. OpenAPI 3.1 schemas
 * are JSON Schema 2020-12, which zod writes itself; every schema named with `z.meta({ id })` is a
 * component referenced by $ref. Schemas are described as sent (zod's input side: before defaults
 * and transforms), which for responses, having neither, is what the API sends; the output side
 * would also close every object (additionalProperties: false), which responses do not promise.
 */

export interface DocumentInfo {
  title: string;
  version: string;
  description?: string;
  license?: { name: string; identifier?: string; url?: string };
}

const pascal = (word: string) =>
  word
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/**
 * A route's operationId, from its method and path (`get /cases/{id}/placements` is
 * getCasesByIdPlacements): stable while the route is, and unique because method and path are.
 * A route may name its own with `operationId`.
 */
export const operationIdOf = (route: Pick<RouteConfig, 'method' | 'path' | 'operationId'>): string =>
  route.operationId ??
  route.method +
    route.path
      .split('/')
      .map((segment) => {
        const param = /^{(.+)}$/.exec(segment);
        return param ? `By${pascal(param[1]!)}` : pascal(segment);
      })
      .join('');

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
};

const REF = (id: string) => `#/components/schemas/${id}`;
const PARAMETER_IN = { params: 'path', query: 'query', headers: 'header' } as const;

/** Response schemas are given as builders (see lazySchema); here is where they are built. */
const built = (m: MediaType | ResponseMediaType): z.core.$ZodType =>
  typeof m.schema === 'function' ? m.schema() : m.schema;

/** Converts schemas in bulk, so named ones become $refs and nothing is converted twice. */
function convert(schemas: z.core.$ZodType[]) {
  const registry = z.registry<{ id: string }>();
  // Every named schema joins, so references resolve to components rather than local copies.
  for (const [id, schema] of z.globalRegistry._idmap) registry.add(schema as z.core.$ZodType, { id: String(id) });
  const anonymous = new Map<z.core.$ZodType, string>();
  for (const schema of schemas) {
    const id = z.globalRegistry.get(schema)?.id;
    if (id === undefined && !anonymous.has(schema)) {
      anonymous.set(schema, `__inline${anonymous.size}`);
      registry.add(schema, { id: anonymous.get(schema)! });
    }
  }
  const { schemas: out } = z.toJSONSchema(registry, {
    io: 'input',
    uri: REF,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    // .int() says "a safe integer" with two bounds of 2^53 on every count; that is noise here.
    override: ({ jsonSchema }) => {
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
    },
  }) as { schemas: Record<string, JsonSchema> };
  const strip = (s: JsonSchema): JsonSchema => {
    const { $schema: _schema, $id: _id, id: _metaId, ...rest } = s;
    return rest;
  };
  const components = Object.fromEntries(
    Object.entries(out)
      .filter(([id]) => !id.startsWith('__'))
      .map(([id, s]) => [id, strip(s)]),
  );
  const schemaOf = (schema: z.core.$ZodType): JsonSchema => {
    const id = z.globalRegistry.get(schema)?.id;
    return id !== undefined ? { $ref: REF(id) } : strip(out[anonymous.get(schema)!]!);
  };
  return { components, schemaOf };
}

export function openApiDocument(
  routes: readonly RouteConfig[],
  info: DocumentInfo,
  securitySchemes: Record<string, unknown>,
  servers: readonly { url: string; description?: string }[] = [],
) {
  const schemas: z.core.$ZodType[] = [];
  const bodies = (content: Record<string, MediaType | ResponseMediaType> | undefined) => {
    for (const m of Object.values(content ?? {})) schemas.push(built(m));
  };
  for (const route of routes) {
    for (const key of ['params', 'query', 'headers'] as const)
      if (route.request?.[key]) schemas.push(route.request[key]);
    bodies(route.request?.body?.content);
    for (const response of Object.values(route.responses)) bodies(response.content);
  }
  const converted = convert(schemas);

  const content = (media: Record<string, MediaType | ResponseMediaType>) =>
    Object.fromEntries(
      Object.entries(media).map(([type, m]) => [
        type,
        { schema: converted.schemaOf(built(m)), ...(m.example !== undefined ? { example: m.example } : {}) },
      ]),
    );

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const key of ['params', 'query', 'headers'] as const) {
      const schema = route.request?.[key];
      if (schema === undefined) continue;
      const object = converted.schemaOf(schema);
      const required = new Set(object.required ?? []);
      for (const [name, property] of Object.entries(object.properties ?? {})) {
        const where = PARAMETER_IN[key];
        parameters.push({
          schema: property,
          required: where === 'path' || required.has(name),
          ...(property.description ? { description: property.description } : {}),
          name,
          in: where,
        });
      }
    }
    const body = route.request?.body;
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      operationId: operationIdOf(route),
      ...(route.tags ? { tags: route.tags } : {}),
      ...(route.summary ? { summary: route.summary } : {}),
      ...(route.description ? { description: route.description } : {}),
      // Protected routes declare their scheme; any other is public, which the document says
      // outright (`security: []`) rather than leaving a reader to guess.
      security: route.security ?? [],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body
        ? {
            requestBody: {
              ...(body.description ? { description: body.description } : {}),
              required: body.required ?? false,
              content: content(body.content),
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, r]) => [
          status,
          { description: r.description, ...(r.content ? { content: content(r.content) } : {}) },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    ...(servers.length > 0 ? { servers } : {}),
    components: { securitySchemes, schemas: reachable(paths, converted.components) },
    paths,
  };
}

/**
 * The components the paths reference, directly or through other components. zod's registry holds
 * every named schema built in the process (the local /dev/token's too, once asked for), and the
 * document lists only those its routes use.
 */
function reachable(paths: unknown, components: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const refs = (value: unknown) =>
    [...JSON.stringify(value).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
  const kept = new Set<string>();
  const queue = refs(paths);
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    if (kept.has(id) || components[id] === undefined) continue;
    kept.add(id);
    queue.push(...refs(components[id]));
  }
  return Object.fromEntries(Object.entries(components).filter(([id]) => kept.has(id)));
}
