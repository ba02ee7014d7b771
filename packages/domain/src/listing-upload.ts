import { csvObjects, parseCsv } from './csv.ts';

/** The header's own quoting error, if any (csvObjects drops the header record). */
const parseCsvHeaderError = (text: string) => parseCsv(text)[0]?.error;
import type { FieldProblem } from './errors.ts';
import { LISTING_ID_PATTERN, ListingInputSchema, type ListingInput } from './listing.ts';

/** The bulk upload's CSV columns, in the documented order (docs/listings-upload.md). */
export const LISTING_CSV_COLUMNS = [
  'listingId',
  'band',
  'needs',
  'ageMin',
  'ageMax',
  'attendance',
  'commissioned',
  'filled',
  'availableFrom',
  'price',
  'variationReason',
] as const;
/** Optional: `urn` lets one file hold many settings (the upload tool splits it); `version` guards a row against a concurrent edit. */
export const LISTING_CSV_OPTIONAL = ['urn', 'version'] as const;
const REQUIRED = LISTING_CSV_COLUMNS.filter((c) => c !== 'price' && c !== 'variationReason');

/** A problem with one row of an upload: CSV rows by line number, JSON rows by position (1-based). */
export interface RowProblem extends FieldProblem {
  line?: number;
  row?: number;
}

export interface UploadRow {
  line?: number;
  row?: number;
  listingId: string;
  urn?: string;
  version?: number;
  input: ListingInput;
}

export interface ParsedUpload {
  rows: UploadRow[];
  problems: RowProblem[];
}

type Where = { line: number } | { row: number };

/** Checks one row's shape (listingId, version and the listing fields), naming each bad field. */
function checkRow(
  raw: Record<string, unknown>,
  where: Where,
  seen: Map<string, Where>,
): { row?: UploadRow; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const { listingId, urn, version, ...fields } = raw;
  if (typeof listingId !== 'string' || !LISTING_ID_PATTERN.test(listingId)) {
    problems.push({
      ...where,
      field: 'listingId',
      message: 'is required: lower-case letters, digits and hyphens, such as s2-day',
    });
  } else if (seen.has(listingId)) {
    const first = seen.get(listingId)!;
    problems.push({
      ...where,
      field: 'listingId',
      message: `${listingId} appears twice; first at ${'line' in first ? `line ${first.line}` : `row ${first.row}`}`,
    });
  } else {
    seen.set(listingId, where);
  }
  if (version !== undefined && (typeof version !== 'number' || !Number.isInteger(version) || version < 1)) {
    problems.push({
      ...where,
      field: 'version',
      message: 'must be the listing version you last saw (a whole number), or left empty',
    });
  }
  const parsed = ListingInputSchema.safeParse(fields);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ ...where, field: key, message: 'is not a listing field' });
      } else {
        problems.push({ ...where, field: issue.path.map(String).join('.') || 'row', message: issue.message });
      }
    }
  }
  if (problems.length > 0 || !parsed.success) return { problems };
  return {
    problems,
    row: {
      ...where,
      listingId: listingId as string,
      ...(typeof urn === 'string' && urn !== '' ? { urn } : {}),
      ...(typeof version === 'number' ? { version } : {}),
      input: parsed.data,
    },
  };
}

const toNumber = (v: string) => (v.trim() === '' ? undefined : /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : v);
const toText = (v: string) => (v.trim() === '' ? undefined : v.trim());

/** Reads the documented CSV: every problem with its line number, so a sheet can be fixed in one go. */
export function parseListingsCsv(text: string): ParsedUpload {
  const { header, rows } = csvObjects(text);
  const problems: RowProblem[] = [];
  const head = parseCsvHeaderError(text);
  if (head) return { rows: [], problems: [{ line: 1, field: 'header', message: head }] };
  const missing = REQUIRED.filter((c) => !header.includes(c));
  const unknown = header.filter(
    (h) =>
      !(LISTING_CSV_COLUMNS as readonly string[]).includes(h) &&
      !(LISTING_CSV_OPTIONAL as readonly string[]).includes(h),
  );
  if (missing.length > 0)
    problems.push({
      line: 1,
      field: 'header',
      message: `is missing the column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
    });
  if (unknown.length > 0)
    problems.push({
      line: 1,
      field: 'header',
      message: `has column${unknown.length === 1 ? '' : 's'} this upload does not know: ${unknown.join(', ')}`,
    });
  if (problems.length > 0) return { rows: [], problems };
  if (rows.length === 0)
    return { rows: [], problems: [{ line: 2, field: 'row', message: 'the file has a header but no listings' }] };

  const seen = new Map<string, Where>();
  const out: UploadRow[] = [];
  for (const { line, values, error } of rows) {
    if (error !== undefined) {
      problems.push({ line, field: 'row', message: error });
      continue;
    }
    const raw: Record<string, unknown> = {
      listingId: toText(values.listingId ?? ''),
      band: toText(values.band ?? ''),
      needs: (values.needs ?? '').split(/[;|\s]+/).filter(Boolean),
      ageMin: toNumber(values.ageMin ?? ''),
      ageMax: toNumber(values.ageMax ?? ''),
      attendance: toText(values.attendance ?? ''),
      commissioned: toNumber(values.commissioned ?? ''),
      filled: toNumber(values.filled ?? ''),
      availableFrom: toText(values.availableFrom ?? ''),
      price: toNumber(values.price ?? ''),
      variationReason: toText(values.variationReason ?? ''),
      urn: toText(values.urn ?? ''),
      version: toNumber(values.version ?? ''),
    };
    for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
    const checked = checkRow(raw, { line }, seen);
    problems.push(...checked.problems);
    if (checked.row) out.push(checked.row);
  }
  return { rows: out, problems };
}

/** The JSON form of an upload: `{"listings": [{listingId, ...listing fields}]}`, rows counted from 1. */
export function parseListingsJson(body: unknown): ParsedUpload {
  const listings = (body as { listings?: unknown } | null)?.listings;
  if (!Array.isArray(listings))
    return {
      rows: [],
      problems: [{ field: 'listings', message: 'is required: an array of listings, each with a listingId' }],
    };
  if (listings.length === 0)
    return { rows: [], problems: [{ field: 'listings', message: 'must hold at least one listing' }] };
  const seen = new Map<string, Where>();
  const rows: UploadRow[] = [];
  const problems: RowProblem[] = [];
  listings.forEach((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ row: i + 1, field: 'row', message: 'must be an object with the listing fields' });
      return;
    }
    const checked = checkRow(raw as Record<string, unknown>, { row: i + 1 }, seen);
    problems.push(...checked.problems);
    if (checked.row) rows.push(checked.row);
  });
  return { rows, problems };
}
