import { describe, expect, it } from 'vitest';
import { availablePlaces, defaultGovernance } from './setting.ts';
import { seededRandom } from './random.ts';

describe('availablePlaces', () => {
  it('is commissioned less filled less held', () => {
    expect(availablePlaces({ commissioned: 20, filled: 15, held: 2 })).toBe(3);
  });

  it('is never negative, even when more are filled and held than commissioned', () => {
    expect(availablePlaces({ commissioned: 10, filled: 9, held: 3 })).toBe(0);
  });
});

describe('defaultGovernance', () => {
  it('follows from the provision type where the type settles it', () => {
    expect(defaultGovernance('special_academy')).toBe('academy');
    expect(defaultGovernance('independent_special')).toBe('independent');
    expect(defaultGovernance('special_post16')).toBe('independent');
    expect(defaultGovernance('mainstream')).toBeUndefined();
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = seededRandom(19);
    const b = seededRandom(19);
    const c = seededRandom(20);
    const seq = (r: ReturnType<typeof seededRandom>) => Array.from({ length: 5 }, () => r.int(0, 1000));
    const first = seq(a);
    expect(seq(b)).toEqual(first);
    expect(seq(c)).not.toEqual(first);
  });

  it('samples without repeats', () => {
    const r = seededRandom(1);
    const picked = r.sample([1, 2, 3, 4, 5], 5);
    expect(new Set(picked).size).toBe(5);
  });
});
