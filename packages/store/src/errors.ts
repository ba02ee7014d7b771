import { DomainError, UnavailableError } from '@placements/domain';

const UNAVAILABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * Translates an infrastructure failure into a domain error at the persistence edge, so the API
 * can answer 503 with Retry-After instead of leaking an SDK exception as a 500.
 */
export function translateStoreError(error: unknown): unknown {
  if (error instanceof DomainError) return error;
  const e = error as { name?: string; code?: string; cause?: { code?: string } };
  if (
    (e?.name !== undefined && UNAVAILABLE_NAMES.has(e.name)) ||
    (e?.code !== undefined && UNAVAILABLE_CODES.has(e.code)) ||
    (e?.cause?.code !== undefined && UNAVAILABLE_CODES.has(e.cause.code)) ||
    e?.name === 'AbortError'
  ) {
    return new UnavailableError('The placement store is not answering just now; try again in a few seconds.');
  }
  return error;
}

/** Runs a store call, translating its failure. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translateStoreError(error);
  }
}
