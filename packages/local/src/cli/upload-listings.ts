import { parseCsv } from '@placements/domain';

/** One setting's share of a multi-setting sheet, with each of its lines' line in the original file. */
export interface SettingSheet {
  urn: string;
  csv: string;
  /** originalLine[n] is the original line number of this sheet's line n. */
  originalLine: Map<number, number>;
}

const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

/**
 * Splits a sheet with a `urn` column into one sheet per setting, because an upload is all or
 * nothing per setting. Line numbers in the server's report are mapped back to the original file.
 */
export function splitByUrn(text: string): SettingSheet[] {
  const [header, ...records] = parseCsv(text);
  if (header === undefined) throw new Error('The file is empty.');
  const urnIndex = header.fields.map((h) => h.trim()).indexOf('urn');
  if (urnIndex < 0) throw new Error('The file needs a urn column saying which setting each row is for.');
  const bySetting = new Map<string, typeof records>();
  for (const r of records) {
    const urn = (r.fields[urnIndex] ?? '').trim();
    bySetting.set(urn, [...(bySetting.get(urn) ?? []), r]);
  }
  return [...bySetting].map(([urn, rows]) => {
    const originalLine = new Map<number, number>([[1, header.line]]);
    const lines = [header.fields.map(quote).join(',')];
    let line = 2;
    for (const r of rows) {
      originalLine.set(line, r.line);
      const encoded = r.fields.map(quote).join(',');
      lines.push(encoded);
      line += encoded.split('\n').length;
    }
    return { urn, csv: `${lines.join('\n')}\n`, originalLine };
  });
}

export interface SheetResult {
  urn: string;
  status: number;
  body: any;
}

export interface UploadOptions {
  text: string;
  baseUrl: string;
  token: string;
  fetchFn?: (url: string, init: RequestInit) => Response | Promise<Response>;
  onProgress?: (done: number, total: number, result: SheetResult) => void;
}

/** Uploads each setting's rows to POST /settings/{urn}/listings:bulk, one setting after another. */
export async function uploadListings(options: UploadOptions): Promise<SheetResult[]> {
  const fetchFn = options.fetchFn ?? fetch;
  const sheets = splitByUrn(options.text);
  const results: SheetResult[] = [];
  for (const sheet of sheets) {
    let result: SheetResult;
    if (!/^\d{6}$/.test(sheet.urn)) {
      result = { urn: sheet.urn, status: 400, body: { error: { message: `"${sheet.urn}" is not a URN`, details: [...sheet.originalLine.entries()].slice(1).map(([, line]) => ({ line, field: 'urn', message: 'must be a six-digit URN' })) } } };
    } else {
      const res = await fetchFn(`${options.baseUrl}/settings/${sheet.urn}/listings:bulk`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${options.token}` },
        body: sheet.csv,
      });
      const body: any = await res.json().catch(() => ({}));
      // Point each reported problem at the line of the file the user opened.
      for (const d of body?.error?.details ?? []) if (typeof d.line === 'number') d.line = sheet.originalLine.get(d.line) ?? d.line;
      result = { urn: sheet.urn, status: res.status, body };
    }
    results.push(result);
    options.onProgress?.(results.length, sheets.length, result);
  }
  return results;
}

export function progressBar(done: number, total: number, width = 30): string {
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} settings ${Math.round((done / total) * 100)}%`;
}
