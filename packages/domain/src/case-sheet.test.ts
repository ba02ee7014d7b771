import { describe, expect, it } from 'vitest';
import { parseCasesCsv } from './case-sheet.ts';
import { chunkSheet } from './sheet-chunks.ts';

const HEADER = 'needs,band,age,homeDistrict,holder,ranked,mainstreamRequested';

describe('a sheet of cases', () => {
  it('splits into parts with the header, each line mapped back to the file, quoted line breaks included', () => {
    const text = `${HEADER}\nASD,S3,9,ME14,parent,900001,false\n"ASD;\nSLCN",S3,9,ME14,parent,900001,no\nSEMH,S2,12,ME15,parent,900002,yes\n`;
    const parts = chunkSheet(text, 2);
    expect(parts.map((p) => p.rows)).toEqual([2, 1]);
    expect(parts[0]!.csv.split('\n')[0]).toBe(HEADER);
    // The second row starts on line 3 and runs over two lines; the third row is line 5 of the file.
    expect([...parts[0]!.originalLine]).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect([...parts[1]!.originalLine]).toEqual([
      [1, 1],
      [2, 5],
    ]);
    const first = parseCasesCsv(parts[0]!.csv);
    expect(first.problems).toEqual([]);
    expect(first.rows.map((r) => [r.line, r.input.needs, r.preferences.mainstreamRequested])).toEqual([
      [2, ['ASD'], false],
      [3, ['ASD', 'SLCN'], false],
    ]);
  });

  it('names every problem of a row by line and column, and keeps a well-shaped band and district to check', () => {
    const parsed = parseCasesCsv(`${HEADER}\nASD,S9,30,me14,carer,12;900001;900001,perhaps\n`);
    expect(parsed.rows).toEqual([]);
    expect(parsed.problems.map((p) => [p.line, p.field])).toEqual([
      [2, 'age'],
      [2, 'holder'],
      [2, 'ranked'],
      [2, 'ranked'],
      [2, 'mainstreamRequested'],
    ]);
    expect(parsed.problems[2]!.message).toBe('preference 1: must be six-digit URNs');
    expect(parsed.rejected).toEqual([{ line: 2, band: 'S9', homeDistrict: 'ME14' }]);
  });

  it('refuses a header with identifying or unknown columns, or missing ones, as a whole', () => {
    expect(parseCasesCsv(`${HEADER},name,upn\n`).problems).toEqual([
      {
        line: 1,
        field: 'header',
        message: expect.stringMatching(
          /^has columns this upload does not know: name, upn\. A case holds no child’s identity/,
        ),
      },
    ]);
    expect(parseCasesCsv('needs,band\n').problems[0]!.message).toBe(
      'is missing the columns age, homeDistrict, holder, ranked, mainstreamRequested',
    );
  });
});
