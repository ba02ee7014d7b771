import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type GetRecordsCommandOutput,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  dispatch,
  itemTypeOf,
  toStreamChange,
  type RawStreamRecord,
  type StreamChange,
  type StreamHandler,
} from './change.ts';
import { withoutSdkLogging } from '../client.ts';

/**
 * The table's stream consumer for DynamoDB Local (`npm start`, tests, benchmarks): the same
 * handlers the stream Lambda runs in AWS, fed by polling DynamoDB Local's own stream
 * (DescribeStream, GetShardIterator, GetRecords). Records appear in the stream only once their
 * transaction has committed, so nothing is processed early.
 *
 * - Shard lineage: a child shard is read only once its parent is read to its end, so the changes
 *   of one item are always handled in order.
 * - Checkpoints: after each batch, the last sequence number handled in each shard is kept in the
 *   table itself (STREAM#CHECKPOINT items), so a restart over kept data resumes there, and a
 *   fresh table starts from nothing. A checkpoint write is itself a stream record; a batch of
 *   nothing but those is not checkpointed again, so the consumer never feeds itself.
 * - Failures: a failing batch is retried with back-off, like the event source mapping; after
 *   `maxAttempts` its records go to `onFailure` (the local stand-in for the on-failure queue) and
 *   the consumer moves on.
 */
export interface LocalStreamOptions {
  db: DynamoDBDocumentClient;
  tableName: string;
  endpoint: string;
  handlers: readonly StreamHandler[];
  /** Only changes of these item types reach the handlers (the AWS filter criteria); all when omitted. */
  itemTypes?: readonly string[];
  /**
   * A consumer of its own, with its own checkpoints (`STREAM#CHECKPOINT#<name>`), beside others
   * reading the same stream: as two event source mappings on one stream in AWS. The unnamed
   * consumer keeps `STREAM#CHECKPOINT`.
   */
  name?: string;
  /** Records a GetRecords call returns at most (AWS: the mapping's batch size). */
  batchSize?: number;
  idleMs?: number;
  /**
   * How long a DynamoDB Streams call may go unanswered before it fails and is retried (10 s, as
   * the store's own client locally): without it, one call DynamoDB Local never answers stopped
   * the consumer for good (seen on a first `npm start`: no round ran, no search entry moved).
   */
  requestTimeoutMs?: number;
  maxAttempts?: number;
  onFailure?: (changes: StreamChange[], error: unknown) => void;
  log?: (line: string) => void;
}

const CHECKPOINT_PK = 'STREAM#CHECKPOINT';

/** A record's item type read from its raw image, without unmarshalling the rest. */
const rawItemType = (r: RawStreamRecord): string | undefined => {
  type Image = { itemType?: { S?: string } } | undefined;
  return (r.dynamodb?.NewImage as Image)?.itemType?.S ?? (r.dynamodb?.OldImage as Image)?.itemType?.S;
};
const CHECKPOINT_TYPE = 'stream_checkpoint';

interface ShardState {
  shard: Shard;
  iterator?: string | undefined;
  /** Read to its end (a closed shard whose iterator ran out). */
  finished: boolean;
  checkpoint?: string | undefined;
}

export interface LocalStreamConsumer {
  /** Polls until stop(); resolves at once. */
  start(): void;
  stop(): Promise<void>;
  /**
   * Runs the consumer until the stream has nothing new for the handlers (including what they
   * wrote themselves); returns the changes handled. For tests and tools.
   */
  drain(maxMs?: number): Promise<number>;
  /** Moves every checkpoint to the end of the stream without handling anything (after a bulk load that wrote its own derived data). */
  skipToEnd(): Promise<number>;
  /** Changes handled since start. */
  readonly handled: number;
}

/**
 * A DynamoDB Streams client for DynamoDB Local. Calls time out (as the store's client): without
 * throwOnRequestTimeout the SDK only warns and goes on waiting for a call that is never answered.
 */
function localStreamsClient(endpoint: string, requestTimeoutMs = 10_000): DynamoDBStreamsClient {
  return withoutSdkLogging(
    new DynamoDBStreamsClient({
      endpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
      requestHandler: { requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true, connectionTimeout: 5_000 },
    }),
  );
}

/** Every shard of a stream, page by page. */
async function shardsOf(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const all: Shard[] = [];
  let exclusiveStart: string | undefined;
  do {
    const res = await streams.send(
      new DescribeStreamCommand({
        StreamArn: streamArn,
        ...(exclusiveStart ? { ExclusiveStartShardId: exclusiveStart } : {}),
      }),
    );
    all.push(...(res.StreamDescription?.Shards ?? []));
    exclusiveStart = res.StreamDescription?.LastEvaluatedShardId;
  } while (exclusiveStart !== undefined);
  return all;
}

export function localStreamConsumer(options: LocalStreamOptions): LocalStreamConsumer {
  const { db, tableName } = options;
  const checkpointPk = options.name === undefined ? CHECKPOINT_PK : `${CHECKPOINT_PK}#${options.name}`;
  const streams = localStreamsClient(options.endpoint, options.requestTimeoutMs);
  const log = options.log ?? (() => {});
  const types = options.itemTypes === undefined ? undefined : new Set(options.itemTypes);
  const shards = new Map<string, ShardState>();
  let streamArn: string | undefined;
  let loaded = false;
  let running = false;
  let loop: Promise<void> | undefined;
  let busy: Promise<unknown> = Promise.resolve();
  let handled = 0;

  /** One pass at a time: the poll loop and an explicit drain never read the same shard at once. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = busy.then(fn, fn);
    busy = next.catch(() => undefined);
    return next;
  };

  async function loadCheckpoints(): Promise<void> {
    if (loaded) return;
    // The table's checkpoints are the truth: one kept here whose write failed is forgotten.
    for (const s of shards.values()) {
      s.checkpoint = undefined;
      s.finished = false;
    }
    let start: Record<string, unknown> | undefined;
    do {
      const res = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': checkpointPk },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const item of res.Items ?? []) {
        const state = shards.get(item.sk as string);
        if (state) {
          state.checkpoint = item.sequenceNumber as string | undefined;
          state.finished = item.finished === true;
        } else {
          shards.set(item.sk as string, {
            shard: { ShardId: item.sk as string },
            checkpoint: item.sequenceNumber as string | undefined,
            finished: item.finished === true,
          });
        }
      }
      start = res.LastEvaluatedKey;
    } while (start !== undefined);
    loaded = true;
  }

  let refreshedAt = 0;
  /** The shard list changes rarely (a shard closes and a child opens): described at most every few seconds. */
  async function refreshShards(force = false): Promise<void> {
    if (!force && streamArn !== undefined && Date.now() - refreshedAt < 3000) return;
    refreshedAt = Date.now();
    if (streamArn === undefined) {
      const d = await db.send(new DescribeTableCommand({ TableName: tableName }));
      streamArn = d.Table?.LatestStreamArn;
      if (streamArn === undefined)
        throw new Error(`Table ${tableName} has no stream; it must be created with one (ensureTable does).`);
    }
    await loadCheckpoints();
    const listed = new Set<string>();
    for (const shard of await shardsOf(streams, streamArn)) {
      const id = shard.ShardId!;
      listed.add(id);
      const known = shards.get(id);
      if (known) known.shard = shard;
      else shards.set(id, { shard, finished: false });
    }
    // Checkpoints of shards the stream has trimmed away are of no more use.
    for (const [id] of shards) if (!listed.has(id)) shards.delete(id);
  }

  /** A shard is read once its parent (if the stream still has it) has been read to its end. */
  const ready = (s: ShardState) => {
    if (s.finished) return false;
    const parent = s.shard.ParentShardId;
    return parent === undefined || !shards.has(parent) || shards.get(parent)!.finished;
  };

  async function iteratorFor(s: ShardState): Promise<string | undefined> {
    if (s.iterator) return s.iterator;
    const res = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn!,
        ShardId: s.shard.ShardId!,
        ...(s.checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: s.checkpoint }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    s.iterator = res.ShardIterator;
    return s.iterator;
  }

  /**
   * The checkpoint write in flight. It is not waited for before the next GetRecords (one round
   * trip less between a commit and its handling when DynamoDB Local is busy), only before the next
   * checkpoint write (so they land in order), and at the end of a drain and on stop. A crash before
   * it lands means the batch is handled again on restart, which the handlers allow (idempotent,
   * version-conditioned), as after a crash just before a checkpoint anyway.
   */
  let saving: Promise<void> = Promise.resolve();
  async function saveCheckpoint(s: ShardState): Promise<void> {
    const Item = {
      pk: checkpointPk,
      sk: s.shard.ShardId!,
      itemType: CHECKPOINT_TYPE,
      sequenceNumber: s.checkpoint,
      finished: s.finished,
      at: new Date().toISOString(),
    };
    await saved();
    saving = db.send(new PutCommand({ TableName: tableName, Item })).then(() => undefined);
    saving.catch(() => undefined); // seen by the next saved()
  }
  /**
   * Waits for the checkpoint write in flight. A failed one is thrown here, once: the pass fails
   * and the consumer goes on from the checkpoints in the table, handling that batch again.
   */
  async function saved(): Promise<void> {
    const inFlight = saving;
    saving = Promise.resolve();
    await inFlight;
  }

  /** Hands the wanted changes to the handlers; returns how many there were. */
  async function handle(changes: StreamChange[]): Promise<number> {
    const wanted = types === undefined ? changes : changes.filter((c) => types.has(itemTypeOf(c) ?? ''));
    if (wanted.length === 0) return 0;
    const attempts = options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await dispatch(options.handlers, wanted);
        handled += wanted.length;
        return wanted.length;
      } catch (error) {
        if (attempt >= attempts) {
          log(`stream: ${wanted.length} changes failed ${attempts} times and were set aside: ${String(error)}`);
          options.onFailure?.(wanted, error);
          return wanted.length;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * One read of every shard that is ready; returns how many records were read and how many of
   * them reached the handlers. With `skip`, the records are not handled: the checkpoint just
   * moves past them.
   */
  async function pass(skip = false): Promise<{ read: number; dispatched: number }> {
    await refreshShards();
    let read = 0;
    let dispatched = 0;
    const limit = options.batchSize ?? 1000;
    for (const s of [...shards.values()].filter(ready)) {
      for (;;) {
        let iterator: string | undefined;
        let res: GetRecordsCommandOutput | undefined;
        try {
          iterator = await iteratorFor(s);
          if (iterator === undefined) break;
          res = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
        } catch (error) {
          if (error instanceof ExpiredIteratorException) {
            s.iterator = undefined;
            continue;
          }
          if (error instanceof TrimmedDataAccessException) {
            // The checkpoint is older than the stream keeps: start from the oldest record left.
            s.checkpoint = undefined;
            s.iterator = undefined;
            continue;
          }
          throw error;
        }
        const records = res.Records ?? [];
        s.iterator = res.NextShardIterator;
        if (records.length > 0) {
          // Only the wanted records are unmarshalled: a round writes thousands (plans, audit events,
          // counters, waiting entries) that no handler reads, some of them large.
          const wanted = types === undefined ? records : records.filter((r) => types.has(rawItemType(r) ?? ''));
          if (!skip) dispatched += await handle(wanted.map(toStreamChange));
          s.checkpoint = records.at(-1)!.dynamodb?.SequenceNumber;
          read += records.length;
        }
        const closed = s.iterator === undefined || s.iterator === null;
        if (closed) {
          s.finished = true;
          refreshedAt = 0; // its children may be ready now
        }
        // A batch of only our own checkpoint writes is not checkpointed again (the consumer would feed itself).
        const meaningful = records.some((r: RawStreamRecord) => rawItemType(r) !== CHECKPOINT_TYPE);
        if (meaningful || closed) await saveCheckpoint(s);
        // Fewer than a full batch: this shard has nothing more just now.
        if (closed || records.length < limit) break;
      }
    }
    return { read, dispatched };
  }

  return {
    get handled() {
      return handled;
    },
    start() {
      if (running) return;
      running = true;
      loop = (async () => {
        let failures = 0;
        while (running) {
          try {
            const { read } = await exclusive(() => pass());
            failures = 0;
            if (read === 0) await new Promise((r) => setTimeout(r, options.idleMs ?? 100));
          } catch (error) {
            // DynamoDB Local restarting, or the table gone: try again, more slowly.
            failures++;
            if (failures === 1 || failures % 50 === 0) log(`stream: polling failed (${String(error)}); retrying`);
            for (const s of shards.values()) s.iterator = undefined;
            streamArn = undefined;
            loaded = false;
            await new Promise((r) => setTimeout(r, Math.min(5000, 200 * failures)));
          }
        }
      })();
    },
    async stop() {
      running = false;
      await loop;
      await busy;
      // The last checkpoint lands before stop returns (a failed one only means handling again).
      await saved().catch(() => undefined);
      streams.destroy();
    },
    async drain(maxMs = 60_000) {
      const deadline = Date.now() + maxMs;
      let total = 0;
      for (;;) {
        // Caught up once a pass hands nothing to the handlers: they wrote nothing more to follow.
        const { dispatched } = await exclusive(() => pass());
        total += dispatched;
        if (dispatched === 0) {
          await exclusive(saved);
          return total;
        }
        if (Date.now() > deadline) throw new Error(`the stream was still busy after ${maxMs} ms`);
      }
    },
    async skipToEnd() {
      let total = 0;
      for (;;) {
        const { read } = await exclusive(() => pass(true));
        total += read;
        if (read === 0) {
          await exclusive(saved);
          return total;
        }
      }
    },
  };
}

/** The checkpoint of every shard, for diagnostics (`GET /health` locally, tests). */
export async function streamCheckpoints(
  db: DynamoDBDocumentClient,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const res = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': CHECKPOINT_PK },
    }),
  );
  return res.Items ?? [];
}

/** Several consumers of one stream run, drained and stopped as one (the local marketplace's). */
export function consumersTogether(...consumers: LocalStreamConsumer[]): LocalStreamConsumer {
  return {
    get handled() {
      return consumers.reduce((n, c) => n + c.handled, 0);
    },
    start() {
      for (const c of consumers) c.start();
    },
    async stop() {
      await Promise.all(consumers.map((c) => c.stop()));
    },
    async drain(maxMs) {
      // What one hands on may give the other more to do (a projection after an offer): until neither has any.
      let total = 0;
      for (;;) {
        const handled = (await Promise.all(consumers.map((c) => c.drain(maxMs)))).reduce((a, b) => a + b, 0);
        total += handled;
        if (handled === 0) return total;
      }
    },
    async skipToEnd() {
      return (await Promise.all(consumers.map((c) => c.skipToEnd()))).reduce((a, b) => a + b, 0);
    },
  };
}

/**
 * Begins the table's stream again when the database file holds none of its records; returns
 * whether it did. DynamoDB Local numbers a stream's records on from the highest one its file
 * keeps, and from 1 when it keeps none, while the shard it serves them from keeps the starting
 * number it was given when the stream was turned on (after every write made before). So a stream
 * turned on after a load and restarted before any change (or one whose records were trimmed)
 * numbers its next changes below its shard's start and its consumers' checkpoints: their iterators
 * never reach them. With no records there is nothing unread to lose, and a stream turned off and
 * on again starts its shard where this process numbers. Call it before anything writes.
 */
export async function renewEmptyStream(
  db: DynamoDBDocumentClient,
  tableName: string,
  endpoint: string,
): Promise<boolean> {
  const table = (await db.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  const arn = table?.LatestStreamArn;
  if (table?.StreamSpecification?.StreamEnabled !== true || arn === undefined) return false;
  const streams = localStreamsClient(endpoint);
  try {
    for (const shard of await shardsOf(streams, arn)) {
      const iterator = await streams.send(
        new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      if (iterator.ShardIterator === undefined) continue;
      const first = await streams.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator, Limit: 1 }));
      if ((first.Records ?? []).length > 0) return false;
    }
  } finally {
    streams.destroy();
  }
  const spec = table.StreamSpecification;
  await db.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
  await db.send(
    new UpdateTableCommand({
      TableName: tableName,
      StreamSpecification: { StreamEnabled: true, StreamViewType: spec.StreamViewType ?? 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return true;
}
