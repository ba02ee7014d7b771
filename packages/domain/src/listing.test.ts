import { describe, expect, it } from 'vitest';
import { listingInput as input } from './fixtures/test-fixtures.ts';
import { FRAMEWORK_V1, type Framework } from './framework.ts';
import { buildListing, listingChanged, listingProblems, priceEffectiveDate } from './listing.ts';
import { parseListingsCsv } from './listing-upload.ts';
import type { Setting } from './setting.ts';

const setting: Setting = {
  urn: '900001',
  name: 'Oak Special School',
  type: 'special_maintained',
  governance: 'maintained',
  laCode: 'E10000016',
  providerId: 'PRV900001',
  district: 'ME14',
  lat: 51.27,
  lon: 0.54,
  ageMin: 4,
  ageMax: 19,
  needs: ['ASD', 'SLD'],
  section41: false,
  source: 'generated',
};
const ctx = { setting, frameworks: [FRAMEWORK_V1], today: '2026-11-22' };
const v2: Framework = {
  ...FRAMEWORK_V1,
  version: 'v2',
  effectiveFrom: '2027-04-01',
  tariffs: FRAMEWORK_V1.tariffs.map((t) => ({ ...t, annualPrice: t.annualPrice + 100_000 })),
};

describe('listingProblems', () => {
  it('finds nothing wrong with a listing that meets every rule', () => {
    expect(listingProblems(input, ctx)).toEqual([]);
  });

  it('accepts a varied price inside the range with a reason, and its edges', () => {
    expect(listingProblems({ ...input, price: 2_530_000, variationReason: 'Hydrotherapy' }, ctx)).toEqual([]);
    expect(listingProblems({ ...input, price: 1_980_000, variationReason: 'Shared site' }, ctx)).toEqual([]);
    expect(listingProblems({ ...input, price: 2_530_001, variationReason: 'x' }, ctx).map((p) => p.field)).toEqual([
      'price',
    ]);
  });

  it('uses held places from the stored listing when checking commissioned', () => {
    const existing = buildListing('a', input, ctx, new Date());
    expect(listingProblems({ ...input, commissioned: 9 }, { ...ctx, existing: { ...existing, held: 2 } })).toEqual([
      expect.objectContaining({ field: 'commissioned' }),
    ]);
  });

  it('checks the band against the framework in force when the places become available', () => {
    const withV2 = { ...ctx, frameworks: [FRAMEWORK_V1, { ...v2, bands: v2.bands.filter((b) => b.code !== 'S3') }] };
    expect(listingProblems({ ...input, band: 'S3' }, withV2)).toEqual([]);
    expect(listingProblems({ ...input, band: 'S3', availableFrom: '2027-05-01' }, withV2)).toEqual([
      expect.objectContaining({ field: 'band' }),
    ]);
  });
});

describe('buildListing', () => {
  it('prices at the tariff of the framework in force on the effective date and derives availability', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    const l = buildListing('s2-day', input, { ...ctx, frameworks: [FRAMEWORK_V1, v2] }, now);
    expect(l).toMatchObject({
      price: 2_200_000,
      frameworkVersion: 'v1',
      available: 2,
      held: 0,
      version: 1,
      updatedAt: now.toISOString(),
    });
    const later = buildListing(
      's2-day',
      { ...input, availableFrom: '2027-06-01' },
      { ...ctx, frameworks: [FRAMEWORK_V1, v2] },
      now,
    );
    expect(later).toMatchObject({ price: 2_300_000, frameworkVersion: 'v2' });
  });

  it('bumps the version of a replaced listing and keeps its held places', () => {
    const first = buildListing('a', input, ctx, new Date());
    const second = buildListing('a', { ...input, filled: 5 }, { ...ctx, existing: { ...first, held: 1 } }, new Date());
    expect(second).toMatchObject({ version: 2, held: 1, available: 4 });
    expect(listingChanged(first, second)).toBe(true);
    expect(listingChanged(first, { ...first, version: 9, updatedAt: 'later' })).toBe(false);
  });

  it('drops a variation reason when the price is the tariff', () => {
    expect(
      buildListing('a', { ...input, variationReason: 'not needed' }, ctx, new Date()).variationReason,
    ).toBeUndefined();
  });

  it('dates a price from today when its places are available already', () => {
    expect(priceEffectiveDate({ availableFrom: '2026-01-01' }, '2026-11-22')).toBe('2026-11-22');
    expect(priceEffectiveDate({ availableFrom: '2027-01-01' }, '2026-11-22')).toBe('2027-01-01');
  });
});

describe('parseListingsCsv', () => {
  it('reads rows into listings, splitting needs and leaving an empty price to the tariff', () => {
    const { rows, problems } = parseListingsCsv(
      'listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom,price,variationReason\ns2-day,S2,ASD; SLD,4,19,day,10,8,2026-12-01,,\n',
    );
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        listingId: 's2-day',
        // The fixture's listing, with the sheet's two needs.
        input: { ...input, needs: ['ASD', 'SLD'] },
      },
    ]);
  });

  it('reports every bad field of every row with its line', () => {
    const { problems } = parseListingsCsv(
      'listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom\nBad Id,S2,,4,19,weekly,ten,8,2026-13-45\n',
    );
    expect(problems.map((p) => [p.line, p.field])).toEqual([
      [2, 'listingId'],
      [2, 'needs'],
      [2, 'attendance'],
      [2, 'commissioned'],
      [2, 'availableFrom'],
    ]);
  });

  it('names the line of an unclosed quote and still checks the rows after it, instead of swallowing them', () => {
    const head = 'listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom';
    const { rows, problems } = parseListingsCsv(
      `${head}\ns2-day,"S2,ASD,4,19,day,10,8,2026-12-01\ns3-day,S3,SLD,4,19,day,5,1,2026-12-01\n`,
    );
    expect(problems).toEqual([{ line: 2, field: 'row', message: expect.stringContaining('never closed') }]);
    expect(rows.map((r) => [r.line, r.listingId])).toEqual([[3, 's3-day']]);
  });

  it('names the line of a stray quote inside a cell', () => {
    const head = 'listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom';
    const { problems } = parseListingsCsv(
      `${head}\ns2-day,S2,ASD,4,19,day,10,8,2026-12-01\ns3-day,S3,SLD 5" unit,4,19,day,5,1,2026-12-01\n`,
    );
    expect(problems).toEqual([{ line: 3, field: 'row', message: expect.stringContaining('quote inside a cell') }]);
  });
});
