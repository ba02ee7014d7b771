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

/** Calls the API with the signed-in person's token; JSON in and out. */
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

export const get = async <T = unknown>(path: string) => (await request<T>(path)).body;

/** Every page of a list route, following nextCursor (bounded, in case of a loop). */
export async function getAll<T = unknown>(path: string, maxPages = 50): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  for (let page = 0; page < maxPages; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const body = await get<{ items: T[]; nextCursor?: string | null }>(
      `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
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
