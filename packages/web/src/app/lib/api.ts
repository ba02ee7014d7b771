import type { paths } from './api-types.generated.ts';

/** One invalid field or row of a 4xx answer (docs/api.md: error details). */
export interface ApiErrorDetail {
  field?: string;
  message: string;
  line?: number;
  [more: string]: unknown;
}

/** An answer from the API that was not a success, with the error body's code, message and details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetail[] = [],
  ) {
    super(message);
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

let baseUrl = '';
let tokenOf: () => string | undefined = () => undefined;
let onSignedOut: (message: string) => void = () => {};

export function configureApi(options: {
  baseUrl: string;
  token: () => string | undefined;
  onSignedOut: (message: string) => void;
}): void {
  baseUrl = options.baseUrl;
  tokenOf = options.token;
  onSignedOut = options.onSignedOut;
}

export const apiUrl = (path: string) => `${baseUrl}${path}`;
export const bearer = () => tokenOf();

/** Turns a non-2xx answer into an ApiError; a 401 also ends the session. */
export function errorFrom(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: string; message?: string; details?: ApiErrorDetail[] } } | undefined)?.error;
  const error = new ApiError(
    status,
    e?.code ?? 'http_error',
    e?.message ?? `The service answered ${status}.`,
    e?.details ?? [],
  );
  if (status === 401) onSignedOut(error.message);
  return error;
}

/** Calls the API with the signed-in person's token; JSON in and out. For routes outside the document only. */
export async function request<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const token = tokenOf();
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method: options.method ?? 'GET',
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'The service could not be reached. Check your connection and try again.');
  }
  const text = await res.text();
  const parsed = text === '' ? undefined : JSON.parse(text);
  if (!res.ok) throw errorFrom(res.status, parsed);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

// The typed client: paths are the document's templates ('/cases/{id}'), and the path parameters, query and
// body each route takes, and the body it answers, come from the types openapi-typescript generates from
// packages/api/openapi.json (api-types.generated.ts), so a screen that asks for a route, field or
// parameter the API does not have fails to type-check.
type Method = 'get' | 'post' | 'put' | 'delete';
/** The document's paths that have this method. */
export type PathOf<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never;
}[keyof paths];
type Op<P extends keyof paths, M extends Method> = paths[P][M];
type PathParams<O> = O extends { parameters: { path: infer X } } ? X : undefined;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Q : undefined;
type JsonBody<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : undefined;
/** The JSON body of the route's 2xx answer(s). */
export type Answer<O> = O extends { responses: infer R }
  ? {
      [S in keyof R]: S extends 200 | 201 | 202 | 204
        ? R[S] extends { content: { 'application/json': infer B } }
          ? B
          : undefined
        : never;
    }[keyof R]
  : never;
type Part<K extends string, V> = [V] extends [undefined] | [never]
  ? { [_ in K]?: undefined }
  : object extends V
    ? { [_ in K]?: V }
    : { [_ in K]: V };
type HeaderParams<O> = O extends { parameters: { header?: infer H } } ? H : undefined;
export type CallOptions<O> = Part<'path', PathParams<O>> &
  Part<'query', QueryParams<O>> &
  Part<'body', JsonBody<O>> &
  Part<'headers', HeaderParams<O>>;
/** The JSON body a route takes. */
export type RequestBody<M extends Method, P extends PathOf<M>> = JsonBody<Op<P, M>>;
/** The query a GET route takes. */
export type QueryOf<P extends PathOf<'get'>> = NonNullable<QueryParams<Op<P, 'get'>>>;
/** Options may be left out when the route needs none. */
type OptionsArg<O> = object extends CallOptions<O> ? [options?: CallOptions<O>] : [options: CallOptions<O>];

/** The document's path template filled in: each {name} replaced by its parameter, URL-encoded, then the query. */
export function pathFor(template: string, options: { path?: object; query?: object } = {}): string {
  const params = (options.path ?? {}) as Record<string, string | number>;
  const filled = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`No value for {${name}} in ${template}`);
    return encodeURIComponent(String(value));
  });
  return filled + query((options.query ?? {}) as Parameters<typeof query>[0]);
}

/** Calls one route of the document; the answer's body is typed by the route's 2xx responses. */
export async function call<M extends Method, P extends PathOf<M>>(
  method: M,
  path: P,
  ...[options]: OptionsArg<Op<P, M>>
): Promise<ApiResponse<Answer<Op<P, M>>>> {
  const opts = (options ?? {}) as { path?: object; query?: object; body?: unknown; headers?: Record<string, string> };
  return request<Answer<Op<P, M>>>(pathFor(path, opts), {
    method: method.toUpperCase(),
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    ...(opts.headers !== undefined ? { headers: opts.headers } : {}),
  });
}

/** GET one route; its answer's body. */
export const get = async <P extends PathOf<'get'>>(path: P, ...options: OptionsArg<Op<P, 'get'>>) =>
  (await call('get', path, ...options)).body;
export const post = <P extends PathOf<'post'>>(path: P, ...options: OptionsArg<Op<P, 'post'>>) =>
  call('post', path, ...options);
export const put = <P extends PathOf<'put'>>(path: P, ...options: OptionsArg<Op<P, 'put'>>) =>
  call('put', path, ...options);

/** The item of a list route's page. */
type ItemOf<P extends PathOf<'get'>> = Answer<Op<P, 'get'>> extends { items: (infer T)[] } ? T : never;

/** Every page of a list route, following nextCursor (bounded, in case of a loop). */
export async function getAll<P extends PathOf<'get'>>(
  path: P,
  ...[options]: OptionsArg<Op<P, 'get'>>
): Promise<ItemOf<P>[]> {
  const opts = (options ?? {}) as { path?: object; query?: Record<string, unknown> };
  const items: ItemOf<P>[] = [];
  let cursor: string | null | undefined;
  for (let page = 0; page < 50; page++) {
    const q = { ...opts.query, limit: 200, ...(cursor ? { cursor } : {}) };
    const body = (
      await request<{ items: ItemOf<P>[]; nextCursor?: string | null }>(pathFor(path, { ...opts, query: q }))
    ).body;
    items.push(...body.items);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return items;
}

export function query(params: Record<string, string | number | boolean | readonly string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
