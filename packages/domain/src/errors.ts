/** One invalid field and what a person should do about it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Base of the domain's errors; the API maps each subclass to one status and code. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export class ValidationError extends DomainError {
  readonly code = 'invalid_request';
  constructor(
    readonly problems: FieldProblem[],
    message?: string,
  ) {
    super(
      message ??
        `The request has ${problems.length} invalid field${problems.length === 1 ? '' : 's'}: ${problems.map((p) => p.field).join(', ')}.`,
    );
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

export class ConflictError extends DomainError {
  constructor(
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/** The store could not be reached or is throttling: the caller should retry later. */
/** A conflict that is worth retrying shortly (others held the same places): answered with Retry-After. */
export class ContendedError extends ConflictError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(code, message);
  }
}

export class UnavailableError extends DomainError {
  readonly code = 'store_unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds = 2,
  ) {
    super(message);
  }
}

/** A conditional write found another version than the caller expected (HTTP 412). */
export class PreconditionFailedError extends DomainError {
  readonly code = 'version_mismatch';
  constructor(
    message: string,
    readonly current: unknown,
  ) {
    super(message);
  }
}

/** Replacing needs the version the caller last saw, and none was sent (HTTP 428). */
export class PreconditionRequiredError extends DomainError {
  readonly code = 'version_required';
  constructor(
    message: string,
    readonly current: unknown,
  ) {
    super(message);
  }
}

/**
 * The request is well formed but cannot be honoured as sent (HTTP 422): an Idempotency-Key
 * already used for another request, for instance. The problems name the field or header.
 */
export class UnprocessableError extends DomainError {
  constructor(
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[],
  ) {
    super(message);
  }
}

/** A caller used up its own quota for an action (HTTP 429 with Retry-After): others are unaffected. */
export class QuotaExceededError extends DomainError {
  readonly code = 'quota_exceeded';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    readonly limit: number,
  ) {
    super(message);
  }
}
