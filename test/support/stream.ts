/**
 * Reads DynamoDB Local's real stream for a table and hands the changes to stream handlers, the
 * way the table's stream consumer (the event backbone) does in AWS and under `npm start`. Tests
 * use it to drive a handler with the changes the API actually committed.
 */
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ExpiredIteratorException,
  TrimmedDataAccessException,
  type GetRecordsCommandOutput,
} from '@aws-sdk/client-dynamodb-streams';
import { toStreamChange, type StreamChange, type StreamHandler } from '@placements/store';

const LOCAL = { region: 'eu-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** Turns the table's stream on (new and old images) unless it is on already; returns its ARN. */
export async function enableStream(endpoint: string, tableName: string): Promise<string> {
  const db = new DynamoDBClient({ ...LOCAL, endpoint });
  try {
    const d = await db.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.StreamSpecification?.StreamEnabled && d.Table.LatestStreamArn) return d.Table.LatestStreamArn;
    const u = await db.send(
      new UpdateTableCommand({
        TableName: tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    return u.TableDescription!.LatestStreamArn!;
  } finally {
    db.destroy();
  }
}

export interface StreamReader {
  /** Every change since the last call (in order per shard), as the consumer would hand them over. */
  read(): Promise<StreamChange[]>;
  /** Reads and hands the changes to the handlers, in one batch each, until the stream is quiet. */
  drainInto(...handlers: StreamHandler[]): Promise<number>;
  close(): void;
}

export function streamReader(endpoint: string, streamArn: string): StreamReader {
  const client = new DynamoDBStreamsClient({ ...LOCAL, endpoint });
  const iterators = new Map<string, string | undefined>();
  // The last record read per shard, to pick up after it when an iterator has to be replaced.
  const last = new Map<string, string>();
  const iteratorAfter = async (shard: string) =>
    (
      await client.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard,
          ...(last.has(shard)
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: last.get(shard) }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      )
    ).ShardIterator;
  async function read(): Promise<StreamChange[]> {
    const d = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of d.StreamDescription?.Shards ?? []) {
      if (!iterators.has(shard.ShardId!)) iterators.set(shard.ShardId!, await iteratorAfter(shard.ShardId!));
    }
    const out: StreamChange[] = [];
    for (const [shard, iterator] of iterators) {
      let it = iterator;
      let replaced = 0;
      while (it) {
        let res: GetRecordsCommandOutput;
        try {
          res = await client.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
        } catch (error) {
          // DynamoDB Local sometimes reports a fresh table's shard as trimmed (aws/aws-sdk-java#2923),
          // and iterators expire: go on after the last record read, as the real consumer does.
          const recoverable = error instanceof TrimmedDataAccessException || error instanceof ExpiredIteratorException;
          if (!recoverable || ++replaced > 3) throw error;
          it = await iteratorAfter(shard);
          continue;
        }
        for (const r of res.Records ?? []) {
          // The store's own reading of a record: DynamoDB Local's quirks (an empty map as `{}`) included.
          out.push(toStreamChange(r));
          last.set(shard, r.dynamodb!.SequenceNumber!);
        }
        it = res.NextShardIterator;
        iterators.set(shard, it);
        if ((res.Records ?? []).length === 0) break;
      }
    }
    return out;
  }
  return {
    read,
    async drainInto(...handlers) {
      let total = 0;
      for (;;) {
        const changes = await read();
        if (changes.length === 0) return total;
        total += changes.length;
        for (const h of handlers) await h(changes);
      }
    },
    close: () => client.destroy(),
  };
}
