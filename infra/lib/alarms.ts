import { Duration } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { BUSINESS_METRICS, METRICS_NAMESPACE, METRICS_SERVICE, type BusinessMetric } from '@placements/store';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RemovalPolicy } from 'aws-cdk-lib';

const FIVE_MINUTES = Duration.minutes(5);

/** API latency (p99 over five minutes) above which someone should look. */
export const API_LATENCY_P99_MS = 3000;
/** Allocation must stay quick even when contended: its own, tighter latency alarm. */
export const ALLOCATION_LATENCY_P95_MS = 1500;
/** A function whose p99 duration is this share of its timeout is about to time out. */
export const DURATION_SHARE_OF_TIMEOUT = 0.8;

/**
 * The marketplace's alarms, all notifying one encrypted SNS topic (subscribe an email or a
 * chat integration to it after deploying). Errors, throttles and latency, for each function, the
 * API and the table.
 */
/** Refusals in five minutes that raise the alarm: far above a few users mistyping or timing out. */
export const AUTH_REFUSALS_PER_5_MIN = 100;

export class MarketplaceAlarms extends Construct {
  readonly topic: Topic;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: { removalPolicy: RemovalPolicy }) {
    super(scope, id);
    // CloudWatch can only publish to an encrypted topic through a customer managed key it may use.
    const key = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts the marketplace alarm topic',
      removalPolicy: props.removalPolicy,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: 'SEND placement marketplace alarms',
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.grantPublish(new ServicePrincipal('cloudwatch.amazonaws.com'));
    this.action = new SnsAction(this.topic);
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods,
      datapointsToAlarm: evaluationPeriods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No traffic is not a failure.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    return alarm;
  }

  /** Errors (any unhandled one is a bug: the API maps expected failures), throttles, and running close to the timeout. */
  forFunction(name: string, fn: IFunction, timeout: Duration): void {
    this.alarm(
      `${name}Errors`,
      fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
      `${name}: the function failed (an unhandled error or a timeout).`,
    );
    this.alarm(
      `${name}Throttles`,
      fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
      `${name}: invocations were throttled (account or reserved concurrency exhausted).`,
    );
    this.alarm(
      `${name}Duration`,
      fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
      Math.round(timeout.toMilliseconds() * DURATION_SHARE_OF_TIMEOUT),
      `${name}: p99 duration above ${DURATION_SHARE_OF_TIMEOUT * 100}% of its ${timeout.toSeconds()} s timeout for 15 minutes.`,
      3,
    );
  }

  /** Server errors and slow answers at the API, and the allocation route's latency on its own. */
  forApi(stage: HttpStage, allocationRoute: string): void {
    this.alarm(
      'Api5xx',
      stage.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      5,
      'The API answered 5 or more 5xx responses in 5 minutes.',
    );
    this.alarm(
      'ApiLatency',
      stage.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
      API_LATENCY_P99_MS,
      `API p99 latency at or above ${API_LATENCY_P99_MS} ms for 15 minutes.`,
      3,
    );
    // Detailed (per-route) metrics are on for the stage, so one route can be watched alone.
    const allocation = new Metric({
      namespace: 'AWS/ApiGateway',
      metricName: 'Latency',
      dimensionsMap: { ApiId: stage.api.apiId, Stage: stage.stageName, Route: allocationRoute },
      period: FIVE_MINUTES,
      statistic: 'p95',
    });
    this.alarm(
      'AllocationLatency',
      allocation,
      ALLOCATION_LATENCY_P95_MS,
      `${allocationRoute}: p95 latency at or above ${ALLOCATION_LATENCY_P95_MS} ms for 15 minutes.`,
      3,
    );
  }

  /**
   * Bursts of 401 and 403 in the access logs: someone trying tokens or tenants they do not hold.
   * API Gateway's own 4xx metric mixes them with every 404 and 400, so the logs are counted.
   */
  forAuthRefusals(accessLogs: ILogGroup): void {
    const filter = new MetricFilter(this, 'AuthRefusalsFilter', {
      logGroup: accessLogs,
      metricNamespace: 'Placements',
      metricName: 'AuthRefusals',
      filterPattern: FilterPattern.any(
        FilterPattern.stringValue('$.status', '=', '401'),
        FilterPattern.stringValue('$.status', '=', '403'),
      ),
      metricValue: '1',
      defaultValue: 0,
    });
    this.alarm(
      'AuthRefusals',
      filter.metric({ period: FIVE_MINUTES, statistic: 'Sum' }),
      AUTH_REFUSALS_PER_5_MIN,
      `${AUTH_REFUSALS_PER_5_MIN} or more 401/403 answers in 5 minutes: tokens or tenants being tried.`,
    );
  }

  /** DynamoDB throttling (on-demand tables still throttle on hot partitions) and its own errors. */
  forTable(table: TableV2): void {
    // The operations the functions use (an alarm's math may sum at most 10 metrics).
    const operations = [
      Operation.GET_ITEM,
      Operation.BATCH_GET_ITEM,
      Operation.QUERY,
      Operation.PUT_ITEM,
      Operation.UPDATE_ITEM,
      Operation.DELETE_ITEM,
      Operation.TRANSACT_WRITE_ITEMS,
    ];
    this.alarm(
      'TableThrottles',
      table.metricThrottledRequestsForOperations({ operations, period: FIVE_MINUTES }),
      1,
      'DynamoDB throttled requests to the marketplace table.',
    );
    this.alarm(
      'TableSystemErrors',
      table.metricSystemErrorsForOperations({ operations, period: FIVE_MINUTES }),
      1,
      'DynamoDB answered with internal server errors.',
    );
  }

  /**
   * A stream consumer falling behind: the age of the oldest record it has not yet handled. Its
   * errors are alarmed with every function's (forFunction); records that fail every retry land
   * in its on-failure queue (forDeadLetterQueue).
   */
  forStreamConsumer(name: string, fn: IFunction, maxAgeSeconds: number): void {
    this.alarm(
      `${name}IteratorAge`,
      fn.metric('IteratorAge', { period: FIVE_MINUTES, statistic: 'Maximum' }),
      maxAgeSeconds * 1000,
      `${name}: the oldest stream record not yet handled is ${maxAgeSeconds} s old or more: derived data is falling behind.`,
    );
  }

  /** Anything in a dead-letter queue is an event that failed every retry. */
  forDeadLetterQueue(name: string, queue: IQueue): void {
    this.alarm(
      `${name}DeadLetters`,
      queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      1,
      `${name}: failed events are waiting in the dead-letter queue.`,
    );
  }

  /** A business metric the functions write in embedded metric format (packages/store/src/observability.ts). */
  static business(name: BusinessMetric, statistic = 'Sum'): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: METRICS_SERVICE },
      period: FIVE_MINUTES,
      statistic,
    });
  }

  /**
   * A failed waiting-list offer means a free place was not offered to a waiting child when it
   * was released (the escalation job retries within the hour): someone should look at the logs.
   */
  forBusiness(): void {
    this.alarm(
      'WaitingListOffersFailed',
      MarketplaceAlarms.business(BUSINESS_METRICS.waitingListOffersFailed),
      1,
      'Offering freed places to a waiting list failed (see the error logs with the same request_id).',
    );
  }

  /** One page for on-call: the business metrics beside the API's health. */
  dashboard(stage: HttpStage): Dashboard {
    const b = MarketplaceAlarms.business;
    const conflictsByReason = new MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},reason,service} MetricName="${BUSINESS_METRICS.conflicts}"', 'Sum', 300)`,
      label: '409 by reason',
      period: FIVE_MINUTES,
    });
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    const wide = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 12, height: 6 });
    dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# SEND placement marketplace\nBusiness metrics (namespace `Placements`, EMF from the functions) and the API. ' +
          'Trace a user report by its `x-request-id` in CloudWatch Logs Insights: `filter request_id = "<id>"`.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(
      wide('Allocations placed', [b(BUSINESS_METRICS.allocationsPlaced)]),
      wide('409s by reason', [conflictsByReason]),
    );
    dashboard.addWidgets(
      wide('Waiting-list offers', [
        b(BUSINESS_METRICS.waitingListOffersMade),
        b(BUSINESS_METRICS.waitingListOffersFailed),
      ]),
      wide('Transaction retries and overdue consultations', [
        b(BUSINESS_METRICS.transactionRetries),
        b(BUSINESS_METRICS.consultationsOverdue),
      ]),
    );
    dashboard.addWidgets(
      wide('Allocation round duration (ms)', [
        b(BUSINESS_METRICS.roundDuration, 'p50'),
        b(BUSINESS_METRICS.roundDuration, 'Maximum'),
      ]),
      wide('Stream lag (ms)', [b(BUSINESS_METRICS.streamLag, 'p95'), b(BUSINESS_METRICS.streamLag, 'Maximum')]),
    );
    dashboard.addWidgets(
      wide(
        'API requests and 5xx',
        [stage.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' })],
        [stage.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' })],
      ),
      wide('API latency (ms)', [stage.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' })]),
    );
    return dashboard;
  }
}
