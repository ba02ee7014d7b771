import { describe, expect, it } from 'vitest';
import { AGE_BUCKETS, bucketForAge, bucketsForRange, PHASES } from './search.ts';

// A search reads only the buckets below; a listing that takes the child but is filed elsewhere
// would never be found, so every listing's buckets must include the searched one.
describe('search age buckets', () => {
  const ranges: [number, number][] = [];
  for (let min = 0; min <= 25; min++) for (let max = min; max <= 25; max++) ranges.push([min, max]);

  it('files every listing in the bucket a search for any age it takes reads', () => {
    for (const [min, max] of ranges)
      for (let age = min; age <= max; age++) expect(bucketsForRange(min, max)).toContain(bucketForAge(age));
  });

  it('covers every age from 0 to 25 exactly once, edges where listings’ ranges end', () => {
    const owners = Array.from({ length: 26 }, (_, age) => AGE_BUCKETS.filter((b) => age >= b.min && age <= b.max));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    // Primary ranges end at 11 where secondary ones start: a search for 12 never reads a 4–11 listing,
    // nor one for 17 an 11–16 listing.
    expect(bucketsForRange(4, 11)).not.toContain(bucketForAge(12));
    expect(bucketsForRange(11, 16)).not.toContain(bucketForAge(17));
    expect(bucketsForRange(11, 16)).not.toContain(bucketForAge(10));
    // Many ranges start at 4 (reception), many at 5 to 7: a search for a child of 4 reads none of the latter.
    for (const min of [5, 6, 7]) expect(bucketsForRange(min, 11)).not.toContain(bucketForAge(4));
    expect(bucketsForRange(4, 11)).toContain(bucketForAge(4));
  });

  it('gives a phase every bucket holding a listing whose ages overlap it', () => {
    for (const phase of Object.values(PHASES)) {
      const read = bucketsForRange(phase.min, phase.max);
      for (const [min, max] of ranges)
        if (max >= phase.min && min <= phase.max)
          expect(bucketsForRange(min, max).some((b) => read.includes(b))).toBe(true);
    }
  });
});
