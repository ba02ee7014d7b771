import { describe, expect, it } from 'vitest';
import { londonDate } from './london.ts';

describe('londonDate: the day in England', () => {
  it('is already tomorrow between midnight and 1 am in summer, when UTC is still on today', () => {
    expect(londonDate(new Date('2026-07-01T23:00:00Z'))).toBe('2026-07-02'); // 00:00 BST
    expect(londonDate(new Date('2026-07-01T23:59:59Z'))).toBe('2026-07-02'); // 00:59 BST
    expect(londonDate(new Date('2026-07-01T22:59:59Z'))).toBe('2026-07-01'); // 23:59 BST
  });

  it('is the UTC date in winter (GMT)', () => {
    expect(londonDate(new Date('2026-12-01T23:59:59Z'))).toBe('2026-12-01');
    expect(londonDate(new Date('2026-12-02T00:00:00Z'))).toBe('2026-12-02');
  });

  it('follows the clocks changing (29 March and 25 October 2026)', () => {
    expect(londonDate(new Date('2026-03-28T23:30:00Z'))).toBe('2026-03-28'); // GMT until 01:00 on the 29th
    expect(londonDate(new Date('2026-03-29T23:30:00Z'))).toBe('2026-03-30'); // BST
    expect(londonDate(new Date('2026-10-24T23:30:00Z'))).toBe('2026-10-25'); // still BST
    expect(londonDate(new Date('2026-10-25T23:30:00Z'))).toBe('2026-10-25'); // GMT again
  });

  it('takes an ISO timestamp as well as a Date', () => {
    expect(londonDate('2026-08-31T23:15:00Z')).toBe('2026-09-01');
  });
});
