import { describe, expect, it } from 'vitest';
import { withheldCells, type SuppressionGroup } from '@placements/domain';

/** What a reader can work out: a withheld part of a shown total whose other parts are all shown. */
function derivable(groups: SuppressionGroup[], withheld: Set<string>): string[] {
  return groups.flatMap((g) => {
    const hidden = g.parts.filter((p) => withheld.has(p));
    return !withheld.has(g.total) && hidden.length === 1 ? hidden : [];
  });
}

describe('secondary suppression of counts of children', () => {
  it('withholds a second LA when one LA’s 3 cases could be read as the total minus the rest', () => {
    const values = new Map([
      ['T', 20],
      ['kent', 3],
      ['medway', 9],
      ['surrey', 8],
    ]);
    const groups = [{ total: 'T', parts: ['kent', 'medway', 'surrey'] }];
    const withheld = withheldCells(values, groups);
    // Kent by the threshold, Surrey (the smallest count shown) so that 20 − 9 no longer gives 3.
    expect([...withheld].sort()).toEqual(['kent', 'surrey']);
    expect(derivable(groups, withheld)).toEqual([]);
  });

  it('follows a withholding into the other groups it opens (rows and columns)', () => {
    // Two LAs × two bands; A1 = 2 is primary. Hiding B-column or row partners must not leave any
    // single hidden cell in a row or column with a shown total.
    const values = new Map([
      ['A', 12],
      ['B', 15],
      ['1', 10],
      ['2', 17],
      ['T', 27],
      ['A1', 2],
      ['A2', 10],
      ['B1', 8],
      ['B2', 7],
    ]);
    const groups: SuppressionGroup[] = [
      { total: 'A', parts: ['A1', 'A2'] },
      { total: 'B', parts: ['B1', 'B2'] },
      { total: '1', parts: ['A1', 'B1'] },
      { total: '2', parts: ['A2', 'B2'] },
      { total: 'T', parts: ['A', 'B'] },
      { total: 'T', parts: ['1', '2'] },
    ];
    const withheld = withheldCells(values, groups);
    expect(withheld.has('A1')).toBe(true);
    expect(withheld.size).toBeGreaterThanOrEqual(4);
    expect(derivable(groups, withheld)).toEqual([]);
  });

  it('withholds nothing more when no count is from 1 to 4', () => {
    const values = new Map([
      ['T', 15],
      ['a', 0],
      ['b', 15],
    ]);
    expect(withheldCells(values, [{ total: 'T', parts: ['a', 'b'] }]).size).toBe(0);
  });
});
