import { parseCsv } from '@placements/domain';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// csv-parse is the oracle: wherever it reads a file, ours reads the same cells; wherever it rejects
// the quoting, ours marks a record as broken instead of silently reading on.
const token = fc.constantFrom('a', 'b', ' ', ',', '"', '""', '\n', '\r\n', 'é');
const csvText = fc.array(token, { maxLength: 40 }).map((t) => t.join(''));

const oracle = (text: string): string[][] | 'error' => {
  try {
    return parse(text, { bom: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] }) as string[][];
  } catch {
    return 'error';
  }
};
// csv-parse keeps a line that is only `""`; ours skips blank lines but keeps it too, and both drop empty lines.
const blank = (fields: string[]) => fields.length === 1 && fields[0] === '';

describe('parseCsv against csv-parse', () => {
  it('reads the same cells as csv-parse, and marks a broken record wherever csv-parse rejects the quoting', () => {
    fc.assert(
      fc.property(csvText, (text) => {
        const ours = parseCsv(text);
        const theirs = oracle(text);
        if (theirs === 'error') {
          expect(ours.some((r) => r.error !== undefined)).toBe(true);
        } else {
          expect(ours.filter((r) => r.error !== undefined)).toEqual([]);
          expect(ours.map((r) => r.fields).filter((f) => !blank(f))).toEqual(theirs.filter((f) => !blank(f)));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
