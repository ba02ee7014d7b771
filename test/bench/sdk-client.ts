/**
 * What the AWS SDK's logger middleware costs Node per DynamoDB call. With no logger given the SDK
 * logs to a no-op logger, yet the middleware still copies every request and response through its
 * sensitive-data filter to hand them over. Two clients, built alike against one DynamoDB Local
 * holding the generated data: the SDK as it ships, and the store's (`withoutSdkLogging`). Each
 * call kind runs in turns, the two clients one after the other, and the Node CPU each call took
 * (process.cpuUsage: this process only, not DynamoDB Local's; a full collection before each turn)
 * is printed with the ratio.
 * `npm run bench:sdk-client`
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  createStore,
  ensureTable,
  loadReferenceData,
  regionsOf,
  settingItems,
  withoutSdkLogging,
} from '@placements/store';
import { buildReferenceData, startDynamoDbLocal } from '@placements/local';
import v8 from 'node:v8';
import vm from 'node:vm';

const TURNS = Number(process.env.BENCH_TURNS ?? 11);
const CALLS = Number(process.env.BENCH_CALLS ?? 60);
// A full collection before each turn, not counted: each turn then pays for its own garbage, not
// for what the other client's turn left behind.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const ddb = await startDynamoDbLocal();
try {
  const table = 'sdk-client';
  const store = createStore({ tableName: table, endpoint: ddb.endpoint });
  await ensureTable(store.db, table, undefined, { stream: false });
  const data = buildReferenceData({});
  await loadReferenceData(store.db, table, data, { source: data.source, seed: 19 });

  const client = (quiet: boolean) => {
    const c = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    if (quiet) withoutSdkLogging(c);
    return DynamoDBDocumentClient.from(c, { marshallOptions: { removeUndefinedValues: true } });
  };
  const clients = { 'as the SDK ships': client(false), 'without its logger': client(true) };

  // The calls a search, a round's commit and the stream's projection make most.
  const regionOf = regionsOf(data.las);
  const items = data.settings.flatMap((s) => settingItems(s, regionOf(s.laCode)));
  const entries = items.filter((i) => i.itemType === 'search_entry');
  const byPartition = new Map<string, number>();
  for (const e of entries) byPartition.set(e.gsi3pk as string, (byPartition.get(e.gsi3pk as string) ?? 0) + 1);
  const [biggest] = [...byPartition].sort((a, b) => b[1] - a[1])[0]!;
  const listing = items.find((i) => i.itemType === 'listing')!;
  const calls: [string, (db: DynamoDBDocumentClient, i: number) => Promise<unknown>][] = [
    [
      'Query, 50 search entries',
      (db) =>
        db.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'gsi3',
            KeyConditionExpression: 'gsi3pk = :p',
            ExpressionAttributeValues: { ':p': biggest },
            Limit: 50,
          }),
        ),
    ],
    [
      'BatchWriteItem, 25 search entries',
      (db, i) => {
        const batch = entries.slice((i * 25) % (entries.length - 25)).slice(0, 25);
        return db.send(
          new BatchWriteCommand({ RequestItems: { [table]: batch.map((Item) => ({ PutRequest: { Item } })) } }),
        );
      },
    ],
    [
      'TransactWriteItems, 16 search entries',
      (db, i) => {
        const batch = entries.slice((i * 16) % (entries.length - 16)).slice(0, 16);
        return db.send(
          new TransactWriteCommand({ TransactItems: batch.map((Item) => ({ Put: { TableName: table, Item } })) }),
        );
      },
    ],
    [
      'GetItem, a listing',
      (db) => db.send(new GetCommand({ TableName: table, Key: { pk: listing.pk, sk: listing.sk } })),
    ],
  ];
  const cpu: Record<string, Record<string, number[]>> = {};
  for (const [name, call] of calls) {
    cpu[name] = {};
    for (const label of Object.keys(clients)) cpu[name][label] = [];
    for (let turn = 0; turn < TURNS; turn++) {
      for (const [label, db] of Object.entries(clients)) {
        gc();
        const before = process.cpuUsage();
        for (let i = 0; i < CALLS; i++) await call(db, turn * CALLS + i);
        const used = process.cpuUsage(before);
        // The first turn warms each client's code paths up: not counted.
        if (turn > 0) cpu[name][label]!.push((used.user + used.system) / CALLS);
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `\nNode CPU per DynamoDB call (median of ${TURNS - 1} turns of ${CALLS} calls, after one to warm up; ${data.settings.length} settings loaded)\n`,
  );
  console.log('| call | as the SDK ships | without its logger | ratio |\n|---|---|---|---|');
  for (const [name] of calls) {
    const a = median(cpu[name]!['as the SDK ships']!);
    const b = median(cpu[name]!['without its logger']!);
    console.log(`| ${name} | ${(a / 1000).toFixed(2)} ms | ${(b / 1000).toFixed(2)} ms | ${(a / b).toFixed(2)}× |`);
  }
} finally {
  await ddb.stop();
}
