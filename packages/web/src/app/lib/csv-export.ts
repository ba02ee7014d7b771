/** One column of an exported sheet: its header and how to read it from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | undefined;
}

const quote = (v: string | number | undefined) => {
  const s = v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV with a header row, as spreadsheets open it. */
export function toCsv<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  return (
    [
      columns.map((c) => quote(c.header)).join(','),
      ...rows.map((r) => columns.map((c) => quote(c.value(r))).join(',')),
    ].join('\r\n') + '\r\n'
  );
}

/** Offers a CSV to the browser as a download. */
export function downloadCsv(fileName: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
