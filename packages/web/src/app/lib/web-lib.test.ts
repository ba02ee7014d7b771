import { describe, expect, it } from 'vitest';
import { toCsv } from './csv-export.ts';
import { daysUntil, longDate, penceFromPounds, pounds } from './format.ts';
import { project, ringDistances, viewHalfSize } from './map.ts';
import { principalFromToken } from './session.ts';
import { fromSufficiencyReport, type SufficiencyResponse } from './sufficiency.ts';

const b64 = (o: unknown) => btoa(JSON.stringify(o)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const token = (claims: unknown) => `${b64({ alg: 'none' })}.${b64(claims)}.sig`;

describe('money and dates for people', () => {
  it('shows pence a year as whole pounds and reads pounds back as pence', () => {
    expect(pounds(4_200_000)).toBe('£42,000');
    expect(penceFromPounds('£42,000.50')).toBe(4_200_050);
    expect(penceFromPounds('')).toBeUndefined();
    expect(penceFromPounds('lots')).toBeUndefined();
  });
  it('writes dates in words and counts days to a deadline', () => {
    expect(longDate('2026-09-01')).toBe('1 September 2026');
    expect(daysUntil('2026-12-07', new Date('2026-11-22T15:00:00Z'))).toBe(15);
    expect(daysUntil('2026-11-20', new Date('2026-11-22T15:00:00Z'))).toBe(-2);
  });
});

describe('the map projection', () => {
  it('puts a point 0.1° north about 11 km up, and east distances shrink with latitude', () => {
    const origin = { lat: 51.27, lon: 0.52 };
    expect(project(origin, { lat: 51.37, lon: 0.52 }).y).toBeCloseTo(-11.06, 1);
    expect(project(origin, { lat: 51.27, lon: 0.62 }).x).toBeCloseTo(6.97, 1);
  });
  it('draws the search radius with inner rings, or round rings that reach the farthest result', () => {
    expect(ringDistances(30, 0)).toEqual([10, 20, 30]);
    expect(ringDistances(undefined, 23)).toEqual([10, 20, 25]);
    expect(viewHalfSize([30], [{ x: 40, y: 0 }])).toBeCloseTo(43.2);
  });
});

describe('tokens', () => {
  it('reads role and organisation as the API does: claims, or Cognito groups and custom:org', () => {
    expect(principalFromToken(token({ sub: 'a', role: 'la', org: 'E10000016' }))).toMatchObject({
      role: 'la',
      org: 'E10000016',
    });
    expect(
      principalFromToken(token({ sub: 'b', 'cognito:groups': '[staff provider]', 'custom:org': 'TR012', exp: 5 })),
    ).toEqual({ sub: 'b', role: 'provider', org: 'TR012', exp: 5 });
    expect(() => principalFromToken(token({ sub: 'c' }))).toThrow(/no role or organisation/);
  });
});

describe('CSV exports', () => {
  const rows = [{ label: 'Kent' }, { label: 'Medway' }];
  it('exports CSV that spreadsheets open, quoting what needs quoting', () => {
    expect(
      toCsv(rows, [
        { header: 'LA', value: (r) => r.label },
        { header: 'note, quoted', value: () => 'say "hi"' },
      ]),
    ).toBe('LA,"note, quoted"\r\nKent,"say ""hi"""\r\nMedway,"say ""hi"""\r\n');
  });
  it('defuses cells a spreadsheet would run as a formula, with the API’s own writer', () => {
    expect(toCsv([{ n: '\t=cmd|calc' }, { n: '\r@x' }, { n: -3 }], [{ header: 'n', value: (r) => r.n }])).toBe(
      'n\r\n\'\t=cmd|calc\r\n"\'\r@x"\r\n-3\r\n',
    );
  });
});

describe('sufficiency from the partnership report', () => {
  const cap = (commissioned: number, filled: number, held: number) => ({
    commissioned,
    filled,
    held,
    available: commissioned - filled - held,
  });
  const dem = (openCases: number | '<5') => ({ openCases, withoutPlace: openCases, averageDaysWithoutPlace: null });
  const plc = (
    placements: number | '<5',
    outOfArea: number | '<5',
    spend: number | '<5',
    placedInArea: number | '<5' = '<5',
  ) => ({
    placements,
    placedInArea,
    outOfArea,
    averageOutOfAreaKm: null,
    spend,
    spendAtTariff: spend,
  });
  const response: SufficiencyResponse = {
    partnership: { id: 'se19', name: 'SE19' },
    asOf: '2026-11-22T10:00:00Z',
    totals: {
      capacity: cap(30, 20, 2),
      demand: { openCases: 9, withoutPlace: 11, averageDaysWithoutPlace: 12.5 },
      placements: plc(14, 6, 5_000_000, 8),
    },
    byLa: [
      {
        laCode: 'E10000016',
        name: 'Kent',
        capacity: cap(20, 15, 2),
        demand: dem(7),
        placements: plc(10, 5, 4_000_000, 5),
      },
      {
        laCode: 'E06000035',
        name: 'Medway',
        capacity: cap(10, 5, 0),
        demand: dem('<5'),
        placements: plc('<5', '<5', '<5'),
      },
    ],
    byBand: [{ band: 'S2', capacity: cap(30, 20, 2), demand: dem(9) }],
    byNeed: [{ need: 'ASD', capacity: cap(30, 20, 2), demand: dem(9) }],
  };
  const r = fromSufficiencyReport(response);
  it('puts open cases beside capacity, and keeps suppressed counts as <5', () => {
    expect(r.byBand).toEqual([
      { key: 'S2', label: 'Band S2', commissioned: 30, filled: 20, held: 2, available: 8, demand: 9 },
    ]);
    expect(r.byLa.map((l) => [l.label, l.demand])).toEqual([
      ['Kent', 7],
      ['Medway', '<5'],
    ]);
    expect(r.withoutPlace).toEqual({ cases: 11, averageDays: 12.5 });
  });
  it('shows each member’s placements in its own area and another LA’s as the API gives them', () => {
    expect(r.flows).toEqual([
      { key: 'E10000016', label: 'Kent', inArea: 5, outOfArea: 5, averageOutOfAreaKm: null },
      { key: 'E06000035', label: 'Medway', inArea: '<5', outOfArea: '<5', averageOutOfAreaKm: null },
    ]);
    expect(r.spendByLa[0]).toEqual({ key: 'E10000016', label: 'Kent', pence: 4_000_000, atTariff: 4_000_000 });
  });
});
