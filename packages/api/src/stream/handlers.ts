import type { StreamHandler } from '@placements/store';
import type { Deps } from '../http.ts';
import { offersOfFreedPlaces, queuesFollowCases, searchProjection } from './derived.ts';

/** Handlers that touch nothing of each other's run side by side; the batch fails if either does (and is retried whole). */
const sideBySide =
  (...handlers: StreamHandler[]): StreamHandler =>
  async (changes) => {
    const settled = await Promise.allSettled(handlers.map((handle) => handle(changes)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  };

/** Handlers one after the other, in order. */
const inOrder =
  (...handlers: StreamHandler[]): StreamHandler =>
  async (changes) => {
    for (const handle of handlers) await handle(changes);
  };

/**
 * Every handler of the table's stream: the stream Lambda in AWS and the local consumer of
 * `npm start` both run exactly this list. Search entries are projected beside the queue work, not
 * after it: a batch full of a round's placed cases (each leaving its queues) must not hold back
 * the search entries of the listings in the same batch. A new consumer of committed changes is
 * one more line here (and its item types in STREAM_ITEM_TYPES).
 */
export function streamHandlers(deps: Deps): StreamHandler[] {
  return [
    sideBySide(
      searchProjection(deps),
      // Before offers: a freed place is never offered to a case that already left the queue.
      inOrder(queuesFollowCases(deps), offersOfFreedPlaces(deps)),
    ),
  ];
}

/**
 * The same handlers split in two, for two consumers of the stream each with its own checkpoint
 * (the local marketplace): search entries are never queued behind a backlog of queue and offer
 * work (a round's thousands of cases, the offers of freed places down long waiting lists).
 */
export function projectionHandlers(deps: Deps): StreamHandler[] {
  return [searchProjection(deps)];
}
export const PROJECTION_ITEM_TYPES: readonly string[] = ['listing'];
export function followUpHandlers(deps: Deps): StreamHandler[] {
  // Before offers: a freed place is never offered to a case that already left the queue.
  return [queuesFollowCases(deps), offersOfFreedPlaces(deps)];
}

/** The item types those handlers read: the event source mapping's filter, and the local consumer's. */
export const STREAM_ITEM_TYPES: readonly string[] = ['listing', 'case'];

/** The round worker's item type (its own event source mapping in AWS: infra/lib/contexts.ts). */
export const ROUND_ITEM_TYPES: readonly string[] = ['round'];
