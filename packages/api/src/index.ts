export * from './auth.ts';
export * from './http.ts';
export * from './app.ts';
export * from './schemas.ts';
export * from './schemas-capacity.ts';
export * from './schemas-framework.ts';
export { devApp, type TokenMinter } from './contexts/dev.ts';
// Each context by name, so a Lambda bundles only its own (the packages declare no side effects).
export { platformApp } from './contexts/platform.ts';
export { frameworkApp } from './contexts/framework.ts';
export { partnershipApp } from './contexts/partnership.ts';
export { capacityApp } from './contexts/capacity.ts';
export { auditApp } from './contexts/audit.ts';
export { searchApp } from './contexts/search.ts';
export { casesApp } from './contexts/cases.ts';
export { placementsApp } from './contexts/placements.ts';
export { geographyApp } from './contexts/geography.ts';
export { roundsApp } from './contexts/rounds.ts';
export { notificationsApp } from './contexts/notifications.ts';
export { searchPlaces, searchPlacesFullRead, type SearchRequest, type SearchStats } from './services/search.ts';
export { tailoredListFor } from './services/tailored.ts';
export { runEscalations, type EscalationRun, type EscalationNotices } from './services/escalation.ts';
export {
  notificationsHandler,
  notify,
  sendDigests,
  nextDigestAt,
  DEFAULT_ADJUDICATOR_ORG,
  type NotifierDeps,
} from './services/notifications.ts';
export { parseEscalationPolicy, DEFAULT_ESCALATION_POLICY, type EscalationPolicy } from '@placements/domain';
export {
  followUpHandlers,
  PROJECTION_ITEM_TYPES,
  projectionHandlers,
  ROUND_ITEM_TYPES,
  streamHandlers,
  STREAM_ITEM_TYPES,
} from './stream/handlers.ts';
export { offersOfFreedPlaces, queuesFollowCases, searchProjection } from './stream/derived.ts';
export { backgroundRoundJobs, roundWorker, type RoundJobs } from './stream/rounds.ts';
export { runRoundJob, type RoundJobResult } from './services/round-worker.ts';
export { ALLOCATION_BUDGET_MS } from './services/allocation.ts';
// The table's stream consumer rebuilds a partnership's public feed when a member's listing changes.
export { rebuildFeed, FEED_MAX_AGE_SECONDS } from './services/partnerships.ts';
export { inParallel } from './services/parallel.ts';
