import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createStore, enableStream, endpointAnswers, ensureTable } from '@placements/store';
import { localStreamConsumer, renewEmptyStream } from '@placements/store/stream/local-stream';
import { startMarketplace, startDynamoDbLocal } from '@placements/local';
import { repoRoot } from '../support/data-dir.ts';
import { isAlive, waitUntil } from '../support/process.ts';

const state = mkdtempSync(join(tmpdir(), 'placements-state-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe('the local marketplace', () => {
  it('serves the routes over HTTP on DynamoDB Local, keeps its data between runs, and reloads when fresh', async () => {
    const scratches = () =>
      (existsSync('/dev/shm') ? readdirSync('/dev/shm') : []).filter((n) => n.startsWith('placements-load-'));
    const scratchesBefore = scratches();
    // No EHC plan figures, as `npm start` from a fresh clone with no ../shared beside it: the
    // scratch load then writes nothing once its table's stream is on. When a stream was begun in the
    // scratch process, its shard started after the load's writes (6,291) and the serving process,
    // finding no stream records in the database file, numbered new ones from 1 again: no consumer
    // read them. The EHC plan figures, written there after the stream was on, hid that: the serving
    // process numbered on after their records, kept in the file.
    const first = await startMarketplace({ port: 0, statePath: state, ehcpDir: null });
    try {
      expect(first.loadedNow).toBe(true);
      // The first load ran in a scratch folder in memory; the finished database was moved into
      // the state folder and the scratch folder removed.
      expect(existsSync(join(state, 'dynamodb', 'shared-local-instance.db'))).toBe(true);
      expect(scratches()).toEqual(scratchesBefore);
      const health = await fetch(`${first.url}/health`);
      expect(await health.json()).toMatchObject({ status: 'ok', store: 'reachable' });
      const las = (await (await fetch(`${first.url}/las?limit=200`)).json()) as { items: { laCode: string }[] };
      expect(las.items.map((l) => l.laCode)).toContain('E10000016');
      // The printed tokens are accepted by the server that printed them.
      // Two providers: one in Kent, one across its boundary in Medway (the web app's story); a trust
      // and the Schools Adjudicator for directions and appeals.
      expect(first.identities.map((i) => i.principal.role)).toEqual([
        'la',
        'provider',
        'provider',
        'partnership',
        'national',
        'trust',
        'adjudicator',
      ]);
      expect(first.identities[2]!.label).toMatch(/^Provider in Medway/);
      for (const id of first.identities) {
        const res = await fetch(`${first.url}/bands`, { headers: { authorization: `Bearer ${id.token}` } });
        expect(res.status).toBe(200);
      }
      // The table's stream is read on a first start too (a stream begun in the scratch process was
      // not): a listing the provider publishes reaches search, through its search entries.
      const [kent, provider] = first.identities;
      const urn = /URN (\d+)/.exec(provider!.label)![1];
      const setting = (await (await fetch(`${first.url}/settings/${urn}`)).json()) as {
        needs: string[];
        ageMin: number;
        ageMax: number;
      };
      const need = setting.needs[0]!;
      const put = await fetch(`${first.url}/settings/${urn}/listings/first-start`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${provider!.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          band: 'S1',
          needs: [need],
          ageMin: setting.ageMin,
          ageMax: setting.ageMax,
          attendance: 'day',
          // Most places free of any in the LA: first in a search by most places.
          commissioned: 99,
          filled: 0,
          availableFrom: '2026-09-01',
        }),
      });
      expect(put.status, await put.clone().text()).toBe(201);
      const found = async () => {
        const res = await fetch(`${first.url}/places/search?need=${need}&age=${setting.ageMin}&scope=la&limit=10`, {
          headers: { authorization: `Bearer ${kent!.token}` },
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { items: { listing: { listingId: string } }[] };
        return body.items.some((i) => i.listing.listingId === 'first-start');
      };
      let shown = false;
      for (let i = 0; i < 100 && !shown; i++) {
        shown = await found();
        if (!shown) await new Promise((r) => setTimeout(r, 200));
      }
      expect(shown, 'the listing published on a first start shows in search').toBe(true);
      // And the stream's own numbering holds: the listing's own record carries a sequence number at
      // or above its shard's start (from a stream begun in the scratch process it carried 1, below
      // the start of 6,291, and a consumer's iterator never reached it).
      const streams = new DynamoDBStreamsClient({
        endpoint: first.dynamoDb.endpoint,
        region: 'eu-west-2',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      try {
        const arn = (await first.store.db.send(new DescribeTableCommand({ TableName: first.store.tableName }))).Table!
          .LatestStreamArn!;
        const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!
          .Shards![0]!;
        const iterator = await streams.send(
          new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
        );
        const records = await streams.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator! }));
        type Image = { itemType?: { S?: string }; listingId?: { S?: string } };
        const listing = records.Records!.find((r) => {
          const image = r.dynamodb?.NewImage as Image | undefined;
          return image?.itemType?.S === 'listing' && image.listingId?.S === 'first-start';
        });
        expect(BigInt(listing!.dynamodb!.SequenceNumber!)).toBeGreaterThanOrEqual(
          BigInt(shard.SequenceNumberRange!.StartingSequenceNumber!),
        );
      } finally {
        streams.destroy();
      }
    } finally {
      await first.stop();
    }
    expect(isAlive(first.dynamoDb.javaPid)).toBe(false);

    const second = await startMarketplace({ port: 0, statePath: state });
    try {
      expect(second.loadedNow).toBe(false);
      expect(second.seedInfo.loadedAt).toBe(first.seedInfo.loadedAt);
      // A token from the first run still works: the local key is kept with the data.
      const res = await fetch(`${second.url}/bands`, {
        headers: { authorization: `Bearer ${first.identities[0]!.token}` },
      });
      expect(res.status).toBe(200);
    } finally {
      await second.stop();
    }

    const third = await startMarketplace({ port: 0, statePath: state, fresh: true });
    try {
      expect(third.loadedNow).toBe(true);
      expect(third.seedInfo.counts.settings).toBe(first.seedInfo.counts.settings);
    } finally {
      await third.stop();
    }
    // Three starts, two of them loading data, on a machine busy with the other test files.
  }, 180_000);

  it('leaves no Java process behind when the process that started DynamoDB Local is killed outright', async () => {
    const script = `import { startDynamoDbLocal } from '@placements/local'; const d = await startDynamoDbLocal(); console.log('JAVA ' + d.javaPid); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: join(repoRoot, 'test'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const javaPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /JAVA (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    expect(isAlive(javaPid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitUntil(() => !isAlive(javaPid), 10_000)).toBe(true);
  }, 90_000); // starts Java in a child process: slow when the machine is busy

  it('stops DynamoDB Local when the start command gets Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'packages/local/src/start.ts')], {
      cwd: repoRoot,
      // The state the tests above loaded, when they ran: a start that loads nothing, since the
      // loads are what they check (run alone, this one loads its own and takes longer).
      env: { ...process.env, PORT: '0', DATA_DIR: '', STATE_DIR: state },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Press Ctrl-C')) resolve();
      });
      child.on('exit', () => reject(new Error(`start exited early:\n${out}`)));
    });
    expect(out).toMatch(/serving at http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toMatch(/ready in \d+\.\d s/);
    expect(out).toContain('role la, org E10000016');
    const ddbPort = /DynamoDB Local: http:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1];
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    // Nothing answers on DynamoDB Local's port any more.
    await expect(fetch(`http://127.0.0.1:${ddbPort}`)).rejects.toThrow();
    // Over the kept state about 10 s; run on its own, with a data load, about 30 s.
  }, 120_000);
});

describe('startDynamoDbLocal', () => {
  it('answers on a free port and stops when asked', async () => {
    const ddb = await startDynamoDbLocal();
    expect(ddb.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await ddb.stop();
    expect(await waitUntil(() => !isAlive(ddb.javaPid), 5000)).toBe(true);
  }, 60_000);

  it('listens on 127.0.0.1 only: the table is not open to the network', async () => {
    const ddb = await startDynamoDbLocal();
    try {
      // The kernel's own table of listening sockets (state 0A) on that port: loopback addresses only.
      const hex = ddb.port.toString(16).toUpperCase().padStart(4, '0');
      const listening = ['/proc/net/tcp', '/proc/net/tcp6']
        .flatMap((f) => readFileSync(f, 'utf8').split('\n').slice(1))
        .map((line) => line.trim().split(/\s+/))
        .filter((cols) => cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A')
        .map((cols) => cols[1]!.split(':')[0]);
      expect(listening.length).toBeGreaterThan(0);
      // 127.0.0.1 as IPv4, or as an IPv4-mapped IPv6 address; never 0.0.0.0 or ::.
      for (const a of listening) expect(['0100007F', '0000000000000000FFFF00000100007F']).toContain(a);
      // And from this machine's own network address, where it has one, nothing answers.
      const external = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && !i.internal && i.family === 'IPv4');
      if (external) await expect(fetch(`http://${external.address}:${ddb.port}`)).rejects.toThrow();
      expect(await endpointAnswers(ddb.endpoint)).toBe(true);
    } finally {
      await ddb.stop();
    }
  }, 60_000);

  it('queues a burst of connections while it is busy instead of dropping them', async () => {
    const ddb = await startDynamoDbLocal();
    try {
      // Java stopped in its tracks, as a DynamoDB Local too busy to accept: only the kernel's accept
      // queue holds the connections. With Java's default of 50 the rest of a burst had their SYNs
      // dropped and would have waited past the SDK's 5 s connection timeout.
      process.kill(ddb.javaPid, 'SIGSTOP');
      const burst = 300;
      const sockets: Socket[] = [];
      const connected = await Promise.all(
        Array.from(
          { length: burst },
          () =>
            new Promise<boolean>((resolve) => {
              const s = connect({ host: '127.0.0.1', port: ddb.port });
              sockets.push(s);
              const timer = setTimeout(() => resolve(false), 2000);
              const settle = (ok: boolean) => () => {
                clearTimeout(timer);
                resolve(ok);
              };
              s.once('connect', settle(true));
              s.once('error', settle(false));
            }),
        ),
      );
      for (const s of sockets) s.destroy();
      expect(connected.filter(Boolean).length).toBe(burst);
    } finally {
      process.kill(ddb.javaPid, 'SIGCONT');
      await ddb.stop();
    }
    expect(await waitUntil(() => !isAlive(ddb.javaPid), 5000)).toBe(true);
  }, 60_000);

  it('is killed outright and restarted on the same port and folder, with the data written before', async () => {
    const ddb = await startDynamoDbLocal({ dbPath: join(state, 'restart') });
    try {
      const store = createStore({ tableName: 'restart', endpoint: ddb.endpoint });
      await ensureTable(store.db, 'restart');
      const first = ddb.javaPid;
      await ddb.kill();
      expect(await waitUntil(() => !isAlive(first), 5000)).toBe(true);
      expect(await endpointAnswers(ddb.endpoint)).toBe(false);
      await ddb.restart();
      expect(ddb.javaPid).not.toBe(first);
      // The client made before the crash reconnects by itself; the table is still there.
      expect(await store.reachable()).toBe(true);
      const tables = await store.db.send(new ListTablesCommand({}));
      expect(tables.TableNames).toContain('restart');
      store.db.destroy();
    } finally {
      await ddb.stop();
    }
  }, 120_000);
});

describe('the stream over a kept database', () => {
  it('is begun again when the file keeps none of its records, so the next change reaches its consumer', async () => {
    const dbPath = join(state, 'empty-stream');
    const tableName = 'empty-stream';
    let ddb = await startDynamoDbLocal({ dbPath });
    try {
      // As a first start: a load written before the stream is on, the stream turned on (its shard
      // starts after those writes), then a stop before any change, so the file keeps no records.
      let store = createStore({ tableName, endpoint: ddb.endpoint });
      await ensureTable(store.db, tableName, undefined, { stream: false });
      for (let i = 0; i < 5; i++)
        await store.db.send(
          new PutCommand({ TableName: tableName, Item: { pk: 'LOADED', sk: `${i}`, itemType: 'x' } }),
        );
      await enableStream(store.db, tableName);
      store.db.destroy();
      await ddb.stop();
      ddb = await startDynamoDbLocal({ dbPath });
      store = createStore({ tableName, endpoint: ddb.endpoint });
      // The restarted DynamoDB Local numbers the next change from 1, below the shard's start (6):
      // without this, the consumer's iterator never reaches it.
      expect(await renewEmptyStream(store.db, tableName, ddb.endpoint)).toBe(true);
      const seen: string[] = [];
      const consumer = localStreamConsumer({
        db: store.db,
        tableName,
        endpoint: ddb.endpoint,
        handlers: [async (changes) => void seen.push(...changes.map((c) => String(c.newImage?.sk)))],
        itemTypes: ['published'],
      });
      try {
        await consumer.drain(); // its iterator is taken before the change, as a running consumer's is
        await store.db.send(
          new PutCommand({
            TableName: tableName,
            Item: { pk: 'PUBLISHED', sk: 'after-restart', itemType: 'published' },
          }),
        );
        await consumer.drain();
        expect(seen).toEqual(['after-restart']);
      } finally {
        await consumer.stop();
      }
      // A stream that keeps records numbers on after them: left as it is, nothing unread is lost.
      expect(await renewEmptyStream(store.db, tableName, ddb.endpoint)).toBe(false);
      store.db.destroy();
    } finally {
      await ddb.stop();
    }
  }, 60_000);
});
