import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEhcpStatistics, type EhcpStatistics } from '@placements/domain';
import type { Store } from '@placements/store';

export interface EhcpLoad {
  partnershipId: string;
  loaded: EhcpStatistics[];
  /** Member LAs the DfE files have no row for. */
  missing: string[];
}

/**
 * Loads DfE's EHC plan statistics (caseload.csv and sen_needs_all_plans.csv in `ehcpDir`) for a
 * partnership's member LAs into the table, as the demand baseline its sufficiency view shows
 * beside the marketplace's own cases. Loading again replaces the figures.
 */
export async function loadEhcpBaseline(store: Store, ehcpDir: string, partnershipId: string): Promise<EhcpLoad> {
  const partnership = await store.reference.getPartnership(partnershipId);
  if (partnership === undefined)
    throw new Error(`No partnership has the id ${partnershipId}; GET /partnerships lists them.`);
  const { statistics, missing } = parseEhcpStatistics(
    readFileSync(join(ehcpDir, 'caseload.csv'), 'utf8'),
    readFileSync(join(ehcpDir, 'sen_needs_all_plans.csv'), 'utf8'),
    partnership.members,
  );
  await store.aggregates.putEhcpBaselines(statistics);
  return { partnershipId, loaded: statistics, missing };
}
