export interface CsvRecord {
  /** 1-based line number in the file where the record starts (the header is line 1). */
  line: number;
  fields: string[];
}

/**
 * Parses RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks; CRLF or LF
 * line endings; a UTF-8 byte-order mark is dropped. Blank lines are skipped. Line numbers count
 * physical lines so an error report points where a person's editor does.
 */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let sawContent = false;
  const endRecord = () => {
    fields.push(field);
    if (sawContent || fields.length > 1 || field !== '') records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    sawContent = false;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      inQuotes = true;
      sawContent = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      sawContent = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
      sawContent = true;
    }
  }
  if (field !== '' || fields.length > 0 || sawContent) endRecord();
  return records;
}

/** Records as objects keyed by the header row (trimmed); the header's own line is dropped. */
export function csvObjects(text: string): {
  header: string[];
  rows: { line: number; values: Record<string, string> }[];
} {
  const [head, ...rest] = parseCsv(text);
  const header = (head?.fields ?? []).map((h) => h.trim());
  const rows = rest.map((r) => {
    const values: Record<string, string> = {};
    header.forEach((h, i) => {
      values[h] = r.fields[i] ?? '';
    });
    return { line: r.line, values };
  });
  return { header, rows };
}
