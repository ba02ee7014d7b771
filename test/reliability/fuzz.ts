/**
 * Property-based fuzzing of every route, derived from the served OpenAPI document: path
 * parameters, query, headers (Authorization, If-Match, Idempotency-Key, Content-Type) and bodies
 * (schema-shaped values, mutations of them, any JSON, raw text). Whatever is sent, the answer is
 * never a 5xx and every error carries the documented shape. Used by test/api/fuzz.test.ts (a few
 * hundred cases, fixed seed) and by the reliability run (thousands).
 */
import fc from 'fast-check';

/** How a case reaches the API: in-process (`app.request`) or over HTTP. */
export type Send = (
  method: string,
  path: string,
  init: { headers: Record<string, string>; body?: string },
) => Promise<{ status: number; text: string; headers: Headers }>;

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. /cases/{id}/allocate */
  path: string;
  params: { in: 'path' | 'query' | 'header'; name: string; schema: JsonSchema }[];
  body?: { contentTypes: string[]; schema?: JsonSchema };
}

type JsonSchema = Record<string, any>;

/** Every operation of the document, with $refs resolved. */
export function operationsOf(doc: any): Operation[] {
  const resolve = (s: any): any =>
    s && typeof s === 'object' && typeof s.$ref === 'string'
      ? resolve(doc.components?.schemas?.[s.$ref.split('/').at(-1)])
      : s;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
      const content = op.requestBody?.content ?? {};
      const contentTypes = Object.keys(content);
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: any) => ({ in: p.in, name: p.name, schema: resolve(p.schema) ?? {} })),
        ...(contentTypes.length > 0
          ? { body: { contentTypes, schema: resolve(content['application/json']?.schema) } }
          : {}),
      });
    }
  }
  return ops;
}

/** Values shaped by a JSON schema (often valid, sometimes not), so fuzzing gets past the first check. */
export function fromSchema(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 4) return fc.jsonValue({ maxDepth: 2 });
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0)
    return fc.oneof(...alternatives.map((s: JsonSchema) => fromSchema(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      if (typeof schema.pattern === 'string') {
        try {
          return fc.stringMatching(new RegExp(schema.pattern)).map((s) => s.slice(0, schema.maxLength ?? 200));
        } catch {
          return fc.string();
        }
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 200) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 100_000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema(schema.items, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      });
    case 'object': {
      const props = Object.entries<JsonSchema>(schema.properties ?? {});
      const required = new Set<string>(schema.required ?? []);
      const record = Object.fromEntries(props.map(([k, s]) => [k, fromSchema(s, depth + 1)]));
      return fc.record(record, { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid-looking value with one thing broken: a key dropped, a value replaced, a key added. */
function mutated(base: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      base,
      fc.nat(),
      fc.jsonValue({ maxDepth: 2 }),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('drop', 'replace', 'add'),
    )
    .map(([v, i, value, key, how]) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return value;
      const o = { ...(v as Record<string, unknown>) };
      const keys = Object.keys(o);
      const k = keys.length > 0 ? keys[i % keys.length]! : key;
      if (how === 'drop') delete o[k];
      else if (how === 'replace') o[k] = value;
      else o[key || 'extra'] = value;
      return o;
    });
}

export interface FuzzIdentities {
  /** Valid tokens of several roles and tenants. */
  valid: string[];
  expired: string;
  /** Signed with another key. */
  foreign: string;
}

/** Known identifiers by path parameter name, so some cases reach real records. */
export type Samples = Record<string, string[]>;

export interface FuzzCase {
  op: Operation;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const printable = fc.string({ maxLength: 60 });
const nastyText = fc.oneof(
  printable,
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'NaN',
    'null',
    '[]',
    '{}',
    '../../etc',
    '%',
    "'",
    '"',
    '\\',
    'A'.repeat(5000),
    '2026-02-30',
    '9'.repeat(30),
  ),
);

function authorisation(ids: FuzzIdentities): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ids.valid).map((t) => `Bearer ${t}`) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `Bearer ${ids.expired}`,
        `Bearer ${ids.foreign}`,
        'Bearer',
        'Bearer a.b.c',
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        `bearer  ${ids.valid[0]}x`,
      ),
    },
    { weight: 1, arbitrary: printable.map((s) => `Bearer ${s}`) },
    { weight: 1, arbitrary: printable },
  );
}

function segment(name: string, schema: JsonSchema, samples: Samples): fc.Arbitrary<string> {
  const known = samples[name] ?? [];
  const arbs: fc.Arbitrary<string>[] = [fromSchema(schema).map(String), nastyText];
  if (known.length > 0) arbs.unshift(fc.constantFrom(...known), fc.constantFrom(...known));
  return fc.oneof(...arbs).map((s) => encodeSegment(s === '' ? ' ' : s));
}

/** encodeURIComponent, with lone surrogates (which it refuses) replaced first. */
function encodeSegment(s: string): string {
  return encodeURIComponent(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?'));
}

/** One request for `op`: path, query, headers and body, each sometimes right and often wrong. */
export function caseFor(op: Operation, ids: FuzzIdentities, samples: Samples): fc.Arbitrary<FuzzCase> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const headerParams = op.params.filter((p) => p.in === 'header');
  const path = fc
    .tuple(...pathParams.map((p) => segment(p.name, p.schema, samples)))
    .map((values) => pathParams.reduce((s, p, i) => s.replace(`{${p.name}}`, values[i]!), op.path));
  const queryValue = (schema: JsonSchema) =>
    fc.oneof(
      fromSchema(schema).map((v) => (Array.isArray(v) ? v.map(String) : [String(v)])),
      fc.array(nastyText, { minLength: 1, maxLength: 3 }),
    );
  const query = fc
    .tuple(
      fc
        .subarray(queryParams)
        .chain((ps) =>
          fc.tuple(...ps.map((p) => queryValue(p.schema).map((vs) => vs.map((v) => [p.name, v] as const)))),
        ),
      fc.array(fc.tuple(fc.oneof(printable, fc.constantFrom('limit', 'cursor', 'la', 'need')), nastyText), {
        maxLength: 2,
      }),
    )
    .map(([documented, extra]) => {
      const q = new URLSearchParams();
      for (const pairs of documented) for (const [k, v] of pairs) q.append(k, v);
      for (const [k, v] of extra) if (k !== '') q.append(k, v);
      const s = q.toString();
      return s === '' ? '' : `?${s}`;
    });
  const headerValue = fc.oneof(fc.constantFrom('1', '2', '"1"', 'W/"1"', '*', 'key-1', 'fuzz-key'), printable);
  const headers = fc
    .tuple(
      authorisation(ids),
      fc.tuple(
        ...headerParams.map((h) =>
          fc.option(fc.oneof(fromSchema(h.schema).map(String), headerValue), { nil: undefined }),
        ),
      ),
      fc.option(
        fc.constantFrom(
          'application/json',
          'text/csv',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
          'application/json; charset=utf-8',
          'garbage',
        ),
        { nil: undefined },
      ),
      fc.option(fc.tuple(fc.constantFrom('if-match', 'idempotency-key', 'x-forwarded-for', 'accept'), headerValue), {
        nil: undefined,
      }),
    )
    .map(([auth, documented, contentType, extra]) => {
      const h: Record<string, string> = {};
      if (auth !== undefined) h.authorization = auth;
      headerParams.forEach((p, i) => {
        if (documented[i] !== undefined) h[p.name] = documented[i]!.replace(/[\r\n]/g, '');
      });
      if (extra !== undefined) h[extra[0]] = extra[1];
      if (contentType !== undefined) h['content-type'] = contentType;
      return h;
    });
  const bodyArb: fc.Arbitrary<string | undefined> =
    op.method === 'GET'
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: 4, arbitrary: fromSchema(op.body?.schema).map((v) => JSON.stringify(v)) },
          { weight: 4, arbitrary: mutated(fromSchema(op.body?.schema)).map((v) => JSON.stringify(v)) },
          { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
          { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
          {
            weight: 1,
            arbitrary: fc.constantFrom(undefined, '', '{', '{"a":', 'null', '[]', 'urn,listingId\n1,2', '\u0000'),
          },
        );
  return fc.tuple(path, query, headers, bodyArb).map(([p, q, h, body]) => {
    // A body mostly goes with its content type, so validation behind the parser is reached.
    if (body !== undefined && h['content-type'] === undefined && op.body !== undefined)
      h['content-type'] = op.body.contentTypes[0]!;
    return { op, method: op.method, path: `${p}${q}`, headers: h, ...(body !== undefined ? { body } : {}) };
  });
}

/** Any operation's case, every operation equally likely. */
export function anyCase(ops: Operation[], ids: FuzzIdentities, samples: Samples): fc.Arbitrary<FuzzCase> {
  return fc.oneof(...ops.map((op) => caseFor(op, ids, samples)));
}

const SNAKE = /^[a-z][a-z0-9_]*$/;

/**
 * What is wrong with an answer, or undefined: a 5xx, an error body not in the documented shape
 * `{error: {code, message, details}}`, or a 400 whose details do not each name a field.
 */
export function problemWith(res: { status: number; text: string }): string | undefined {
  if (res.status >= 500) return `status ${res.status}: ${res.text.slice(0, 300)}`;
  if (res.status < 400) return undefined;
  let body: any;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `status ${res.status} with a body that is not JSON: ${res.text.slice(0, 200)}`;
  }
  const e = body?.error;
  if (e === undefined || typeof e !== 'object')
    return `status ${res.status} without an error object: ${res.text.slice(0, 200)}`;
  if (typeof e.code !== 'string' || !SNAKE.test(e.code))
    return `status ${res.status}: error.code ${JSON.stringify(e.code)} is not snake_case`;
  if (typeof e.message !== 'string' || e.message.trim() === '') return `status ${res.status}: error.message is empty`;
  if (!Array.isArray(e.details)) return `status ${res.status}: error.details is not an array`;
  if (res.status === 400) {
    if (e.details.length === 0) return '400 without details naming a field';
    for (const d of e.details) {
      if (typeof d?.field !== 'string' || typeof d?.message !== 'string')
        return `400 detail without field and message: ${JSON.stringify(d)}`;
    }
  }
  return undefined;
}

export interface FuzzRun {
  cases: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
  failures: { route: string; request: Omit<FuzzCase, 'op'>; problem: string }[];
}

/** Sends `count` generated cases (seeded) one after another and collects the problems. */
export async function fuzz(
  send: Send,
  ops: Operation[],
  ids: FuzzIdentities,
  samples: Samples,
  count: number,
  seed: number,
  deadline = Infinity,
): Promise<FuzzRun> {
  const run: FuzzRun = { cases: 0, byStatus: {}, byRoute: {}, failures: [] };
  const batch = 200;
  for (let done = 0; done < count && Date.now() < deadline; done += batch) {
    const cases = fc.sample(anyCase(ops, ids, samples), { numRuns: Math.min(batch, count - done), seed: seed + done });
    for (const c of cases) {
      const route = `${c.method} ${c.op.path}`;
      const res = await send(c.method, c.path, {
        headers: c.headers,
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
      run.cases++;
      run.byStatus[res.status] = (run.byStatus[res.status] ?? 0) + 1;
      run.byRoute[route] = (run.byRoute[route] ?? 0) + 1;
      const problem = problemWith(res);
      if (problem !== undefined) {
        const { op: _op, ...request } = c;
        run.failures.push({ route, request, problem });
      }
    }
  }
  return run;
}

/** A path with sample (or placeholder) values in its parameters, for the fixed checks. */
export function concretePath(op: Operation, samples: Samples): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(samples[name]?.[0] ?? 'x1'));
}

export interface FixedChecks {
  checked: number;
  failures: string[];
}

/**
 * On every route: a body over 1 MiB answers 413 (routes that take a body), and a malformed, an
 * expired or a foreign-signed token answers 401, each in the documented shape.
 */
export async function fixedChecks(
  send: Send,
  ops: Operation[],
  ids: FuzzIdentities,
  samples: Samples,
  maxBodyBytes: number,
): Promise<FixedChecks> {
  const out: FixedChecks = { checked: 0, failures: [] };
  const expect = (what: string, res: { status: number; text: string }, status: number) => {
    out.checked++;
    const problem =
      res.status !== status
        ? `answered ${res.status}, expected ${status}: ${res.text.slice(0, 160)}`
        : problemWith(res);
    if (problem !== undefined) out.failures.push(`${what}: ${problem}`);
  };
  for (const op of ops) {
    const path = concretePath(op, samples);
    const route = `${op.method} ${op.path}`;
    if (op.method !== 'GET') {
      const big = `{"x":"${'a'.repeat(maxBodyBytes)}"}`;
      expect(
        `${route} with a ${big.length}-byte body`,
        await send(op.method, path, {
          headers: {
            authorization: `Bearer ${ids.valid[0]}`,
            'content-type': op.body?.contentTypes[0] ?? 'application/json',
          },
          body: big,
        }),
        413,
      );
    }
    for (const [label, authorization] of [
      ['a malformed token', 'Bearer not.a.token'],
      ['an expired token', `Bearer ${ids.expired}`],
      ['a token signed by another key', `Bearer ${ids.foreign}`],
      ['a non-Bearer Authorization', 'Basic dXNlcjpwYXNz'],
    ] as const) {
      const res = await send(op.method, path, {
        headers: { authorization, 'content-type': 'application/json' },
        ...(op.method === 'GET' ? {} : { body: '{}' }),
      });
      expect(`${route} with ${label}`, res, 401);
    }
  }
  return out;
}
