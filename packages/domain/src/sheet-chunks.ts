import { parseCsv } from './csv.ts';

/** Rows the case upload tools send per request: a progress step a person can see move. No zod here: the web app imports this file. */
export const CASES_PER_REQUEST = 50;

/** A part of a sheet sent in one request, with each of its lines' line in the original file. */
export interface SheetChunk {
  csv: string;
  rows: number;
  /** originalLine.get(n) is the original line number of this chunk's line n. */
  originalLine: Map<number, number>;
}

const quote = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field);

/**
 * Splits a sheet into parts of at most `rowsPerChunk` rows, each with the header, so a long
 * sheet goes in several requests (and a progress bar moves); line numbers in a part's report are
 * mapped back to the file the person opened.
 */
export function chunkSheet(csv: string, rowsPerChunk: number): SheetChunk[] {
  const [header, ...records] = parseCsv(csv);
  if (header === undefined) throw new Error('The file is empty.');
  const head = header.fields.map(quote).join(',');
  const chunks: SheetChunk[] = [];
  for (let i = 0; i < records.length; i += rowsPerChunk) {
    const part = records.slice(i, i + rowsPerChunk);
    const originalLine = new Map<number, number>([[1, header.line]]);
    const lines = [head];
    let line = 1 + head.split('\n').length;
    for (const r of part) {
      originalLine.set(line, r.line);
      const encoded = r.fields.map(quote).join(',');
      lines.push(encoded);
      line += encoded.split('\n').length;
    }
    chunks.push({ csv: `${lines.join('\n')}\n`, rows: part.length, originalLine });
  }
  // A header and no rows: one part, so the service answers that the sheet has no cases.
  if (chunks.length === 0) chunks.push({ csv: `${head}\n`, rows: 0, originalLine: new Map([[1, header.line]]) });
  return chunks;
}
