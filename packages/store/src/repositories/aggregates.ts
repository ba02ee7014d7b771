import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  logicalKey,
  type CounterDelta,
  type EhcpStatistics,
  type ForecastMethod,
  type LaForecast,
} from '@placements/domain';
import { keys, stripLayout } from '../keys.ts';
import { guarded } from '../errors.ts';
import { batchPut, partitionItems } from '../batch.ts';
import type { TransactItem } from '../transaction.ts';

/** One counter item as stored: its LA, its key (CAP#S2#ASD …) and its numeric fields. */
export interface CounterItem {
  la: string;
  key: string;
  values: Record<string, number>;
}

/**
 * The counter updates of a transaction: one ADD per counter item (deltas are merged by the caller,
 * counterChange, since a transaction may touch an item once). Counters are hot items at a region's
 * scale (a few writes a second at most), which DynamoDB's per-item limit of 1,000 writes a second
 * absorbs; see docs/partnerships.md.
 */
export function counterActions(tableName: string, deltas: CounterDelta[]): TransactItem[] {
  return deltas.map((d) => {
    const names: Record<string, string> = { '#la': 'la', '#key': 'key', '#type': 'itemType' };
    const values: Record<string, unknown> = { ':la': d.la, ':key': d.key, ':type': 'counter' };
    const adds = Object.entries(d.add).map(([field, v], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = v;
      return `#f${i} :v${i}`;
    });
    return {
      Update: {
        TableName: tableName,
        Key: keys.counter(d.la, d.key),
        UpdateExpression: `SET #la = :la, #key = :key, #type = :type ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
}

/** Items that set counters outright, for the loader (an empty table). */
export function counterItems(deltas: CounterDelta[]): Record<string, unknown>[] {
  return deltas.map((d) => ({ ...keys.counter(d.la, d.key), itemType: 'counter', la: d.la, key: d.key, ...d.add }));
}

const NON_COUNTER = new Set(['pk', 'sk', 'la', 'key', 'itemType']);

export function aggregatesRepository(db: DynamoDBDocumentClient, tableName: string) {
  return {
    /**
     * Every counter of one LA: one Query (a few hundred items at most, however many settings),
     * the shards of each counter summed.
     */
    async countersOf(la: string): Promise<CounterItem[]> {
      const merged = new Map<string, CounterItem>();
      for (const item of await partitionItems(db, tableName, keys.counterPartition(la))) {
        const key = logicalKey(String(item.key));
        const c = merged.get(key) ?? { la, key, values: {} };
        for (const [k, v] of Object.entries(item))
          if (!NON_COUNTER.has(k) && typeof v === 'number')
            c.values[k] = Math.round(((c.values[k] ?? 0) + v) * 10) / 10;
        merged.set(key, c);
      }
      return [...merged.values()];
    },

    /** DfE's EHC plan figures for an LA (the demand baseline), as loaded by `npm run load:ehcp`. */
    async putEhcpBaselines(items: EhcpBaseline[]): Promise<void> {
      await guarded(() =>
        batchPut(
          db,
          tableName,
          items.map((b) => ({ ...keys.ehcpBaseline(b.laCode), itemType: 'ehcp_baseline', ...b })),
          4,
        ),
      );
    },
    async ehcpBaseline(la: string): Promise<EhcpBaseline | undefined> {
      const res = await guarded(() => db.send(new GetCommand({ TableName: tableName, Key: keys.ehcpBaseline(la) })));
      return res.Item === undefined ? undefined : stripLayout<EhcpBaseline>(res.Item);
    },

    /**
     * Each LA's EHC plan forecast and the method's backtest (computed from DfE's files by
     * `npm run load:ehcp` and at start). The method is written last: its presence means the
     * forecasts beside it are complete.
     */
    async putEhcpForecasts(forecasts: LaForecast[], method: ForecastMethod): Promise<void> {
      await guarded(() =>
        batchPut(
          db,
          tableName,
          forecasts.map((f) => ({ ...keys.ehcpForecast(f.laCode), itemType: 'ehcp_forecast', ...f })),
          4,
        ),
      );
      await guarded(() =>
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...keys.ehcpForecastMethod(), itemType: 'ehcp_forecast_method', ...method },
          }),
        ),
      );
    },
    async ehcpForecast(la: string): Promise<LaForecast | undefined> {
      const res = await guarded(() => db.send(new GetCommand({ TableName: tableName, Key: keys.ehcpForecast(la) })));
      return res.Item === undefined ? undefined : stripLayout<LaForecast>(res.Item);
    },
    async ehcpForecastMethod(): Promise<ForecastMethod | undefined> {
      const res = await guarded(() =>
        db.send(new GetCommand({ TableName: tableName, Key: keys.ehcpForecastMethod() })),
      );
      return res.Item === undefined ? undefined : stripLayout<ForecastMethod>(res.Item);
    },

    /** A partnership's daily figures (written once a day by the scheduled job): its trend. */
    async putSnapshot(partnershipId: string, date: string, figures: Record<string, unknown>): Promise<boolean> {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...keys.sufficiencySnapshot(partnershipId, date),
              itemType: 'sufficiency_snapshot',
              partnershipId,
              date,
              ...figures,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
    async snapshots(partnershipId: string, limit = 366): Promise<Record<string, unknown>[]> {
      const res = await guarded(() =>
        db.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.sufficiencySnapshot(partnershipId, '').pk },
            ScanIndexForward: false,
            Limit: limit,
          }),
        ),
      );
      return (res.Items ?? []).map((i) => stripLayout<Record<string, unknown>>(i)).reverse();
    },
  };
}

/** DfE EHC plan statistics of one LA (the demand baseline); see domain ehcp.ts. */
export type EhcpBaseline = EhcpStatistics;

export type AggregatesRepository = ReturnType<typeof aggregatesRepository>;
