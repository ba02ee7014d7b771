import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Structured logs and business metrics, the same in Lambda and in the local server: Powertools'
 * Logger writes one JSON object a line; Metrics writes CloudWatch's embedded metric format (EMF),
 * which CloudWatch Logs turns into metrics without a call to the CloudWatch API.
 *
 * A request's keys (request id, context, the caller's role and organisation) live in an
 * AsyncLocalStorage scope rather than in the logger's own keys, because the local server answers
 * many requests at once in one process: every line logged inside the scope carries them.
 * Never put a token, a body or free text in a key.
 */
export const logger = new Logger({ serviceName: 'placements' });

export interface RequestKeys {
  /** API Gateway's request id in AWS (also answered as x-request-id); a fresh UUID locally. */
  request_id: string;
  /** The bounded context whose route answered (cases, capacity, ...). */
  context?: string;
  /** The route as documented (/cases/{id}/allocate), never the path with its ids. */
  route?: string;
  role?: string;
  org?: string;
}

const scope = new AsyncLocalStorage<RequestKeys>();

/** Runs fn with these keys on every line logged inside it (the object may be filled in later). */
export function inRequestScope<T>(keys: RequestKeys, fn: () => T): T {
  return scope.run(keys, fn);
}

/** The current request's keys, to add the route, role and organisation once they are known. */
export function currentRequestKeys(): RequestKeys | undefined {
  return scope.getStore();
}

/** Marks the current request with the route that answers it and its context. */
export function markRoute(context: string | undefined, route: string) {
  const keys = scope.getStore();
  if (keys === undefined) return;
  keys.route = route;
  if (context !== undefined) keys.context = context;
}

type Extra = Record<string, unknown>;
const keysNow = (extra?: Extra) =>
  Object.fromEntries(Object.entries({ ...scope.getStore(), ...extra }).filter(([, v]) => v !== undefined));

/** Logs through Powertools with the current request's keys. */
export const log = {
  info: (message: string, extra?: Extra) => logger.info(message, keysNow(extra)),
  warn: (message: string, extra?: Extra) => logger.warn(message, keysNow(extra)),
  /** The error's name, message and stack go in `error`; extra keys beside it. */
  error: (message: string, error: unknown, extra?: Extra) =>
    logger.error(message, { ...keysNow(extra), error: error instanceof Error ? error : new Error(String(error)) }),
};

/**
 * The business metrics, one name each (namespace Placements, dimension service=placements, and
 * `reason` on Conflicts). Counts unless said otherwise.
 */
export const BUSINESS_METRICS = {
  /** A place allocated to a case (single allocation, waiting-list offer or round). */
  allocationsPlaced: 'AllocationsPlaced',
  /** A 409 answered, by its error code (`reason`). */
  conflicts: 'Conflicts',
  /** A DynamoDB transaction or an allocation tried again after contention. */
  transactionRetries: 'TransactionRetries',
  waitingListOffersMade: 'WaitingListOffersMade',
  /** Offering freed places failed with an error (left to the escalation job). */
  waitingListOffersFailed: 'WaitingListOffersFailed',
  /** Consultations escalated as overdue by the escalation job. */
  consultationsOverdue: 'ConsultationsOverdue',
  /** Milliseconds an allocation round took, from its request to its report. */
  roundDuration: 'RoundDuration',
  /** Milliseconds from a table change to its stream record being handled. */
  streamLag: 'StreamLag',
} as const;
export type BusinessMetric = (typeof BUSINESS_METRICS)[keyof typeof BUSINESS_METRICS];
export const METRICS_NAMESPACE = 'Placements';
export const METRICS_SERVICE = 'placements';

// Made on first use, so POWERTOOLS_METRICS_DISABLED (set by the local server and the tests) is read then.
let metrics: Metrics | undefined;
function emit(
  name: BusinessMetric,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit],
  value: number,
  dimensions: Record<string, string> = {},
) {
  metrics ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  // One EMF line per event, flushed at once: no buffer to lose when a Lambda ends or a server stops.
  const one = metrics.singleMetric();
  for (const [k, v] of Object.entries(dimensions)) one.addDimension(k, v);
  one.addMetric(name, unit, value);
}

/** The metrics helper every handler, job and stream consumer calls. */
export const businessMetrics = {
  count: (name: BusinessMetric, value = 1, dimensions?: Record<string, string>) => {
    if (value > 0) emit(name, MetricUnit.Count, value, dimensions);
  },
  conflict: (reason: string) => emit(BUSINESS_METRICS.conflicts, MetricUnit.Count, 1, { reason }),
  milliseconds: (name: BusinessMetric, ms: number) => emit(name, MetricUnit.Milliseconds, Math.round(ms)),
  /** For the stream consumer: how late a record is, from its ApproximateCreationDateTime (seconds). */
  streamLag: (approximateCreationDateTime: number | Date, now = Date.now()) => {
    const at =
      approximateCreationDateTime instanceof Date
        ? approximateCreationDateTime.getTime()
        : approximateCreationDateTime * 1000;
    emit(BUSINESS_METRICS.streamLag, MetricUnit.Milliseconds, Math.max(0, now - at));
  },
};
