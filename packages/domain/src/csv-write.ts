/**
 * The one CSV writer of the API and the web app (RFC 4180, CRLF). A text cell that a spreadsheet
 * would read as a formula (starting with =, +, -, @, a tab or a carriage return) is defused with a
 * leading apostrophe (OWASP's CSV injection advice); numbers stay numbers. Pure, so the browser
 * bundles it too.
 */
export type CsvValue = string | number | boolean | null | undefined | readonly (string | number)[];

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header row and the rows under it, each cell written by csvCell. */
export function writeCsv(header: readonly CsvValue[], rows: readonly (readonly CsvValue[])[]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
