import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import {
  ConflictError,
  ContendedError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnavailableError,
  QuotaExceededError,
  UnprocessableError,
  ValidationError,
  type FieldProblem,
} from '@placements/domain';
import { randomUUID } from 'node:crypto';
import {
  businessMetrics,
  currentRequestKeys,
  inRequestScope,
  log,
  type RequestKeys,
  type Store,
} from '@placements/store';
import { UnauthenticatedError, type Authenticator, type Principal } from './auth.ts';
import { ApiApp } from './openapi.ts';

/** What every context app is built from; the local server and each Lambda supply their own. */
export interface Deps {
  store: Store;
  auth: Authenticator;
  now?: () => Date;
  /** Limits that keep one LA from hoarding places; defaults in services/quota.ts. */
  limits?: {
    heldUnnamedPerLa?: number;
    allocationsPerMinute?: number;
    roundsPerMinute?: number;
    /** Most actions a round's commit transaction is planned with (DynamoDB's limit, 100, unless smaller). */
    roundCommitActions?: number;
  };
}

export interface Env {
  Variables: { principal: Principal | undefined; deps: Deps; requestKeys: RequestKeys };
}

/** What hono/aws-lambda passes as c.env in Lambda; locally (Node's server) neither field is there. */
interface LambdaBindings {
  event?: { requestContext?: { requestId?: string } };
}

/**
 * One log line per request (the route as documented, status, duration, the caller's role and
 * organisation) and `x-request-id` on every response: API Gateway's request id in AWS, so a
 * user's report can be found in the logs; a fresh UUID locally. Runs once per request even when
 * every context is mounted on one app (the local server).
 */
export function requestScope(): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (c.get('requestKeys') !== undefined) return next();
    const bindings = (c.env ?? {}) as LambdaBindings;
    const keys: RequestKeys = { request_id: bindings.event?.requestContext?.requestId ?? randomUUID() };
    c.set('requestKeys', keys);
    const started = performance.now();
    await inRequestScope(keys, async () => {
      await next();
      c.header('x-request-id', keys.request_id);
      const status = c.res.status;
      const line = { method: c.req.method, status, ms: Math.round(performance.now() - started) };
      if (status >= 500) log.warn('request', line);
      else log.info('request', line);
    });
  };
}

/** Request bodies above this answer 413 before any parsing. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function errorBody(code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

interface ZodIssueLike {
  path: PropertyKey[];
  message: string;
  code: string;
  keys?: string[];
}

/**
 * Zod issues as fields a person can fix. Unknown keys become one problem each, so a typo such as
 * `?laa=` is named rather than silently ignored.
 */
export function problemsFromIssues(issues: readonly ZodIssueLike[], target: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.keys !== undefined) {
      for (const key of issue.keys)
        problems.push({ field: key, message: `is not a ${target} parameter of this route` });
      continue;
    }
    const field = issue.path.map(String).join('.') || target;
    problems.push({ field, message: issue.message });
  }
  return problems;
}

const TARGET_WORDS: Record<string, string> = { query: 'query', param: 'path', json: 'body', header: 'header' };

/**
 * A bounded context's app: validation failures in our 400 shape with every field named, the
 * principal taken from the token once per request, and every error mapped by handleError.
 */
export function contextApp(deps: Deps) {
  const app = new ApiApp<Env>((failures, c, rules) => {
    const problems = [
      ...failures.flatMap((f) =>
        problemsFromIssues(f.issues as readonly ZodIssueLike[], TARGET_WORDS[f.target] ?? f.target),
      ),
      ...rules,
    ];
    const e = new ValidationError(problems);
    return c.json(errorBody(e.code, e.message, problems), 400);
  });
  app.use('*', requestScope());
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json(
          errorBody(
            'payload_too_large',
            `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB; split it into smaller requests.`,
          ),
          413,
        ),
    }),
  );
  app.use('*', async (c, next) => {
    // Contexts mounted together share middleware; authenticate once per request.
    if (c.get('deps') === undefined) {
      c.set('deps', deps);
      const principal = await deps.auth.authenticate({ authorization: c.req.header('authorization'), env: c.env });
      c.set('principal', principal);
      const keys = currentRequestKeys();
      if (keys !== undefined && principal !== undefined)
        Object.assign(keys, { role: principal.role, org: principal.org });
    }
    await next();
  });
  app.onError(handleError);
  return app;
}

/** Maps every error to the documented shape; nothing internal leaks into a 500. */
export function handleError(error: Error, c: Context): Response {
  if (error instanceof ValidationError) return c.json(errorBody(error.code, error.message, error.problems), 400);
  if (error instanceof UnauthenticatedError) {
    c.header('WWW-Authenticate', 'Bearer');
    return c.json(errorBody(error.code, error.message), 401);
  }
  if (error instanceof ForbiddenError) return c.json(errorBody(error.code, error.message), 403);
  if (error instanceof NotFoundError) return c.json(errorBody(error.code, error.message), 404);
  if (error instanceof ConflictError) {
    businessMetrics.conflict(error.code);
    if (error instanceof ContendedError) c.header('Retry-After', String(error.retryAfterSeconds));
    return c.json(errorBody(error.code, error.message, error.details), 409);
  }
  if (error instanceof PreconditionFailedError)
    return c.json(errorBody(error.code, error.message, [{ current: error.current }]), 412);
  if (error instanceof PreconditionRequiredError)
    return c.json(errorBody(error.code, error.message, [{ current: error.current }]), 428);
  if (error instanceof QuotaExceededError) {
    c.header('Retry-After', String(error.retryAfterSeconds));
    return c.json(
      errorBody(error.code, error.message, [{ limit: error.limit, retryAfterSeconds: error.retryAfterSeconds }]),
      429,
    );
  }
  if (error instanceof UnprocessableError) return c.json(errorBody(error.code, error.message, error.problems), 422);
  if (error instanceof UnavailableError) {
    c.header('Retry-After', String(error.retryAfterSeconds));
    return c.json(errorBody(error.code, error.message), 503);
  }
  if (error instanceof DomainError) return c.json(errorBody(error.code, error.message), 400);
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 400) {
      // Hono's own 400s are about the body it could not parse (malformed JSON, wrong content type).
      const message = /json/i.test(error.message)
        ? 'is not valid JSON; check quotes, commas and brackets'
        : error.message;
      return c.json(
        errorBody('invalid_request', `The request body could not be read: ${message}.`, [{ field: 'body', message }]),
        400,
      );
    }
    const code = status === 413 ? 'payload_too_large' : 'http_error';
    return c.json(errorBody(code, error.message || 'The request could not be processed.'), status);
  }
  // The stack with the request's id (answered as x-request-id), so a user's report leads here.
  log.error('unhandled error', error);
  return c.json(
    errorBody(
      'internal_error',
      'Something went wrong on our side; it has been logged. Try again, and tell us if it persists.',
    ),
    500,
  );
}
