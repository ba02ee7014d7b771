import { CaseInputSchema, PreferencesSchema, type CaseInput, type Preferences } from './case.ts';
import { csvObjects } from './csv.ts';
import type { RowProblem } from './listing-upload.ts';

/**
 * Cases in bulk (docs/cases-upload.md): one row per case, the same fields as opening one case
 * (POST /cases) and recording its preferences (PUT /cases/{id}/preferences).
 */
export const CASE_CSV_COLUMNS = [
  'needs',
  'band',
  'age',
  'homeDistrict',
  'holder',
  'ranked',
  'mainstreamRequested',
] as const;
/** `ref`: the LA's own reference, where the LA keeps one; checked as when opening one case. */
export const CASE_CSV_OPTIONAL = ['ref', 'postSixteen', 'phaseTransferDeadline'] as const;
/** Rows one request takes: each is a transaction of its own, and the request must answer well within its timeout. */
export const MAX_CASES_PER_UPLOAD = 100;

/** A row whose fields have the right shape, to be checked against the marketplace and saved. */
export interface CaseSheetRow {
  line: number;
  input: CaseInput;
  preferences: Preferences;
}

/** A row with problems of shape; its band and district, where they had the right shape, are still checked against the marketplace. */
export interface RejectedCaseRow {
  line: number;
  band?: string;
  homeDistrict?: string;
}

export interface ParsedCaseSheet {
  rows: CaseSheetRow[];
  rejected: RejectedCaseRow[];
  problems: RowProblem[];
}

const text = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
const number = (v: string | undefined) => {
  const t = text(v);
  return t !== undefined && /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
};
const list = (v: string | undefined) => (v ?? '').split(/[;|\s]+/).filter(Boolean);
/** true/false (also yes/no, y/n, 1/0, any case); empty is absent; anything else stays text, for the schema to name. */
const yesNo = (v: string | undefined) => {
  const t = text(v)?.toLowerCase();
  if (t === undefined) return undefined;
  if (['true', 'yes', 'y', '1'].includes(t)) return true;
  if (['false', 'no', 'n', '0'].includes(t)) return false;
  return t;
};
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** `ranked.2` → the ranked column, with which preference it is in the message. */
export function sheetProblem(line: number, field: string, message: string): RowProblem {
  const m = /^ranked\.(\d+)$/.exec(field);
  return m
    ? { line, field: 'ranked', message: `preference ${Number(m[1]) + 1}: ${message}` }
    : { line, field, message };
}

/**
 * Reads the documented CSV: each row's problems of shape by line and column, with the same
 * schemas as opening one case and recording its preferences. A sheet whose header is wrong is
 * refused as a whole (line 1).
 */
export function parseCasesCsv(csv: string): ParsedCaseSheet {
  const { header, rows } = csvObjects(csv);
  const problems: RowProblem[] = [];
  const known = [...CASE_CSV_COLUMNS, ...CASE_CSV_OPTIONAL] as readonly string[];
  const missing = CASE_CSV_COLUMNS.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !known.includes(h));
  if (missing.length > 0) {
    problems.push({
      line: 1,
      field: 'header',
      message: `is missing the column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
    });
  }
  if (unknown.length > 0) {
    problems.push({
      line: 1,
      field: 'header',
      message: `has column${unknown.length === 1 ? '' : 's'} this upload does not know: ${unknown.join(', ')}. A case holds no child’s identity (no name, date of birth, UPN or address); the columns are ${known.join(', ')}`,
    });
  }
  if (problems.length > 0) return { rows: [], rejected: [], problems };
  if (rows.length === 0)
    return {
      rows: [],
      rejected: [],
      problems: [{ line: 2, field: 'row', message: 'the file has a header but no cases' }],
    };

  const out: CaseSheetRow[] = [];
  const rejected: RejectedCaseRow[] = [];
  const refs = new Map<string, number>();
  for (const { line, values } of rows) {
    const rowProblems: RowProblem[] = [];
    const caseFields = defined({
      ref: text(values.ref),
      needs: list(values.needs),
      band: text(values.band),
      age: number(values.age),
      homeDistrict: text(values.homeDistrict),
      postSixteen: yesNo(values.postSixteen),
      phaseTransferDeadline: text(values.phaseTransferDeadline),
    });
    const prefFields = defined({
      holder: text(values.holder),
      ranked: list(values.ranked),
      mainstreamRequested: yesNo(values.mainstreamRequested),
    });
    const input = CaseInputSchema.safeParse(caseFields);
    const prefs = PreferencesSchema.safeParse(prefFields);
    for (const issue of [...(input.success ? [] : input.error.issues), ...(prefs.success ? [] : prefs.error.issues)]) {
      rowProblems.push(sheetProblem(line, issue.path.map(String).join('.') || 'row', issue.message));
    }
    const ref = typeof caseFields.ref === 'string' ? caseFields.ref : undefined;
    if (ref !== undefined) {
      const first = refs.get(ref);
      if (first !== undefined)
        rowProblems.push({ line, field: 'ref', message: `${ref} appears twice; first at line ${first}` });
      else refs.set(ref, line);
    }
    if (rowProblems.length === 0 && input.success && prefs.success) {
      out.push({ line, input: input.data, preferences: prefs.data });
      continue;
    }
    problems.push(...rowProblems);
    const bad = new Set(rowProblems.map((p) => p.field));
    rejected.push({
      line,
      ...(!bad.has('band') && typeof caseFields.band === 'string' ? { band: caseFields.band } : {}),
      ...(!bad.has('homeDistrict') && typeof caseFields.homeDistrict === 'string'
        ? { homeDistrict: caseFields.homeDistrict.toUpperCase() }
        : {}),
    });
  }
  return { rows: out, rejected, problems };
}
