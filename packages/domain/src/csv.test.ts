import { describe, expect, it } from 'vitest';
import { csvObjects, parseCsv } from './csv.ts';

describe('parseCsv', () => {
  it('drops a UTF-8 byte-order mark and reads CRLF line endings', () => {
    expect(parseCsv('\uFEFFa,b\r\n1,2\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    const rows = parseCsv('name,note\n"Kent, County","He said ""yes""\nthen left"\nx,y');
    expect(rows[1]).toEqual({ line: 2, fields: ['Kent, County', 'He said "yes"\nthen left'] });
    // The record after a two-line field starts on line 4, where an editor shows it.
    expect(rows[2]).toEqual({ line: 4, fields: ['x', 'y'] });
  });

  it('skips blank lines but keeps empty fields', () => {
    expect(parseCsv('a,b\n\n,\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['', ''] },
    ]);
  });

  it('reads a last record without a trailing newline', () => {
    expect(parseCsv('a\n1')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['1'] },
    ]);
  });
});

describe('parseCsv with broken quotes', () => {
  it('marks a record whose quote is never closed and reads on from the next line', () => {
    const rows = parseCsv('a,b\n1,"x\n2,3\n4,5\n');
    expect(rows.map((r) => [r.line, r.error !== undefined])).toEqual([
      [1, false],
      [2, true],
      [3, false],
      [4, false],
    ]);
    expect(rows[2]!.fields).toEqual(['2', '3']);
    expect(rows[1]!.error).toMatch(/never closed/);
  });

  it('marks a quote inside an unquoted cell and text after a closing quote, keeping later lines', () => {
    const rows = parseCsv('a,b\n1,5" screen\n"x"y,1\n"two\nlines",2\n3,4');
    expect(rows.map((r) => [r.line, r.error?.slice(0, 20)])).toEqual([
      [1, undefined],
      [2, 'has a quote inside a'],
      [3, 'has text after a clo'],
      [4, undefined],
      [6, undefined],
    ]);
    expect(rows[3]!.fields).toEqual(['two\nlines', '2']);
  });
});

describe('csvObjects', () => {
  it('keys each row by the trimmed header and fills missing cells with empty strings', () => {
    const { header, rows } = csvObjects(' urn , name\n100001,Oak\n100002\n');
    expect(header).toEqual(['urn', 'name']);
    expect(rows).toEqual([
      { line: 2, values: { urn: '100001', name: 'Oak' } },
      { line: 3, values: { urn: '100002', name: '' } },
    ]);
  });
});
