import { createHash } from 'node:crypto';
import {
  ConflictError,
  MAX_CASES_PER_UPLOAD,
  sheetProblem,
  ValidationError,
  type Case,
  type CaseInput,
  type ParsedCaseSheet,
  type RowProblem,
} from '@placements/domain';
import type { Principal } from '../auth.ts';
import type { Deps } from '../http.ts';
import { caseChecksMemo, caseReferenceProblems, openCase } from './cases.ts';
import { inParallel } from './parallel.ts';

export interface SavedRow {
  line: number;
  id: string;
  /** The marketplace's reference for the case. */
  reference: string;
  /** The LA's own reference, when the row gave one. */
  ref?: string;
  /** Saved by an earlier attempt with the same Idempotency-Key: not opened twice. */
  alreadySaved?: true;
}

export interface CaseBulkResult {
  received: number;
  saved: number;
  rejected: number;
  cases: SavedRow[];
  /** Every problem of every row not saved, by line and column. */
  problems: RowProblem[];
}

/** Nothing in the sheet could be saved: every problem, by line. */
export class CasesRejectedError extends ValidationError {
  constructor(problems: RowProblem[]) {
    const rows = new Set(problems.map((p) => p.line ?? 0));
    super(
      problems,
      `No case was saved: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${rows.size} row${rows.size === 1 ? '' : 's'}. Fix them and upload those rows again.`,
    );
  }
}

/**
 * A row's case id when the upload carries an Idempotency-Key: the same LA, key and line give the
 * same id, so a retried request finds rows it saved already (the case's put is conditioned on
 * its id being new) instead of opening them twice. Shaped as a UUID (version 8: derived).
 */
export function rowCaseId(laCode: string, key: string, line: number): string {
  const h = createHash('sha256').update(`${laCode}|${key}|${line}`).digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const sameCase = (c: Case, input: CaseInput) =>
  c.band === input.band &&
  c.age === input.age &&
  c.homeDistrict === input.homeDistrict &&
  c.needs.join() === input.needs.join();

/**
 * Opens the cases of a sheet: each row is checked exactly as opening one case and recording its
 * preferences are (the same code), and saved with its preferences in a transaction of its own.
 * Every valid row is saved; every invalid row is reported by its line with all its problems;
 * no row is ever half-written.
 */
export async function bulkOpenCases(
  deps: Deps,
  principal: Principal,
  parsed: ParsedCaseSheet,
  options: { idempotencyKey?: string } = {},
): Promise<CaseBulkResult> {
  const received = parsed.rows.length + parsed.rejected.length;
  if (parsed.problems.some((p) => p.field === 'header' || (p.line === 2 && p.field === 'row')))
    throw new CasesRejectedError(parsed.problems);
  if (received > MAX_CASES_PER_UPLOAD) {
    throw new ValidationError(
      [
        {
          field: 'body',
          message: `has ${received} cases; send at most ${MAX_CASES_PER_UPLOAD} in one request (npm run upload:cases and the web app split a sheet for you)`,
        },
      ],
      `The sheet has ${received} cases; at most ${MAX_CASES_PER_UPLOAD} go in one request.`,
    );
  }
  const memo = caseChecksMemo();
  const problems: RowProblem[] = [...parsed.problems];
  // A row with a bad shape is still checked against the marketplace where it can be, so the
  // person fixes everything in one go.
  await inParallel(parsed.rejected, 8, async (r) => {
    const found = await caseReferenceProblems(
      deps,
      { ...(r.band ? { band: r.band } : {}), ...(r.homeDistrict ? { homeDistrict: r.homeDistrict } : {}) },
      memo,
    );
    problems.push(...found.map((p) => sheetProblem(r.line, p.field, p.message)));
  });
  const saved: SavedRow[] = [];
  // A few rows at a time: each is its own transaction; the reads they share are made once.
  await inParallel(parsed.rows, 4, async (row) => {
    const id =
      options.idempotencyKey === undefined ? undefined : rowCaseId(principal.org, options.idempotencyKey, row.line);
    try {
      const c = await openCase(deps, principal, row.input, {
        preferences: row.preferences,
        memo,
        ...(id ? { id } : {}),
      });
      saved.push({ line: row.line, id: c.id, reference: c.reference, ...(c.ref ? { ref: c.ref } : {}) });
    } catch (error) {
      if (error instanceof ValidationError) {
        problems.push(...error.problems.map((p) => sheetProblem(row.line, p.field, p.message)));
        return;
      }
      if (error instanceof ConflictError && error.code === 'case_exists' && id !== undefined) {
        const earlier = await deps.store.cases.getCase(principal.org, id);
        if (earlier !== undefined && sameCase(earlier, row.input)) {
          saved.push({
            line: row.line,
            id,
            reference: earlier.reference,
            ...(earlier.ref ? { ref: earlier.ref } : {}),
            alreadySaved: true,
          });
          return;
        }
        problems.push({
          line: row.line,
          field: 'Idempotency-Key',
          message: 'was used before for a different sheet; send a new key for a new sheet',
        });
        return;
      }
      // The store failed (a 503 follows): a retry with the same Idempotency-Key saves the rest, never a row twice.
      throw error;
    }
  });
  const byLine = (a: { line?: number }, b: { line?: number }) => (a.line ?? 0) - (b.line ?? 0);
  problems.sort(byLine);
  saved.sort(byLine);
  if (saved.length === 0 && problems.length > 0) throw new CasesRejectedError(problems);
  return { received, saved: saved.length, rejected: new Set(problems.map((p) => p.line)).size, cases: saved, problems };
}
