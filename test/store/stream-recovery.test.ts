import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient, enableStream, type StreamChange } from '@placements/store';
import {
  consumersTogether,
  localStreamConsumer,
  type LocalStreamOptions,
  streamCheckpoints,
} from '@placements/store/stream/local-stream';
import { freshStore } from '../support/store.ts';

/**
 * The local stream consumer (`npm start`'s event backbone) when things go wrong: a batch its
 * handlers keep failing, a shard iterator that expired or a checkpoint older than the stream
 * keeps (forced with aws-sdk-client-mock, as DynamoDB Local seldom gives them), DynamoDB Local
 * failing under the poller, a table without its stream. Nothing handled is lost, nothing is
 * handled twice where a checkpoint says it was done, and the consumer carries on.
 */
type Store = Awaited<ReturnType<typeof freshStore>>;
let store: Store;
const endpoint = () => inject('dynamoDbEndpoint');
beforeAll(async () => {
  store = await freshStore('stream-recovery');
});
afterAll(async () => {
  await store.drop();
});

let n = 0;
const put = (s: Store, sk: string, itemType = 'thing') =>
  s.db.send(new PutCommand({ TableName: s.tableName, Item: { pk: 'THING', sk, itemType, n: n++ } }));
const sks = (changes: StreamChange[]) => changes.map((c) => c.newImage?.sk);

function recorder(options: Partial<LocalStreamOptions> & { fail?: (c: StreamChange[]) => boolean } = {}) {
  const seen: StreamChange[] = [];
  const logged: string[] = [];
  const { fail, ...rest } = options;
  const consumer = localStreamConsumer({
    db: store.db,
    tableName: store.tableName,
    endpoint: endpoint(),
    itemTypes: ['thing'],
    maxAttempts: 2,
    idleMs: 20,
    log: (l) => logged.push(l),
    handlers: [
      async (changes) => {
        if (fail?.(changes)) throw new Error('handler failed');
        seen.push(...changes);
      },
    ],
    ...rest,
  });
  return { seen, logged, consumer };
}

/**
 * DynamoDB Streams calls through a mock of the client class (the consumer makes its own client):
 * `fault` may throw for a call; every other call goes to DynamoDB Local.
 */
function streamsWith(fault: (command: string, input: any) => void) {
  const realSend = DynamoDBStreamsClient.prototype.send;
  const real = new DynamoDBStreamsClient({
    endpoint: endpoint(),
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const mock = mockClient(DynamoDBStreamsClient);
  for (const Command of [DescribeStreamCommand, GetShardIteratorCommand, GetRecordsCommand])
    mock.on(Command as any).callsFake(async (input: any) => {
      fault(Command.name, input);
      return (realSend as any).call(real, new (Command as any)(input));
    });
  return mock;
}
let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

async function until(check: () => boolean, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}

describe('the local stream consumer, recovering', () => {
  it('sets a batch aside after its last attempt, saying so, and goes on to the next change', async () => {
    const setAside: { changes: StreamChange[]; error: unknown }[] = [];
    const { seen, logged, consumer } = recorder({
      fail: (changes) => changes.some((c) => c.newImage?.sk === 'poison'),
      onFailure: (changes, error) => setAside.push({ changes, error }),
    });
    await consumer.skipToEnd();
    await put(store, 'poison');
    await consumer.drain();
    expect(setAside).toHaveLength(1);
    expect(sks(setAside[0]!.changes)).toEqual(['poison']);
    expect(String(setAside[0]!.error)).toContain('handler failed');
    expect(logged).toEqual(['stream: 1 changes failed 2 times and were set aside: Error: handler failed']);
    // Past it: the next change is handled, and the poisoned one is not offered again.
    await put(store, 'after-poison');
    await consumer.drain();
    expect(sks(seen)).toEqual(['after-poison']);
    await consumer.stop();
  });

  it('gets a new iterator when its shard iterator has expired, losing and repeating nothing', async () => {
    const { seen, consumer } = recorder();
    await consumer.skipToEnd();
    await put(store, 'before-expiry');
    await consumer.drain();
    let expired = 0;
    const mock = streamsWith((command) => {
      if (command === 'GetRecordsCommand' && expired++ === 0)
        throw new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} });
    });
    restore = () => mock.restore();
    await put(store, 'after-expiry');
    await consumer.drain();
    expect(expired).toBeGreaterThan(1);
    expect(sks(seen)).toEqual(['before-expiry', 'after-expiry']);
    // A fresh iterator from the checkpoint, not from the start of the shard.
    const iterators = mock.commandCalls(GetShardIteratorCommand).map((c) => c.args[0].input.ShardIteratorType);
    expect(iterators).toContain('AFTER_SEQUENCE_NUMBER');
    expect(iterators).not.toContain('TRIM_HORIZON');
    await consumer.stop();
  });

  it('reads from the oldest record left when its checkpoint is older than the stream keeps', async () => {
    const first = recorder();
    await first.consumer.skipToEnd();
    await put(store, 'handled-before-restart');
    await first.consumer.drain();
    await first.consumer.stop();
    let trimmed = 0;
    const mock = streamsWith((command) => {
      if (command === 'GetRecordsCommand' && trimmed++ === 0)
        throw new TrimmedDataAccessException({ message: 'Trimmed', $metadata: {} });
    });
    restore = () => mock.restore();
    await put(store, 'after-restart');
    // A restarted consumer whose checkpoint the stream no longer reaches.
    const second = recorder();
    await second.consumer.drain();
    const types = mock.commandCalls(GetShardIteratorCommand).map((c) => c.args[0].input.ShardIteratorType);
    expect(types[0]).toBe('AFTER_SEQUENCE_NUMBER');
    expect(types).toContain('TRIM_HORIZON');
    // From the oldest record left: at least once, so the change after the restart is not lost.
    expect(sks(second.seen)).toContain('after-restart');
    expect(sks(second.seen)).toContain('handled-before-restart');
    await second.consumer.stop();
  });

  it('keeps polling through DynamoDB failing under it, logging once, and resumes from its checkpoint', async () => {
    const { seen, logged, consumer } = recorder();
    await consumer.skipToEnd();
    await put(store, 'before-outage');
    consumer.start();
    await until(() => seen.length === 1);
    let failing = true;
    const mock = streamsWith((command) => {
      if (failing && command === 'GetRecordsCommand')
        throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error', $metadata: {} });
    });
    restore = () => mock.restore();
    await until(() => logged.some((l) => l.startsWith('stream: polling failed')));
    await put(store, 'during-outage');
    failing = false;
    await until(() => seen.length === 2);
    await consumer.stop();
    expect(sks(seen)).toEqual(['before-outage', 'during-outage']);
    expect(logged.filter((l) => l.startsWith('stream: polling failed'))).toHaveLength(1);
    expect(logged[0]).toMatch(/^stream: polling failed \(Error: connect ECONNREFUSED\); retrying$/);
  });

  it('when a checkpoint write fails (it is not waited for), handles that batch again and loses nothing', async () => {
    // The consumer's table client, with its checkpoint writes failing while `failing`; every other
    // call goes to DynamoDB Local.
    let failing = false;
    let failed = 0;
    const db = createDocumentClient({ tableName: store.tableName, endpoint: 'http://127.0.0.1:1' });
    const mock = mockClient(db);
    mock.on(PutCommand).callsFake(async (input: any) => {
      if (failing && String(input.Item?.pk).startsWith('STREAM#CHECKPOINT')) {
        failed++;
        throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error', $metadata: {} });
      }
      return store.db.send(new PutCommand(input));
    });
    mock.on(QueryCommand).callsFake((input: any) => store.db.send(new QueryCommand(input)));
    mock.on(DescribeTableCommand).callsFake((input: any) => store.db.send(new DescribeTableCommand(input)));
    restore = () => mock.restore();
    const { seen, logged, consumer } = recorder({ db, name: 'failing-checkpoint' });
    await consumer.skipToEnd();
    consumer.start();
    failing = true;
    await put(store, 'checkpoint-lost');
    await until(() => seen.length === 1 && failed === 1);
    failing = false;
    // The next batch finds the failed write, and the consumer goes on from the table's checkpoint.
    await put(store, 'next');
    await until(() => sks(seen).filter((k) => k === 'next').length === 2);
    await consumer.stop();
    expect(logged.filter((l) => l.startsWith('stream: polling failed'))).toHaveLength(1);
    expect(sks(seen)).toEqual(['checkpoint-lost', 'next', 'checkpoint-lost', 'next']);
    // Once handled with its checkpoint written, nothing is handled again after a restart.
    const again = recorder({ name: 'failing-checkpoint' });
    expect(await again.consumer.drain()).toBe(0);
  });

  it('carries on when DynamoDB Local never answers a call: the call times out and is made again', async () => {
    // A proxy in front of DynamoDB Local that swallows requests (never answers) while `silent`.
    const target = new URL(endpoint());
    let silent = false;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      sockets.add(client);
      client.once('data', (first) => {
        if (silent) return; // the request is read and never answered, the connection left open
        const upstream = connect(Number(target.port), target.hostname, () => {
          upstream.write(first);
          client.pipe(upstream).pipe(client);
        });
        sockets.add(upstream);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as AddressInfo).port;
    const { seen, logged, consumer } = recorder({ endpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 500 });
    try {
      await consumer.skipToEnd();
      silent = true;
      // Sockets already open keep working; new ones are swallowed: close them so the next call needs one.
      for (const s of sockets) s.destroy();
      consumer.start();
      await put(store, 'unanswered');
      await until(() => logged.some((l) => l.startsWith('stream: polling failed')));
      expect(seen).toEqual([]);
      silent = false;
      await until(() => seen.length === 1);
      expect(sks(seen)).toEqual(['unanswered']);
      expect(logged[0]).toMatch(/^stream: polling failed \(.*(Timeout|timed out|timeout).*\); retrying$/);
    } finally {
      await consumer.stop();
      for (const s of sockets) s.destroy();
      proxy.close();
    }
  });

  it('stops a drain that never catches up, naming how long it waited', async () => {
    // A handler that writes a new change for every change it handles: the stream never runs dry.
    let i = 0;
    const consumer = localStreamConsumer({
      db: store.db,
      tableName: store.tableName,
      endpoint: endpoint(),
      itemTypes: ['echo'],
      handlers: [
        async () => {
          await put(store, `echo-${i++}`, 'echo');
        },
      ],
    });
    await consumer.skipToEnd();
    await put(store, 'echo-start', 'echo');
    await expect(consumer.drain(300)).rejects.toThrow('the stream was still busy after 300 ms');
    await consumer.stop();
  });
});

describe('a table without its stream', () => {
  it('is named when drained, and a started consumer waits for the stream and then reads it', async () => {
    const bare = await freshStore('no-stream', { stream: false });
    try {
      const seen: StreamChange[] = [];
      const logged: string[] = [];
      const consumer = localStreamConsumer({
        db: bare.db,
        tableName: bare.tableName,
        endpoint: endpoint(),
        idleMs: 20,
        log: (l) => logged.push(l),
        handlers: [async (c) => void seen.push(...c)],
      });
      await expect(consumer.drain()).rejects.toThrow(
        `Table ${bare.tableName} has no stream; it must be created with one (ensureTable does).`,
      );
      consumer.start();
      await until(() => logged.length > 0);
      expect(logged[0]).toContain(`Table ${bare.tableName} has no stream`);
      await enableStream(bare.db, bare.tableName);
      await put(bare, 'once-streamed');
      await until(() => seen.length > 0, 30_000);
      await consumer.stop();
      expect(sks(seen.filter((c) => c.newImage?.itemType === 'thing'))).toEqual(['once-streamed']);
    } finally {
      await bare.drop();
    }
  });
});

describe('several consumers of one stream', () => {
  it('each keep their own checkpoint and see every change; run together they drain, count and stop as one', async () => {
    const a = recorder({ name: 'a' });
    const b = recorder({ name: 'b' });
    const both = consumersTogether(a.consumer, b.consumer);
    await both.skipToEnd();
    await put(store, 'for-both');
    expect(await both.drain()).toBe(2);
    expect(both.handled).toBe(2);
    expect(sks(a.seen)).toEqual(['for-both']);
    expect(sks(b.seen)).toEqual(['for-both']);
    both.start();
    await put(store, 'polled-by-both');
    await until(() => a.seen.length === 2 && b.seen.length === 2);
    await both.stop();
    // The unnamed consumer's checkpoints are apart from theirs.
    const unnamed = await streamCheckpoints(store.db, store.tableName);
    for (const c of unnamed) expect(c.pk).toBe('STREAM#CHECKPOINT');
  });
});
