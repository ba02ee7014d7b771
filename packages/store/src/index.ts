import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, type StoreConfig } from './client.ts';
import { referenceRepository } from './repositories/reference.ts';
import { settingsRepository } from './repositories/settings.ts';
import { listingsRepository } from './repositories/listings.ts';
import { searchRepository } from './repositories/search.ts';
import { casesRepository, placementTransitions } from './repositories/cases.ts';
import { storeReachable } from './bootstrap.ts';
import { aggregatesRepository } from './repositories/aggregates.ts';
import { roundsRepository } from './repositories/rounds.ts';
import { feedRepository } from './repositories/feed.ts';
import { quotaRepository } from './repositories/quota.ts';
import { notificationsRepository } from './repositories/notifications.ts';
import { reservationsRepository } from './repositories/reservations.ts';

export * from './table.ts';
export * from './keys.ts';
export * from './cursor.ts';
export * from './page.ts';
export * from './client.ts';
export * from './errors.ts';
export * from './bootstrap.ts';
export * from './loader.ts';
export type { ReferenceRepository } from './repositories/reference.ts';
export type { SettingsRepository, SettingsFilter } from './repositories/settings.ts';
export { MAX_CHANGES_PER_TRANSACTION, type ListingChange, type ListingsRepository } from './repositories/listings.ts';
export * from './transaction.ts';
export * from './observability.ts';
export * from './stream/change.ts';
export {
  cellRange,
  cellRanges,
  NO_REGION,
  regionsOf,
  orderedRanges,
  searchEntryItems,
  type OrderedRange,
  type SearchPartition,
  type SearchRepository,
} from './repositories/search.ts';

/** Everything the API needs from persistence, bound to one table. */
export interface Store {
  tableName: string;
  db: DynamoDBDocumentClient;
  reference: ReturnType<typeof referenceRepository>;
  settings: ReturnType<typeof settingsRepository>;
  listings: ReturnType<typeof listingsRepository>;
  search: ReturnType<typeof searchRepository>;
  cases: ReturnType<typeof casesRepository>;
  placements: ReturnType<typeof placementTransitions>;
  aggregates: ReturnType<typeof aggregatesRepository>;
  rounds: ReturnType<typeof roundsRepository>;
  feed: ReturnType<typeof feedRepository>;
  quota: ReturnType<typeof quotaRepository>;
  notifications: ReturnType<typeof notificationsRepository>;
  reservations: ReturnType<typeof reservationsRepository>;
  reachable(): Promise<boolean>;
}

export function createStore(config: StoreConfig, db: DynamoDBDocumentClient = createDocumentClient(config)): Store {
  return {
    tableName: config.tableName,
    db,
    reference: referenceRepository(db, config.tableName),
    settings: settingsRepository(db, config.tableName),
    listings: listingsRepository(db, config.tableName),
    search: searchRepository(db, config.tableName),
    cases: casesRepository(db, config.tableName),
    placements: placementTransitions(db, config.tableName),
    aggregates: aggregatesRepository(db, config.tableName),
    rounds: roundsRepository(db, config.tableName),
    feed: feedRepository(db, config.tableName),
    quota: quotaRepository(db, config.tableName),
    notifications: notificationsRepository(db, config.tableName),
    reservations: reservationsRepository(db, config.tableName),
    reachable: () => storeReachable(db, config.tableName),
  };
}
export {
  PlaceTakenError,
  CaseNotOpenError,
  IdempotentReplayError,
  RoundChunkCommittedError,
  RoundPartsRefusedError,
  planRoundChunks,
  caseEntity,
  PLACEMENT_TEXT_FIELDS,
  DIRECTION_TEXT_FIELDS,
  REDACTED,
  type PlacementTextField,
  type CasesRepository,
  type PlacementTransition,
  type WaitingEntry,
  type RoundPlacement,
  type RoundListingPart,
} from './repositories/cases.ts';
export {
  counterActions,
  counterItems,
  type CounterItem,
  type EhcpBaseline,
  type AggregatesRepository,
} from './repositories/aggregates.ts';
export { ACTIVE_ROUNDS, type RoundsRepository } from './repositories/rounds.ts';
export { FEED_PART_SIZE, type FeedHead } from './repositories/feed.ts';
export {
  notificationId,
  NOTIFICATION_RETENTION_DAYS,
  type DigestEntry,
  type NotificationsRepository,
} from './repositories/notifications.ts';
export { ListingMovedError, type ReservationsRepository } from './repositories/reservations.ts';
