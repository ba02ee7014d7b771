import type { LocalAuthority, Partnership, Setting } from './types.ts';

/** Places in one group (a band, a need, an LA): the capacity side, and demand where it is known. */
export interface CapacityRow {
  key: string;
  label: string;
  commissioned: number;
  filled: number;
  held: number;
  available: number;
  /** Children needing a place in this group; only a sufficiency report knows it. */
  demand?: number;
}

export interface Flow {
  from: string;
  to: string;
  placements: number;
}

export interface SpendRow {
  key: string;
  label: string;
  /** Pence per year. */
  pence: number;
}

/**
 * What the dashboard draws, whatever it was computed from. Today: published capacity of the
 * partnership's members. When GET /partnerships/{id}/sufficiency exists, its answer is mapped to
 * this same shape and demand and flows appear.
 */
export interface SufficiencyReport {
  source: 'published_capacity' | 'sufficiency_report';
  partnership: Pick<Partnership, 'id' | 'name'>;
  asOf: string;
  byBand: CapacityRow[];
  byNeed: CapacityRow[];
  byLa: CapacityRow[];
  spendByLa: SpendRow[];
  /** Out-of-area placements between members, where known. */
  flows?: Flow[];
}

const emptyRow = (key: string, label: string): CapacityRow => ({ key, label, commissioned: 0, filled: 0, held: 0, available: 0 });

function add(map: Map<string, CapacityRow>, key: string, label: string, l: { commissioned: number; filled: number; held: number; available: number }) {
  const row = map.get(key) ?? emptyRow(key, label);
  row.commissioned += l.commissioned;
  row.filled += l.filled;
  row.held += l.held;
  row.available += l.available;
  map.set(key, row);
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key, 'en-GB', { numeric: true });

/**
 * Sufficiency from what every member publishes: places by band, by need (a listing meeting
 * several needs counts under each) and by host LA, and the annual spend at published prices on
 * places filled, by host LA.
 */
export function fromPublishedCapacity(partnership: Pick<Partnership, 'id' | 'name' | 'members'>, settings: Setting[], las: Map<string, LocalAuthority>, asOf: string): SufficiencyReport {
  const band = new Map<string, CapacityRow>();
  const need = new Map<string, CapacityRow>();
  const la = new Map<string, CapacityRow>();
  const spend = new Map<string, SpendRow>();
  for (const code of partnership.members) {
    la.set(code, emptyRow(code, las.get(code)?.name ?? code));
    spend.set(code, { key: code, label: las.get(code)?.name ?? code, pence: 0 });
  }
  for (const s of settings) {
    if (!partnership.members.includes(s.laCode)) continue;
    for (const l of s.listings) {
      add(band, l.band, `Band ${l.band}`, l);
      for (const n of l.needs) add(need, n, n, l);
      add(la, s.laCode, las.get(s.laCode)?.name ?? s.laCode, l);
      spend.get(s.laCode)!.pence += l.filled * l.price;
    }
  }
  return {
    source: 'published_capacity',
    partnership: { id: partnership.id, name: partnership.name },
    asOf,
    byBand: [...band.values()].sort(byKey),
    byNeed: [...need.values()].sort((a, b) => b.commissioned - a.commissioned),
    byLa: [...la.values()].sort((a, b) => a.label.localeCompare(b.label)),
    spendByLa: [...spend.values()].sort((a, b) => b.pence - a.pence),
  };
}
