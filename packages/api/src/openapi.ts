import { zValidator } from '@hono/zod-validator';
import { Hono, type Context, type Env as HonoEnv, type Handler, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type * as z from 'zod/mini';
import { markRoute } from '@placements/store';

/**
 * Routes declared once, with their zod schemas, and used twice: to validate requests (here) and
 * to write the OpenAPI document (openapi-document.ts, loaded only where the document is served).
 * This replaces @hono/zod-openapi, which needs all of zod and an OpenAPI generator in every Lambda
 * at start-up; schemas (zod/mini) carry their names and examples as zod's own metadata
 * (`.check(z.meta({ id }))`), and response schemas are builders (lazySchema) no Lambda calls.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface MediaType {
  schema: z.core.$ZodType;
  example?: unknown;
}

/** A response's schema may be a builder: only the OpenAPI document reads it, so Lambdas never build it. */
export interface ResponseMediaType {
  schema: z.core.$ZodType | (() => z.core.$ZodType);
  example?: unknown;
}

export interface ResponseConfig {
  description: string;
  content?: Record<string, ResponseMediaType>;
}

/**
 * A schema built on first use and kept. For response schemas: the API never validates what it
 * sends, so they are read only when the OpenAPI document is written, never at a Lambda's start-up.
 */
export function lazySchema<T extends z.core.$ZodType>(build: () => T): () => T {
  let schema: T | undefined;
  return () => (schema ??= build());
}

export interface RouteConfig {
  method: Method;
  /** OpenAPI path syntax: /cases/{id}. */
  path: string;
  /** Defaults to one derived from method and path (see operationIdOf in openapi-document.ts). */
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: Array<Record<string, string[]>>;
  request?: {
    params?: z.core.$ZodType;
    query?: z.core.$ZodType;
    headers?: z.core.$ZodType;
    body?: { required?: boolean; description?: string; content: Record<string, MediaType> };
  };
  responses: Record<number, ResponseConfig>;
}

/** Types a route as written, so the handler's c.req.valid() knows each part's parsed shape. */
export const createRoute = <const R extends RouteConfig>(route: R): R => route;

type Part<R, K extends string, T extends string> = R extends { request: { [k in K]: infer S extends z.core.$ZodType } }
  ? { [t in T]: z.output<S> }
  : Record<never, never>;
type JsonBody<R> = R extends {
  request: { body: { content: { 'application/json': { schema: infer S extends z.core.$ZodType } } } };
}
  ? { json: z.output<S> }
  : Record<never, never>;
/** What c.req.valid(target) returns in a route's handler. */
export type ValidatedInput<R> = {
  out: Part<R, 'params', 'param'> & Part<R, 'query', 'query'> & Part<R, 'headers', 'header'> & JsonBody<R>;
};

/** Called after every validation; answers a failed one in the API's own error shape. */
export type ValidationHook = (
  result:
    | { success: true; target: string }
    | { success: false; error: { issues: readonly z.core.$ZodIssue[] }; target: string },
  c: Context,
) => Response | undefined;

const isJson = (type: string) => /^application\/([a-z0-9.+-]*\+)?json$/i.test(type.split(';')[0]!.trim());
const mediaMatches = (header: string, declared: string) =>
  header.split(';')[0]!.trim().toLowerCase() === declared.toLowerCase();

/** A context's Hono app whose routes are declared with createRoute and listed for the document. */
export class ApiApp<E extends HonoEnv> extends Hono<E> {
  /** The routes this app declared, in order: what GET /openapi.json documents. */
  readonly documented: RouteConfig[] = [];
  /** The bounded context's name, for the log lines of its routes (set where it is mounted). */
  contextName: string | undefined;

  constructor(private readonly hook: ValidationHook) {
    super();
  }

  /** Registers a route: its parameters, query, headers and JSON body are validated before the handler runs. */
  openapi<const R extends RouteConfig>(route: R, handler: Handler<E, string, ValidatedInput<R>>): this {
    const hook = this.hook as never;
    const validators: MiddlewareHandler[] = [
      async (_c, next) => {
        markRoute(this.contextName, route.path);
        await next();
      },
    ];
    const request = route.request;
    if (request?.query) validators.push(zValidator('query', request.query, hook) as MiddlewareHandler);
    if (request?.params) validators.push(zValidator('param', request.params, hook) as MiddlewareHandler);
    if (request?.headers) validators.push(zValidator('header', request.headers, hook) as MiddlewareHandler);
    const content = request?.body?.content;
    const jsonSchema = content?.['application/json']?.schema;
    if (content !== undefined && jsonSchema !== undefined) {
      const declared = Object.keys(content);
      // A body in a media type the route does not take is refused before it is parsed.
      validators.push(async (c, next) => {
        const type = c.req.header('content-type');
        if (
          type
            ? !declared.some((d) => mediaMatches(type, d))
            : (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined
        ) {
          throw new HTTPException(415, { message: `This route takes ${declared.join(' or ')}` });
        }
        await next();
      });
      const validate = zValidator('json', jsonSchema, hook) as MiddlewareHandler;
      validators.push(
        request?.body?.required
          ? validate
          : async (c, next) => {
              if (isJson(c.req.header('content-type') ?? '')) return validate(c, next);
              c.req.addValidatedData('json', {});
              await next();
            },
      );
    }
    (this.on as (method: string, path: string, ...handlers: never[]) => unknown)(
      route.method.toUpperCase(),
      route.path.replaceAll(/\/{(.+?)}/g, '/:$1'),
      ...(validators as never[]),
      handler as never,
    );
    this.documented.push(route);
    return this;
  }

  /** Documents a route whose handler is registered by hand (a path Hono's syntax cannot express). */
  document(route: RouteConfig): this {
    this.documented.push(route);
    return this;
  }
}
