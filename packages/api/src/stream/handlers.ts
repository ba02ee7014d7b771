import type { StreamHandler } from '@placements/store';
import type { Deps } from '../http.ts';
import { offersOfFreedPlaces, queuesFollowCases, searchProjection } from './derived.ts';

/**
 * Every handler of the table's stream, in the order each batch is handed to them: the stream
 * Lambda in AWS and the local consumer of `npm start` both run exactly this list. A new
 * consumer of committed changes is one more line here (and its item types in STREAM_ITEM_TYPES).
 */
export function streamHandlers(deps: Deps): StreamHandler[] {
  return [
    searchProjection(deps),
    // Before offers: a freed place is never offered to a case that already left the queue.
    queuesFollowCases(deps),
    offersOfFreedPlaces(deps),
  ];
}

/** The item types those handlers read: the event source mapping's filter, and the local consumer's. */
export const STREAM_ITEM_TYPES: readonly string[] = ['listing', 'setting', 'case'];

/** The round worker's item type (its own event source mapping in AWS: infra/lib/contexts.ts). */
export const ROUND_ITEM_TYPES: readonly string[] = ['round'];
