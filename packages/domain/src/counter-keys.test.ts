import { describe, expect, it } from 'vitest';
import { COUNTER_SHARDS, logicalKey, onShard, shardOf } from './sufficiency.ts';

// The regional figures read a counter as the sum of its shards; a round's differences are
// written to one shard, so moving a key between shards must never change the figure it is part of.
describe('counter keys and their shards', () => {
  it('moves a sharded key to another shard of the same figure, and leaves capacity keys alone', () => {
    expect(onShard('DEM#S2#SLD#3', 5)).toBe('DEM#S2#SLD#5');
    expect(onShard('PRC#P1#S3#day#0', 7)).toBe('PRC#P1#S3#day#7');
    expect(logicalKey(onShard('PLC#S2#ASD#1', 6))).toBe(logicalKey('PLC#S2#ASD#1'));
    expect(onShard('CAP#S2#ASD', 4)).toBe('CAP#S2#ASD');
    expect(onShard('CAPB#S2', 4)).toBe('CAPB#S2');
  });

  it('spreads ids over every shard', () => {
    const seen = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`case-${i}`)));
    expect([...seen].sort()).toEqual(Array.from({ length: COUNTER_SHARDS }, (_, i) => i));
  });
});
