import { describe, expect, it } from 'vitest';
import { CaseInputSchema, PreferencesSchema } from './case.ts';

describe('case input schemas (zod/mini)', () => {
  it('answer in our words where we wrote them, and in English where zod does', () => {
    const prefs = PreferencesSchema.safeParse({ holder: 'guardian', ranked: [118946] });
    expect(prefs.success).toBe(false);
    const messages = Object.fromEntries(prefs.error!.issues.map((i) => [i.path.join('.'), i.message]));
    expect(messages.holder).toBe('must be parent or young_person');
    // A message we did not write comes from the English locale zod/mini does not load by itself.
    expect(messages['ranked.0']).toBe('Invalid input: expected string, received number');
  });

  it('normalises the home district and defaults postSixteen, as the API stores them', () => {
    const parsed = CaseInputSchema.safeParse({
      ref: 'KT-1',
      needs: ['ASD'],
      band: 'S2',
      age: 9,
      homeDistrict: ' me14 ',
    });
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    expect(parsed.data).toMatchObject({ homeDistrict: 'ME14', postSixteen: false });
  });
});
