import { describe, expect, it } from 'vitest';
import { buildReferenceData, loadRealData, normaliseLaName } from '@placements/local';
import { dataDir, requireDataDir } from '../support/data-dir.ts';

describe('reference data from the public files (shared/data)', () => {
  it('finds the data folder beside the repo', () => {
    if (requireDataDir) expect(dataDir, 'shared/data (or DATA_DIR) must hold the public files').toBeDefined();
  });

  it.runIf(dataDir !== undefined)('loads all 153 LAs with every English region as a partnership', () => {
    const data = buildReferenceData({ dataDir: dataDir! });
    expect(data.source).toBe('data_dir');
    expect(data.las).toHaveLength(153);
    expect(data.partnerships).toHaveLength(9);
    const se19 = data.partnerships.find((p) => p.id === 'se19')!;
    expect(se19.members).toHaveLength(19);
    expect(se19.members).toContain('E10000016');
    expect(data.partnerships.reduce((n, p) => n + p.members.length, 0)).toBe(153);
    // DfE keeps the pre-2020 code for Buckinghamshire; so does the marketplace.
    expect(data.las).toContainEqual(expect.objectContaining({ laCode: 'E10000002', dfeNumber: '825' }));
  });

  it.runIf(dataDir !== undefined)(
    'takes real independent special school names from both DfE lists, placed in their LA',
    () => {
      const real = loadRealData(dataDir!);
      const s41 = real.named.filter((n) => n.source === 'dfe_s41_list');
      const notS41 = real.named.filter((n) => n.source === 'dfe_independent_special_list');
      expect(s41.length).toBeGreaterThan(300);
      expect(notS41.length).toBeGreaterThan(390);
      expect(s41).toContainEqual(
        expect.objectContaining({ name: 'Ambitious College', type: 'special_post16', section41: true }),
      );
      expect(notS41).toContainEqual(
        expect.objectContaining({ name: 'Wize Up', laCode: 'E09000011', section41: false }),
      );
      // Welsh institutions on the s41 list are reported, not silently dropped.
      expect(real.skipped.some((s) => /Wales|Powys|Cardiff/.test(s.reason))).toBe(true);
      const data = buildReferenceData({ dataDir: dataDir! });
      expect(data.settings.filter((s) => s.source !== 'generated')).toHaveLength(real.named.length);
    },
  );

  it.runIf(dataDir !== undefined)('places every English postcode district with an LA', () => {
    const real = loadRealData(dataDir!);
    expect(real.districts.length).toBeGreaterThan(2000);
    expect(real.districts.find((d) => d.district === 'ME14')).toMatchObject({ laCode: 'E10000016' });
    expect(real.districts.find((d) => d.district === 'ME4')).toMatchObject({ laCode: 'E06000035' });
    for (const la of real.las) expect(real.districtsByLa.get(la.laCode)!.length).toBeGreaterThan(0);
  });
});

describe('normaliseLaName', () => {
  it('matches the DfE lists’ spellings to the LA lookup’s', () => {
    expect(normaliseLaName('Brighton & Hove')).toBe(normaliseLaName('Brighton and Hove'));
    expect(normaliseLaName('Kingston upon Hull City of')).toBe(normaliseLaName('Kingston upon Hull, City of'));
    expect(normaliseLaName('Kent County Council')).toBe('kent');
  });
});
