import { describe, expect, it } from 'vitest';
import { listingInput } from './fixtures/test-fixtures.ts';
import { parseListingsCsv, parseListingsJson } from './listing-upload.ts';

// A provider's listings sheet (docs/listings-upload.md) and its JSON form: what is wrong with the
// file as a whole is named against its header; each row's problems by line (CSV) or position (JSON).

const HEAD = 'listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom';
const ROW = (id: string) => `${id},S2,ASD,4,19,day,10,8,2026-12-01`;
const listing = (listingId: string, extra: Record<string, unknown> = {}) => ({
  listingId,
  ...listingInput,
  ...extra,
});

describe('a listings sheet whose header is wrong', () => {
  it('names every missing column, one or several', () => {
    expect(
      parseListingsCsv('listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled\ns2,S2').problems,
    ).toEqual([{ line: 1, field: 'header', message: 'is missing the column availableFrom' }]);
    expect(parseListingsCsv('listingId,band,needs\n').problems).toEqual([
      {
        line: 1,
        field: 'header',
        message: 'is missing the columns ageMin, ageMax, attendance, commissioned, filled, availableFrom',
      },
    ]);
  });

  it('names columns it does not know, beside missing ones, and reads no row', () => {
    const { rows, problems } = parseListingsCsv(`${HEAD},colour,size\n${ROW('s2-day')},red,L\n`);
    expect(rows).toEqual([]);
    expect(problems).toEqual([
      { line: 1, field: 'header', message: 'has columns this upload does not know: colour, size' },
    ]);
    expect(parseListingsCsv('listingId,band,needs,colour\n').problems).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/^is missing the columns /) }),
      { line: 1, field: 'header', message: 'has column this upload does not know: colour' },
    ]);
  });

  it('names a quote left open in the header itself', () => {
    const { rows, problems } = parseListingsCsv(`"listingId,band\n${ROW('s2-day')}\n`);
    expect(rows).toEqual([]);
    expect(problems).toEqual([{ line: 1, field: 'header', message: expect.stringContaining('never closed') }]);
  });

  it('says so when there is a header and no listing', () => {
    expect(parseListingsCsv(`${HEAD}\n`)).toEqual({
      rows: [],
      problems: [{ line: 2, field: 'row', message: 'the file has a header but no listings' }],
    });
  });

  it('takes the optional urn and version columns', () => {
    const { rows, problems } = parseListingsCsv(`urn,version,${HEAD}\n900123,3,${ROW('s2-day')}\n,,${ROW('s3-day')}\n`);
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.line, r.urn, r.version, r.listingId])).toEqual([
      [2, '900123', 3, 's2-day'],
      [3, undefined, undefined, 's3-day'],
    ]);
  });
});

describe('the rows of a listings sheet', () => {
  it('names a listing id given twice, pointing at its first line, and a version that is not a whole number', () => {
    const { rows, problems } = parseListingsCsv(
      `version,${HEAD}\n,${ROW('s2-day')}\n,${ROW('s2-day')}\n1.5,${ROW('s3-day')}\n0,${ROW('s4-day')}\n`,
    );
    expect(rows.map((r) => r.listingId)).toEqual(['s2-day']);
    const message = 'must be the listing version you last saw (a whole number), or left empty';
    expect(problems).toEqual([
      { line: 3, field: 'listingId', message: 's2-day appears twice; first at line 2' },
      { line: 4, field: 'version', message },
      { line: 5, field: 'version', message },
    ]);
  });
});

describe('the JSON form of an upload', () => {
  it('reads the listings, keeping the version and urn given', () => {
    const { rows, problems } = parseListingsJson({
      listings: [listing('s2-day', { version: 2 }), listing('s3-day', { urn: '900123' })],
    });
    expect(problems).toEqual([]);
    expect(rows.map((r) => [r.row, r.listingId, r.version, r.urn])).toEqual([
      [1, 's2-day', 2, undefined],
      [2, 's3-day', undefined, '900123'],
    ]);
    expect(rows[0]!.input).toMatchObject({ band: 'S2', needs: ['ASD'], commissioned: 10 });
  });

  it('names a body without listings, or with none, in words', () => {
    const required = [{ field: 'listings', message: 'is required: an array of listings, each with a listingId' }];
    expect(parseListingsJson(null).problems).toEqual(required);
    expect(parseListingsJson({ listings: 's2-day' }).problems).toEqual(required);
    expect(parseListingsJson({ listings: [] }).problems).toEqual([
      { field: 'listings', message: 'must hold at least one listing' },
    ]);
  });

  it('names each bad row by its position: not an object, a field it does not know, a duplicate, a bad version', () => {
    const { rows, problems } = parseListingsJson({
      listings: [
        listing('s2-day'),
        '(s3-day)',
        null,
        [listing('s4-day')],
        listing('s5-day', { colour: 'red' }),
        listing('s2-day'),
        listing('s6-day', { version: '3' }),
        { listingId: 'Bad Id' },
      ],
    });
    expect(rows.map((r) => r.listingId)).toEqual(['s2-day']);
    const notObject = { field: 'row', message: 'must be an object with the listing fields' };
    expect(problems.slice(0, 6)).toEqual([
      { row: 2, ...notObject },
      { row: 3, ...notObject },
      { row: 4, ...notObject },
      { row: 5, field: 'colour', message: 'is not a listing field' },
      { row: 6, field: 'listingId', message: 's2-day appears twice; first at row 1' },
      { row: 7, field: 'version', message: 'must be the listing version you last saw (a whole number), or left empty' },
    ]);
    // The last row: its id and every listing field it lacks, each named.
    const last = problems.slice(6);
    expect(last.every((p) => p.row === 8)).toBe(true);
    expect(last.map((p) => p.field)).toEqual(
      expect.arrayContaining(['listingId', 'band', 'needs', 'commissioned', 'availableFrom']),
    );
  });
});
