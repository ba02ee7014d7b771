import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StreamChange } from '@placements/store';
import { localStreamConsumer } from '@placements/store/stream/local-stream';
import { freshStore } from '../support/store.ts';

/** The local stream consumer on DynamoDB Local's real stream: order, images, checkpoints, retries. */
let store: Awaited<ReturnType<typeof freshStore>>;
const endpoint = () => inject('dynamoDbEndpoint');
beforeAll(async () => {
  store = await freshStore('stream');
});
afterAll(async () => {
  await store.drop();
});

const put = (sk: string, n: number) =>
  store.db.send(new PutCommand({ TableName: store.tableName, Item: { pk: 'THING', sk, itemType: 'thing', n } }));

function recorder(fail?: () => boolean) {
  const seen: StreamChange[] = [];
  const consumer = localStreamConsumer({
    db: store.db,
    tableName: store.tableName,
    endpoint: endpoint(),
    itemTypes: ['thing'],
    maxAttempts: 3,
    handlers: [
      async (changes) => {
        if (fail?.()) throw new Error('handler failed');
        seen.push(...changes);
      },
    ],
  });
  return { seen, consumer };
}

describe('the local stream consumer', () => {
  it('hands committed changes to the handlers in order, with new and old images, and nothing twice', async () => {
    const { seen, consumer } = recorder();
    await put('a', 1);
    await store.db.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: { pk: 'THING', sk: 'a' },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': 2 },
      }),
    );
    await store.db.send(new DeleteCommand({ TableName: store.tableName, Key: { pk: 'THING', sk: 'a' } }));
    await consumer.drain();
    expect(seen.map((c) => [c.eventName, c.oldImage?.n, c.newImage?.n])).toEqual([
      ['INSERT', undefined, 1],
      ['MODIFY', 1, 2],
      ['REMOVE', 2, undefined],
    ]);
    expect(new Set(seen.map((c) => c.eventId)).size).toBe(3);
    expect(seen.every((c) => c.sequenceNumber.length > 0)).toBe(true);
    // Drained again: nothing new, nothing repeated.
    await consumer.drain();
    expect(seen).toHaveLength(3);
    await consumer.stop();
  });

  it('resumes after a restart from the checkpoint kept in the table', async () => {
    await put('b', 1);
    const first = recorder();
    await first.consumer.drain();
    expect(first.seen.map((c) => c.newImage?.sk)).toEqual(['b']);
    await first.consumer.stop();
    await put('c', 1);
    // A new consumer (a restarted process) sees only what came after the checkpoint.
    const second = recorder();
    await second.consumer.drain();
    expect(second.seen.map((c) => c.newImage?.sk)).toEqual(['c']);
    await second.consumer.stop();
  });

  it('retries a failing batch and does not move past it until it succeeds', async () => {
    let failures = 2;
    const { seen, consumer } = recorder(() => failures-- > 0);
    await put('d', 1);
    await consumer.drain();
    expect(failures).toBe(-1);
    expect(seen.map((c) => c.newImage?.sk)).toEqual(['d']);
    await consumer.stop();
  });

  it('polls by itself once started, and skipToEnd passes over what is there', async () => {
    const { seen, consumer } = recorder();
    await put('e', 1);
    await consumer.skipToEnd();
    consumer.start();
    await put('f', 1);
    const deadline = Date.now() + 10_000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(seen.map((c) => c.newImage?.sk)).toEqual(['f']);
    await consumer.stop();
  });
});
