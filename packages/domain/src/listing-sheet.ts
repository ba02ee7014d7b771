import { parseCsv } from './csv.ts';

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
  // Broken quoting would put rows in the wrong setting's sheet: stop and name the line instead.
  const broken = [header, ...records].find((r) => r.error !== undefined);
  if (broken) throw new Error(`Line ${broken.line} ${broken.error}.`);
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
