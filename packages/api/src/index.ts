export * from './auth.ts';
export * from './http.ts';
export * from './app.ts';
export * from './schemas.ts';
export { devApp, type TokenMinter } from './contexts/dev.ts';
export { searchPlaces, type SearchRequest, type SearchStats } from './services/search.ts';
export { runEscalations, type EscalationRun } from './services/escalation.ts';
export { parseEscalationPolicy, DEFAULT_ESCALATION_POLICY, type EscalationPolicy } from '@placements/domain';
