import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeedInfo } from '@placements/store';
import { seededApp, type SeededApp } from '../support/store.ts';

let t: SeededApp;
beforeAll(async () => {
  t = await seededApp();
});
afterAll(async () => {
  await t.store.drop();
});

describe('reference repository on DynamoDB Local', () => {
  it('finds a postcode district centroid and its LA, and nothing for an unknown district', async () => {
    expect(await t.store.reference.getDistrict('ME14')).toEqual({
      district: 'ME14',
      lat: 51.2753,
      lon: 0.5393,
      laCode: 'E10000016',
    });
    expect(await t.store.reference.getDistrict('ME99')).toBeUndefined();
    expect(await t.store.reference.getDistrict('ZZ1')).toBeUndefined();
  });

  it('keeps every framework version and records what the seed loaded', async () => {
    expect((await t.store.reference.listFrameworks()).map((f) => f.version)).toEqual(['v1']);
    const info = await readSeedInfo(t.store.db, t.store.tableName);
    expect(info).toMatchObject({
      source: 'generated',
      counts: { las: 19, partnerships: 1, settings: t.data.settings.length },
    });
  });
});
