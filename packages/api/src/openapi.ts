import { Hono, type Context, type Env as HonoEnv, type Handler, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import type * as z from 'zod/mini';
import { safeParseAsync } from 'zod/mini';
import type { FieldProblem } from '@placements/domain';
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

/** A request part that failed its schema: the part, its issues and the value as received. */
export interface ValidationFailure {
  target: string;
  issues: readonly z.core.$ZodIssue[];
  data: unknown;
}

/**
 * Answers the parts of a request that failed their schemas, and the body's rule problems if any,
 * all in one response (the API's own error shape).
 */
export type ValidationHook = (
  failures: readonly ValidationFailure[],
  c: Context,
  rules: readonly FieldProblem[],
) => Response;

/**
 * What a route adds to its body's schema problems when the body fails its schema: the problems of
 * its own rules on the fields that passed, so one 400 names every invalid field (not the schema's
 * now and the rules' after the caller has fixed those). `invalid` holds the body's top-level
 * fields the schema refused; the rules must not read them.
 */
export type BodyRules = (
  c: Context,
  body: Record<string, unknown>,
  invalid: ReadonlySet<string>,
) => Promise<FieldProblem[]>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
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

  /**
   * Registers a route: its parameters, query, headers and JSON body are validated before the
   * handler runs, and every part's problems are answered in one 400 (with the body's rules, when
   * the route has them and the body failed its schema).
   */
  openapi<const R extends RouteConfig>(
    route: R,
    handler: Handler<E, string, ValidatedInput<R>>,
    options: { bodyRules?: BodyRules } = {},
  ): this {
    const failures = new WeakMap<Context, ValidationFailure[]>();
    // Each part is checked and its failure kept, so that the parts after it are checked too.
    const check = (target: 'query' | 'param' | 'header' | 'json', schema: z.core.$ZodType) => {
      // Hono hands headers over with lower-case names: a schema's 'Idempotency-Key' still finds its header.
      const shape = (schema as { _zod: { def: { shape?: Record<string, unknown> } } })._zod.def.shape;
      const names =
        target === 'header' && shape ? new Map(Object.keys(shape).map((k) => [k.toLowerCase(), k])) : undefined;
      return validator(target, async (value, c) => {
        const input = names
          ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [names.get(k) ?? k, v]))
          : value;
        const result = await safeParseAsync(schema, input);
        if (result.success) return result.data as never;
        failures.set(c, [...(failures.get(c) ?? []), { target, issues: result.error.issues, data: input }]);
        return undefined as never;
      }) as MiddlewareHandler;
    };
    const answer = async (c: Context, withBodyRules: boolean): Promise<Response | undefined> => {
      const failed = failures.get(c);
      if (failed === undefined) return undefined;
      const body = failed.find((f) => f.target === 'json');
      if (withBodyRules && options.bodyRules && body && isObject(body.data) && failed.length === 1) {
        const invalid = new Set(body.issues.map((i) => String(i.path[0] ?? '')));
        return this.hook(failed, c, await options.bodyRules(c, body.data, invalid));
      }
      return this.hook(failed, c, []);
    };
    const validators: MiddlewareHandler[] = [
      async (_c, next) => {
        markRoute(this.contextName, route.path);
        await next();
      },
    ];
    const request = route.request;
    if (request?.query) validators.push(check('query', request.query));
    if (request?.params) validators.push(check('param', request.params));
    if (request?.headers) validators.push(check('header', request.headers));
    const content = request?.body?.content;
    const jsonSchema = content?.['application/json']?.schema;
    if (content !== undefined && jsonSchema !== undefined) {
      const declared = Object.keys(content);
      // A body in a media type the route does not take is refused before it is parsed (after the
      // other parts' problems, which come first as they always have).
      validators.push(async (c, next) => {
        const type = c.req.header('content-type');
        if (
          type
            ? !declared.some((d) => mediaMatches(type, d))
            : (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined
        ) {
          const earlier = await answer(c, false);
          if (earlier) return earlier;
          throw new HTTPException(415, { message: `This route takes ${declared.join(' or ')}` });
        }
        await next();
      });
      const validate = check('json', jsonSchema);
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
    validators.push(async (c, next) => {
      const failed = await answer(c, true);
      if (failed) return failed;
      await next();
    });
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
