import { writeCsv } from '@placements/domain/csv-write.ts';

/** One column of an exported sheet: its header and how to read it from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | undefined;
}

/** RFC 4180 CSV with a header row, through the API's own writer (formula cells defused). */
export function toCsv<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  return writeCsv(
    columns.map((c) => c.header),
    rows.map((r) => columns.map((c) => c.value(r))),
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
