export * from './auth.ts';
export * from './http.ts';
export * from './app.ts';
export * from './schemas.ts';
export { devApp, type TokenMinter } from './contexts/dev.ts';
export { searchPlaces, type SearchRequest, type SearchStats } from './services/search.ts';
