import { type CommandIo, uploadArgs } from './upload-args.ts';
import { randomUUID } from 'node:crypto';
import { CASES_PER_REQUEST, chunkSheet, type SheetChunk } from '@placements/domain';

/** A problem the service reports, at its line of the sheet when it has one. */
export interface RowProblem {
  line?: number;
  field: string;
  message: string;
}

/** What POST /cases:bulk answers: the CaseBulkResult when any row was saved, the error body otherwise. */
export interface CasePartBody {
  received?: number;
  saved?: number;
  rejected?: number;
  cases?: { line: number; id: string; reference: string; ref?: string; alreadySaved?: boolean }[];
  problems?: RowProblem[];
  error?: { code?: string; message: string; details?: RowProblem[] };
}

export interface CasePartResult {
  /** 1-based part of the sheet, and how many rows it held. */
  part: number;
  rows: number;
  status: number;
  body: CasePartBody;
}

export interface CaseUploadOptions {
  text: string;
  baseUrl: string;
  token: string;
  rowsPerRequest?: number;
  fetchFn?: (url: string, init: RequestInit) => Response | Promise<Response>;
  onProgress?: (rowsDone: number, rowsTotal: number, result: CasePartResult) => void;
  /** Waits between retries (tests pass a short one). */
  retryDelayMs?: number;
}

const RETRIES = 3;

/**
 * Sends one part, retrying a lost connection or a 429/5xx with the same Idempotency-Key: the
 * service then finds the rows it saved already and opens none twice.
 */
async function sendPart(
  o: CaseUploadOptions,
  chunk: SheetChunk,
  key: string,
): Promise<{ status: number; body: CasePartBody }> {
  const fetchFn = o.fetchFn ?? fetch;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetchFn(`${o.baseUrl}/cases:bulk`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${o.token}`, 'idempotency-key': key },
        body: chunk.csv,
      });
      const body = (await res.json().catch(() => ({}))) as CasePartBody;
      if ((res.status === 429 || res.status >= 500) && attempt < RETRIES) {
        await new Promise((r) => setTimeout(r, (o.retryDelayMs ?? 1000) * 2 ** attempt));
        continue;
      }
      return { status: res.status, body };
    } catch (error) {
      if (attempt >= RETRIES)
        return {
          status: 0,
          body: { error: { message: `The service could not be reached: ${(error as Error).message}`, details: [] } },
        };
      await new Promise((r) => setTimeout(r, (o.retryDelayMs ?? 1000) * 2 ** attempt));
    }
  }
}

/** Uploads a sheet of cases to POST /cases:bulk in parts, one after another, each problem pointed at its line in the file. */
export async function uploadCases(options: CaseUploadOptions): Promise<CasePartResult[]> {
  const chunks = chunkSheet(options.text, options.rowsPerRequest ?? CASES_PER_REQUEST);
  const total = chunks.reduce((n, c) => n + c.rows, 0);
  const results: CasePartResult[] = [];
  let done = 0;
  for (const [i, chunk] of chunks.entries()) {
    const { status, body } = await sendPart(options, chunk, randomUUID());
    const mapLine = (d: { line?: number }) => {
      if (typeof d?.line === 'number') d.line = chunk.originalLine.get(d.line) ?? d.line;
    };
    for (const d of body?.error?.details ?? []) mapLine(d);
    for (const d of body?.problems ?? []) mapLine(d);
    for (const d of body?.cases ?? []) mapLine(d);
    const result = { part: i + 1, rows: chunk.rows, status, body };
    results.push(result);
    done += chunk.rows;
    options.onProgress?.(done, total, result);
  }
  return results;
}

/** What a whole upload came to: rows saved, and every problem by line across the parts. */
export function caseUploadSummary(results: CasePartResult[]) {
  const saved = results.flatMap((r) => (r.status === 200 ? (r.body.cases ?? []) : []));
  const problems = results
    .flatMap((r): RowProblem[] =>
      r.status === 200
        ? (r.body.problems ?? [])
        : (r.body?.error?.details ?? []).length > 0
          ? (r.body.error?.details ?? [])
          : [
              {
                field: 'part',
                message: `part ${r.part} (${r.rows} rows) was not saved: ${r.body?.error?.message ?? `status ${r.status}`}`,
              },
            ],
    )
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const rows = results.reduce((n, r) => n + r.rows, 0);
  return {
    rows,
    saved,
    problems,
  };
}

export function caseProgressBar(done: number, total: number, width = 30): string {
  const fraction = total === 0 ? 1 : done / total;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} rows ${Math.round(fraction * 100)}%`;
}

/**
 * npm run upload:cases -- <file.csv> [--token <jwt>] [--url <base url>]
 * Opens the cases of a sheet (docs/cases-upload.md) in parts of 50 rows, with a progress bar, and
 * prints every row not saved with its line in the file and all its problems. Answers the exit code:
 * 0 when every row was saved, 1 when one was not, 2 for a usage error.
 */
export async function uploadCasesCommand(
  io: CommandIo,
  fetchFn?: (url: string, init: RequestInit) => Response | Promise<Response>,
): Promise<number> {
  const args = uploadArgs('npm run upload:cases -- <file.csv> --token <LA token>', io);
  if (args === undefined) return 2;
  const results = await uploadCases({
    text: args.text,
    baseUrl: args.url,
    token: args.token,
    ...(fetchFn ? { fetchFn } : {}),
    onProgress: (done, total, r) => {
      const bar = caseProgressBar(done, total);
      io.err(io.tty ? `\r${bar}` : `${bar}  part ${r.part}: ${r.status}\n`);
    },
  });
  if (io.tty) io.err('\n');
  const { rows, saved, problems } = caseUploadSummary(results);
  const lines = new Map<string, typeof problems>();
  for (const p of problems) {
    const k = p.line === undefined ? '?' : String(p.line);
    lines.set(k, [...(lines.get(k) ?? []), p]);
  }
  for (const [line, ps] of lines) {
    io.out(`line ${line}: not saved`);
    for (const p of ps) io.out(`  ${p.field}: ${p.message}`);
  }
  io.out(
    `${saved.length} of ${rows} cases saved${lines.size > 0 ? `; ${lines.size} row${lines.size === 1 ? '' : 's'} not saved (above)` : ''}.`,
  );
  return saved.length === rows ? 0 : 1;
}
