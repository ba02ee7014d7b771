export interface CsvRecord {
  /** 1-based line number in the file where the record starts (the header is line 1). */
  line: number;
  fields: string[];
  /**
   * Set when the record's quotes are broken (a quote never closed, a quote inside an unquoted
   * cell, text after a closing quote). The record's fields are then a best guess: callers report
   * the error instead of using them. Parsing resumes on the next line, so one bad quote no longer
   * swallows the rest of the file.
   */
  error?: string;
}

const UNCLOSED =
  'has a quote that is never closed, so the rest of the file would be read as one cell: close it, or double a quote that is part of the text ("")';
const STRAY =
  'has a quote inside a cell that does not start with one: put the whole cell in quotes and double the quote inside it ("")';
const AFTER_CLOSE =
  'has text after a closing quote in the same cell: put the whole cell in quotes and double any quote inside it ("")';

/**
 * Parses RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; CRLF, LF or CR
 * line endings; a UTF-8 byte-order mark is dropped. Blank lines are skipped. Line numbers count
 * physical lines so an error report points where a person's editor does. Broken quoting marks the
 * record with an `error` and parsing resumes at the next physical line.
 */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  /** Just after a closing quote: only a comma or a line end may follow. */
  let closed = false;
  let line = 1;
  let recordLine = 1;
  let recordStart = 0;
  let sawContent = false;
  const endRecord = () => {
    fields.push(field);
    if (sawContent || fields.length > 1 || field !== '') records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    sawContent = false;
    closed = false;
  };
  /** Index just past the line end at or after `from` (the text's length when there is none). */
  const nextLineStart = (from: number) => {
    for (let j = from; j < src.length; j++) {
      if (src[j] === '\n') return j + 1;
      if (src[j] === '\r') return src[j + 1] === '\n' ? j + 2 : j + 1;
    }
    return src.length;
  };
  /** Records the current record as broken and skips the rest of its physical line. */
  const fail = (error: string, at: number): number => {
    fields.push(field);
    records.push({ line: recordLine, fields, error });
    fields = [];
    field = '';
    sawContent = false;
    closed = false;
    inQuotes = false;
    const next = nextLineStart(at);
    line++;
    recordLine = line;
    recordStart = next;
    return next - 1;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          closed = true;
        }
      } else {
        if (ch === '\n' || (ch === '\r' && src[i + 1] !== '\n')) line++;
        field += ch;
      }
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      sawContent = true;
      closed = false;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
      recordStart = i + 1;
    } else if (closed) {
      i = fail(AFTER_CLOSE, i);
    } else if (ch === '"') {
      if (field !== '') i = fail(STRAY, i);
      else {
        inQuotes = true;
        sawContent = true;
      }
    } else {
      field += ch;
      sawContent = true;
    }
  }
  if (inQuotes) {
    // Report the record where its quote opened and read on from the line after its start, as if
    // the quote were not there, so the rows after it are still checked.
    line = recordLine;
    const resume = fail(UNCLOSED, recordStart);
    return [...records, ...parseCsv(src.slice(resume + 1)).map((r) => ({ ...r, line: r.line + line - 1 }))];
  }
  if (field !== '' || fields.length > 0 || sawContent) endRecord();
  return records;
}

/**
 * Records as objects keyed by the header row (trimmed); the header's own line is dropped. A row
 * whose quoting is broken carries `error` (see CsvRecord) for the caller to report with its line.
 */
export function csvObjects(text: string): {
  header: string[];
  rows: { line: number; values: Record<string, string>; error?: string }[];
} {
  const [head, ...rest] = parseCsv(text);
  const header = (head?.fields ?? []).map((h) => h.trim());
  const rows = rest.map((r) => {
    const values: Record<string, string> = {};
    header.forEach((h, i) => {
      values[h] = r.fields[i] ?? '';
    });
    return r.error === undefined ? { line: r.line, values } : { line: r.line, values, error: r.error };
  });
  return { header, rows };
}
