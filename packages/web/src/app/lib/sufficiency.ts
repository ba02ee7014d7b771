import type { Partnership } from './types.ts';

/** A count of children, or "<5" where the report suppresses 1 to 4 (capacity is never suppressed). */
export type Figure = number | '<5';

/** Places in one group (a band, a need, an LA): the capacity side, and demand where it is known. */
export interface CapacityRow {
  key: string;
  label: string;
  commissioned: number;
  filled: number;
  held: number;
  available: number;
  /** Children with no place held (open cases) in this group; only the sufficiency report knows it. */
  demand?: Figure;
}

/** One member LA's placements: how many are in another LA's settings, and how far away. */
export interface FlowRow {
  key: string;
  label: string;
  inArea: Figure;
  outOfArea: Figure;
  averageOutOfAreaKm: Figure | null;
}

export interface SpendRow {
  key: string;
  label: string;
  /** Pence per year. */
  pence: Figure;
  /** The same places at the band's tariff, where known. */
  atTariff?: Figure;
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
  /** Placements in and out of each member's area, where known. */
  flows?: FlowRow[];
  /** Children without a place across the partnership, and their average days without one. */
  withoutPlace?: { cases: Figure; averageDays: Figure | null };
  /** The partnership's annual spend on placements, as the report totals it. */
  spendTotal?: Figure;
  /** Mainstream requests each member refused (s.33), where the report has them. */
  refusalsByLa?: { key: string; label: string; refusals: Figure }[];
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key, 'en-GB', { numeric: true });

type Capacity = { commissioned: number; filled: number; held: number; available: number };
type Demand = {
  openCases: Figure;
  withoutPlace: Figure;
  averageDaysWithoutPlace: Figure | null;
  mainstreamRefusals?: Figure;
};
type Placements = {
  placements: Figure;
  /** Given by the API (with secondary suppression): the app never subtracts counts of children. */
  placedInArea: Figure;
  outOfArea: Figure;
  averageOutOfAreaKm: Figure | null;
  spend: Figure;
  spendAtTariff: Figure;
};

/** The answer of GET /partnerships/{id}/sufficiency, in the parts the dashboard draws. */
export interface SufficiencyResponse {
  partnership: { id: string; name: string };
  asOf: string;
  totals: { capacity: Capacity; demand: Demand; placements: Placements };
  byLa: { laCode: string; name: string; capacity: Capacity; demand: Demand; placements: Placements }[];
  byBand: { band: string; capacity: Capacity; demand: Demand }[];
  byNeed: { need: string; capacity: Capacity; demand: Demand }[];
}

const row = (key: string, label: string, c: Capacity, d: Demand): CapacityRow => ({
  key,
  label,
  commissioned: c.commissioned,
  filled: c.filled,
  held: c.held,
  available: c.available,
  demand: d.openCases,
});

/** The partnership sufficiency report mapped to what the dashboard draws: demand and flows included. */
export function fromSufficiencyReport(r: SufficiencyResponse): SufficiencyReport {
  return {
    source: 'sufficiency_report',
    partnership: { id: r.partnership.id, name: r.partnership.name },
    asOf: r.asOf,
    byBand: r.byBand.map((b) => row(b.band, `Band ${b.band}`, b.capacity, b.demand)).sort(byKey),
    byNeed: r.byNeed
      .map((n) => row(n.need, n.need, n.capacity, n.demand))
      .sort((a, b) => b.commissioned - a.commissioned),
    byLa: r.byLa.map((l) => row(l.laCode, l.name, l.capacity, l.demand)).sort((a, b) => a.label.localeCompare(b.label)),
    spendByLa: r.byLa
      .map((l) => ({ key: l.laCode, label: l.name, pence: l.placements.spend, atTariff: l.placements.spendAtTariff }))
      .sort((a, b) => (typeof b.pence === 'number' ? b.pence : 0) - (typeof a.pence === 'number' ? a.pence : 0)),
    flows: r.byLa
      .map((l) => ({
        key: l.laCode,
        label: l.name,
        inArea: l.placements.placedInArea,
        outOfArea: l.placements.outOfArea,
        averageOutOfAreaKm: l.placements.averageOutOfAreaKm,
      }))
      .sort((a, b) => a.label.localeCompare(b.label)),
    withoutPlace: { cases: r.totals.demand.withoutPlace, averageDays: r.totals.demand.averageDaysWithoutPlace },
    spendTotal: r.totals.placements.spend,
    ...(r.byLa.some((l) => l.demand.mainstreamRefusals !== undefined)
      ? {
          refusalsByLa: r.byLa
            .map((l) => ({ key: l.laCode, label: l.name, refusals: l.demand.mainstreamRefusals ?? 0 }))
            .sort((a, b) => a.label.localeCompare(b.label)),
        }
      : {}),
  };
}
