/**
 * Which JVM options DynamoDB Local should run with: the same transactions (30 conditional
 * puts of about 1 KB each, 8 at once, into a table with a GSI and its stream on, like the round's
 * commits) against a fresh in-memory DynamoDB Local started with each set of options in turn, the
 * sets repeated so the machine's drift shows. Prints actions a second for each, and the stream
 * read back (records a second), then each set's ratio to the first. By default the collectors:
 * G1 (Java's default) against serial; DDB_JVM_SETS='{"name":["-Xmx2g","-XX:+UseSerialGC"],…}'
 * compares other sets (every set gives its own heap and collector).
 *   node scripts/dev.mjs run test/bench/dynamodb-local-gc.ts [rounds=3] [actions=15000]
 */
import { spawn } from 'node:child_process';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { endpointAnswers } from '@placements/store';
import { dynamoDbLocalJar, freePort, loopbackLauncher } from '../../packages/local/src/dynamodb-local.ts';

const rounds = Number(process.argv[2] ?? 3);
const actions = Number(process.argv[3] ?? 15_000);
const PER_TRANSACTION = 30;
const sets: Record<string, string[]> = process.env.DDB_JVM_SETS
  ? JSON.parse(process.env.DDB_JVM_SETS)
  : { G1: ['-Xmx2g', '-XX:+UseG1GC'], serial: ['-Xmx2g', '-XX:+UseSerialGC'] };
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

async function measure(flags: string[]): Promise<{ actionsPerS: number; recordsPerS: number }> {
  const { jar, libDir } = dynamoDbLocalJar();
  const launcher = loopbackLauncher(jar);
  const port = await freePort();
  const java = spawn(
    'java',
    [
      ...flags,
      `-Djava.library.path=${libDir}`,
      ...(launcher === undefined
        ? ['-jar', jar]
        : ['-cp', [launcher, jar, `${libDir}/*`].join(':'), 'LoopbackDynamoDbLocal']),
      '-port',
      String(port),
      '-sharedDb',
      '-inMemory',
    ],
    { stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    while (!(await endpointAnswers(endpoint))) await new Promise((r) => setTimeout(r, 200));
    const client = new DynamoDBClient({ endpoint, region: 'eu-west-2', credentials });
    const db = DynamoDBDocumentClient.from(client);
    const TableName = 'gc-bench';
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', 'g1', 'g1s'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'g1', KeyType: 'HASH' },
              { AttributeName: 'g1s', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (;;) {
          const from = next;
          next += PER_TRANSACTION;
          if (from >= actions) return;
          await db.send(
            new TransactWriteCommand({
              TransactItems: Array.from({ length: PER_TRANSACTION }, (_, i) => ({
                Put: {
                  TableName,
                  Item: {
                    pk: `p${from + i}`,
                    sk: 's',
                    body: 'x'.repeat(800),
                    g1: `G${(from + i) % 50}`,
                    g1s: `${from + i}`,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
            }),
          );
        }
      }),
    );
    const actionsPerS = actions / ((performance.now() - started) / 1000);

    const streams = new DynamoDBStreamsClient({ endpoint, region: 'eu-west-2', credentials });
    const arn = (await client.send(new DescribeTableCommand({ TableName }))).Table!.LatestStreamArn!;
    const shards = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards!;
    const read = performance.now();
    let records = 0;
    for (const shard of shards) {
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
        )
      ).ShardIterator;
      while (iterator) {
        const res = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        records += res.Records!.length;
        if (res.Records!.length === 0) break;
        iterator = res.NextShardIterator;
      }
    }
    streams.destroy();
    client.destroy();
    return { actionsPerS, recordsPerS: records / ((performance.now() - read) / 1000) };
  } finally {
    java.kill('SIGKILL');
  }
}

const results: Record<string, number[]> = Object.fromEntries(Object.keys(sets).map((k) => [k, []]));
for (let r = 1; r <= rounds; r++) {
  for (const [name, flags] of Object.entries(sets)) {
    const { actionsPerS, recordsPerS } = await measure(flags);
    results[name]!.push(actionsPerS);
    console.log(
      `round ${r}, ${name}: ${actionsPerS.toFixed(0)} actions/s (${actions} in transactions of ${PER_TRANSACTION}, 8 at once); stream read ${recordsPerS.toFixed(0)} records/s`,
    );
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const [first, ...others] = Object.keys(sets);
console.log(
  `mean actions/s: ${Object.keys(sets)
    .map((k) => `${k} ${mean(results[k]!).toFixed(0)}`)
    .join(
      ', ',
    )}; ${others.map((k) => `${k}/${first} ${(mean(results[k]!) / mean(results[first!]!)).toFixed(2)}x`).join(', ')}`,
);
process.exit(0);
