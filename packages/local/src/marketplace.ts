import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import {
  backgroundRoundJobs,
  createApp,
  devTokenAuthenticator,
  ROUND_ITEM_TYPES,
  notificationsHandler,
  runEscalations,
  followUpHandlers,
  PROJECTION_ITEM_TYPES,
  projectionHandlers,
  STREAM_ITEM_TYPES,
  type RoundJobs,
  type EscalationPolicy,
  type NotifierDeps,
  type Principal,
} from '@placements/api';
import {
  consumersTogether,
  localStreamConsumer,
  renewEmptyStream,
  type LocalStreamConsumer,
} from '@placements/store/stream/local-stream';
import {
  createStore,
  dropTable,
  enableStream,
  ensureTable,
  loadReferenceData,
  marketplaceTable,
  readSeedInfo,
  type SeedInfo,
  type Store,
  type StreamChange,
  type StreamHandler,
} from '@placements/store';
import { logDeadLetters, smtpMailSender, staticDirectory } from '@placements/store/mail';
import { webDistDir } from '@placements/web';
import { startMailCatcher, type MailCatcher } from './mail-catcher.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { withWebApp } from './web-server.ts';
import { buildReferenceData, DEFAULT_SEED, SE19_ID } from './seed/index.ts';
import { hasEhcpFiles, loadEhcp } from './cli/load-ehcp.ts';

export interface MarketplaceOptions {
  port?: number;
  host?: string;
  /** Folder kept between runs (database, local signing key); omitted means all in memory. */
  statePath?: string;
  /** Drop what is stored and load the reference and demo data again. */
  fresh?: boolean;
  /**
   * A first load into statePath runs in a scratch folder in memory (/dev/shm) and the database is
   * moved into place when done; false loads straight into statePath (as before; for comparison).
   */
  loadInMemory?: boolean;
  /** Folder of the public data files (shared/data); when absent, generated SE19 data. */
  dataDir?: string;
  /**
   * Folder of DfE's EHC plan files (baseline and forecast): `<dataDir>/ehcp`, else
   * `../shared/data/ehcp` beside the repository when it is there (generated LAs have real GSS
   * codes); null: none loaded.
   */
  ehcpDir?: string | null;
  seed?: number;
  tableName?: string;
  devTokenSecret?: string;
  /** Folder of the built web app served at /app/; packages/web/dist by default. */
  webDir?: string;
  log?: (line: string) => void;
  /**
   * The timeliness job (escalations, offers to waiting lists) runs on this timer, as the
   * EventBridge schedule runs it in AWS. Omitted or 0: not scheduled (tests call it directly).
   */
  escalation?: { everyMs: number; policy?: EscalationPolicy; staleListingDays?: number };
  /**
   * Starts the local mail catcher (MailDev) on these ports (taken ones fall back to free ports);
   * the demo identities are then emailed there. Omitted: notifications reach the inbox only.
   */
  mail?: { smtpPort?: number; webPort?: number };
  /**
   * The server mints tokens for any role on POST /dev/token, so it listens on loopback only;
   * another address needs this deliberate flag (ALLOW_REMOTE_DEV_TOKENS=1 for npm start).
   */
  allowRemote?: boolean;
}

/** Loopback addresses: only this machine can reach a server bound to them. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export interface DemoIdentity {
  label: string;
  principal: Principal;
  token: string;
  /** For the provider: a setting it owns and a listing body valid for it, to try a PUT with. */
  listingExample?: { urn: string; listingId: string; body: Record<string, unknown> };
}

export interface RunningMarketplace {
  url: string;
  dynamoDb: DynamoDbLocal;
  store: Store;
  /** The consumer of the table's stream (search entries, offers, queues, rounds). */
  stream: LocalStreamConsumer;
  /** Allocation rounds being worked on in this process. */
  rounds: RoundJobs;
  seedInfo: SeedInfo;
  /** Whether this start loaded the data (false when it reused a stored table). */
  loadedNow: boolean;
  identities: DemoIdentity[];
  /** The mail catcher, when started: its web inbox shows every email sent. */
  mailCatcher?: MailCatcher;
  /** Who is told what, from here: the store, the demo directory, the mail catcher. */
  notifier: NotifierDeps;
  /**
   * Handlers of the table's stream, for the stream consumer to call with each batch of changes
   * (the notifications handler: inbox items and email).
   */
  streamHandlers: StreamHandler[];
  mint(p: Principal, ttlSeconds?: number): Promise<{ token: string; expiresAt: string }>;
  stop(): Promise<void>;
}

const DEFAULT_EHCP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ehcp');

function devSecret(options: MarketplaceOptions): string {
  if (options.devTokenSecret !== undefined) return options.devTokenSecret;
  if (options.statePath === undefined) return randomBytes(32).toString('hex');
  // Kept with the data so tokens printed by one run still work after a restart.
  const file = join(options.statePath, 'dev-token-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** DynamoDB Local's database file in its -dbPath folder (with -sharedDb). */
const DB_FILE = 'shared-local-instance.db';

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** A fresh folder on a memory file system (Linux's /dev/shm), or undefined where there is none. */
function scratchDir(): string | undefined {
  try {
    return existsSync('/dev/shm') ? mkdtempSync(join('/dev/shm', 'placements-load-')) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The table, and the reference and demo data in it unless a finished load is recorded there; then
 * DfE's EHC plan figures and the forecast, once per table (a table kept from before gets them too).
 * With `stream: false` (a load in the scratch folder) the table is left without its stream: the
 * DynamoDB Local that serves the moved database turns it on: a stream turned on after the load
 * holds no records, and the next process numbers new ones from 1, below the shard's starting
 * number, so a consumer's iterator never reaches them (docs/allocation.md; renewEmptyStream).
 */
async function loadIfNeeded(
  store: Store,
  tableName: string,
  options: MarketplaceOptions,
  log: (line: string) => void,
  stream = true,
): Promise<{ seedInfo: SeedInfo; loadedNow: boolean }> {
  await ensureTable(store.db, tableName, undefined, { stream });
  let seedInfo = await readSeedInfo(store.db, tableName);
  let loadedNow = false;
  if (seedInfo === undefined) {
    // No record of a finished load: start from an empty table so a half-finished one never lingers.
    await dropTable(store.db, tableName);
    // Loaded before the stream is on: the loader writes the search entries of what it loads.
    await ensureTable(store.db, tableName, undefined, { stream: false });
    let t0 = performance.now();
    const data = buildReferenceData({ dataDir: options.dataDir, seed: options.seed ?? DEFAULT_SEED });
    for (const s of data.skipped) log(`skipped ${s.file} line ${s.line}: ${s.reason}`);
    log(`reference data read and built in ${seconds(t0)}`);
    t0 = performance.now();
    seedInfo = await loadReferenceData(store.db, tableName, data, {
      source: data.source,
      seed: options.seed ?? DEFAULT_SEED,
      ...(data.source === 'data_dir' ? { dataDir: options.dataDir } : {}),
    });
    if (stream) await enableStream(store.db, tableName);
    log(`${seedInfo.counts.settings} settings and ${seedInfo.counts.listings} listings written in ${seconds(t0)}`);
    loadedNow = true;
  }
  const ehcpDir =
    options.ehcpDir === null
      ? undefined
      : (options.ehcpDir ?? [options.dataDir && join(options.dataDir, 'ehcp'), DEFAULT_EHCP_DIR].find(hasEhcpFiles));
  if (hasEhcpFiles(ehcpDir) && (await store.aggregates.ehcpForecastMethod()) === undefined) {
    const las: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.reference.listLas(200, cursor);
      las.push(...page.items.map((l) => l.laCode));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const t0 = performance.now();
    const loaded = await loadEhcp(store, ehcpDir, las);
    log(
      `DfE EHC plans: ${loaded.loaded.length} LAs' figures and ${loaded.forecasts} forecasts loaded from ${ehcpDir} in ${seconds(t0)}`,
    );
  }
  return { seedInfo, loadedNow };
}

/**
 * The whole marketplace on this machine: DynamoDB Local, the table from the shared definition,
 * reference and demo data, and every API context on one port.
 */
export async function startMarketplace(options: MarketplaceOptions = {}): Promise<RunningMarketplace> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.allowRemote) {
    throw new Error(
      `HOST=${host} would let anyone on the network mint tokens for any role (POST /dev/token). Listen on 127.0.0.1, or set ALLOW_REMOTE_DEV_TOKENS=1 if that is really meant.`,
    );
  }
  const tableName = options.tableName ?? marketplaceTable.tableName;
  if (options.statePath !== undefined) {
    if (options.fresh) rmSync(join(options.statePath, 'dynamodb'), { recursive: true, force: true });
    mkdirSync(options.statePath, { recursive: true });
  }
  const dbPath = options.statePath === undefined ? undefined : join(options.statePath, 'dynamodb');
  // A first load is written to a scratch folder in memory (tmpfs) and the finished database moved
  // into place: DynamoDB Local's SQLite syncs every write to disk, which made the first start on
  // the public data about 5x slower than the same load in memory (docs/benchmarks.md, start-up).
  let loadedInScratch = false;
  if (dbPath !== undefined && options.loadInMemory !== false && !existsSync(join(dbPath, DB_FILE))) {
    const scratch = scratchDir();
    if (scratch !== undefined) {
      log(`loading into ${scratch}, then moving the database into ${dbPath}`);
      try {
        const loading = await startDynamoDbLocal({ dbPath: scratch });
        try {
          await loadIfNeeded(createStore({ tableName, endpoint: loading.endpoint }), tableName, options, log, false);
          loadedInScratch = true;
        } finally {
          await loading.stop();
        }
        mkdirSync(dbPath, { recursive: true });
        // Copied under another name and renamed: a crash mid-copy leaves no database, so the next
        // start loads again rather than finding half a table.
        const t0 = performance.now();
        copyFileSync(join(scratch, DB_FILE), join(dbPath, `${DB_FILE}.part`));
        renameSync(join(dbPath, `${DB_FILE}.part`), join(dbPath, DB_FILE));
        log(`database moved into ${dbPath} in ${seconds(t0)}`);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    }
  }
  const dynamoDb = await startDynamoDbLocal(dbPath === undefined ? {} : { dbPath });
  let server: ServerType | undefined;
  let mailCatcher: MailCatcher | undefined;
  try {
    const store = createStore({ tableName, endpoint: dynamoDb.endpoint });
    const loaded = await loadIfNeeded(store, tableName, options, log);
    const { seedInfo } = loaded;
    const loadedNow = loaded.loadedNow || loadedInScratch;
    // Before anything is written: a stream whose records the file no longer keeps (a start stopped
    // before any change, or records trimmed) would number the next ones below its consumers' reach.
    await renewEmptyStream(store.db, tableName, dynamoDb.endpoint);

    const auth = devTokenAuthenticator(devSecret(options));
    const app = createApp({ store, auth }, { devTokens: auth });
    const identities = await demoIdentities(store, auth.mint);
    const fetch = withWebApp(app.fetch, { webDir: options.webDir ?? webDistDir, identities: () => identities });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch, port: options.port ?? 3000, hostname: options.host ?? '127.0.0.1' }, () => resolve(s));
    });
    const address = server.address() as AddressInfo;
    const url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
    const running = server;
    mailCatcher = options.mail ? await startMailCatcher(options.mail) : undefined;
    const smtp = mailCatcher
      ? smtpMailSender({
          host: '127.0.0.1',
          port: mailCatcher.smtpPort,
          from: 'SEND placements <notifications@placements.localhost>',
        })
      : undefined;
    const notifier: NotifierDeps = {
      store,
      // Locally the demo identities are the organisations' users, each with a .test address.
      directory: staticDirectory(
        mailCatcher
          ? identities.map((i) => ({
              sub: i.principal.sub,
              email: `${i.principal.sub}@example.test`,
              role: i.principal.role,
              org: i.principal.org,
            }))
          : [],
      ),
      // With no catcher the directory is empty, so nothing is ever handed to this sender.
      mail: smtp ?? { send: async () => ({}) },
      deadLetters: logDeadLetters(log),
      appUrl: url,
      ...(options.escalation?.policy ? { policy: options.escalation.policy } : {}),
      log,
    };
    // Everything derived from committed changes, and allocation rounds, run from the table's
    // stream, as in AWS: from the last checkpoint, so a restart catches up on what it missed.
    const rounds = backgroundRoundJobs({ store, auth }, log);
    const onFailure = (changes: StreamChange[], error: unknown) => {
      // The local stand-in for the on-failure queue: changes that failed every retry, kept to look at.
      if (options.statePath === undefined) return;
      appendFileSync(
        join(options.statePath, 'stream-failures.jsonl'),
        `${JSON.stringify({ at: new Date().toISOString(), error: String(error), changes })}\n`,
      );
    };
    // Two consumers of the one stream, each with its own checkpoint: search entries follow their
    // listings at once, never queued behind a backlog of queue, offer and round work.
    const stream = consumersTogether(
      localStreamConsumer({
        db: store.db,
        tableName,
        endpoint: dynamoDb.endpoint,
        name: 'search',
        handlers: projectionHandlers({ store, auth }),
        itemTypes: PROJECTION_ITEM_TYPES,
        log,
        onFailure,
      }),
      localStreamConsumer({
        db: store.db,
        tableName,
        endpoint: dynamoDb.endpoint,
        handlers: [...followUpHandlers({ store, auth }), rounds.handler, notificationsHandler(notifier)],
        // Audit events and rounds also tell people (the notifications consumer in AWS).
        itemTypes: [...STREAM_ITEM_TYPES, ...ROUND_ITEM_TYPES, 'audit'],
        log,
        onFailure,
      }),
    );
    stream.start();
    // Rounds a crash or a stop left queued or running go on from their checkpoints.
    const resumed = await rounds.resumeActive();
    if (resumed > 0) log(`resuming ${resumed} allocation round${resumed === 1 ? '' : 's'} left unfinished`);
    let timer: NodeJS.Timeout | undefined;
    if (options.escalation !== undefined && options.escalation.everyMs > 0) {
      const policy = options.escalation.policy;
      let busy = false;
      timer = setInterval(() => {
        if (busy) return; // a slow run is never overlapped by the next
        busy = true;
        runEscalations({ store, auth }, policy, {
          notifier,
          ...(options.escalation?.staleListingDays ? { staleListingDays: options.escalation.staleListingDays } : {}),
        })
          .then((run) => {
            const raised = Object.entries(run.raised).map(([k, n]) => `${n} ${k}`);
            if (raised.length > 0 || run.placesOffered > 0)
              log(
                `escalation job: ${raised.join(', ') || 'nothing raised'}; ${run.placesOffered} freed places offered (${run.casesChecked} active cases checked)`,
              );
          })
          .catch((error) => log(`escalation job failed, will run again: ${String(error)}`))
          .finally(() => {
            busy = false;
          });
      }, options.escalation.everyMs);
      timer.unref();
    }
    return {
      url,
      dynamoDb,
      store,
      seedInfo,
      loadedNow,
      identities,
      stream,
      rounds,
      ...(mailCatcher ? { mailCatcher } : {}),
      notifier,
      streamHandlers: [notificationsHandler(notifier)],
      mint: auth.mint,
      async stop() {
        if (timer) clearInterval(timer);
        rounds.stop();
        await stream.stop();
        smtp?.close();
        await mailCatcher?.stop();
        await new Promise<void>((resolve) => running.close(() => resolve()));
        store.db.destroy();
        await dynamoDb.stop();
      },
    };
  } catch (error) {
    server?.close();
    await mailCatcher?.stop();
    await dynamoDb.stop();
    throw error;
  }
}

/** Ready tokens for a Kent commissioner, a Kent provider, a Medway provider, SE19 and the national team. */
async function demoIdentities(store: Store, mint: RunningMarketplace['mint']): Promise<DemoIdentity[]> {
  const kent = 'E10000016';
  const page = await store.settings.listSettings({ laCode: kent, type: 'special_academy' }, 5);
  const fallback = await store.settings.listSettings({ laCode: kent }, 5);
  const provider = [...page.items, ...fallback.items].find((s) => s.listings.length > 0);
  // A provider across Kent's boundary (Medway), so a Kent commissioner has someone to find there.
  const medway = (await store.settings.listSettings({ laCode: 'E06000035' }, 50)).items.find(
    (s) => s.listings.length > 0 && s.type.startsWith('special'),
  );
  const who: { label: string; principal: Principal }[] = [
    { label: 'LA commissioner (Kent)', principal: { sub: 'demo-kent-commissioner', role: 'la', org: kent } },
    ...(provider !== undefined
      ? [
          {
            label: `Provider (${provider.name}, URN ${provider.urn})`,
            principal: { sub: 'demo-provider', role: 'provider' as const, org: provider.providerId },
          },
        ]
      : []),
    ...(medway !== undefined && medway.providerId !== provider?.providerId
      ? [
          {
            label: `Provider in Medway (${medway.name}, URN ${medway.urn})`,
            principal: { sub: 'demo-medway-provider', role: 'provider' as const, org: medway.providerId },
          },
        ]
      : []),
    {
      label: 'Regional partnership (SE19)',
      principal: { sub: 'demo-se19-coordinator', role: 'partnership', org: SE19_ID },
    },
    { label: 'National framework team', principal: { sub: 'demo-national', role: 'national', org: 'dfe' } },
    // The trust of the Kent academy above, so a direction to admit it has someone to answer.
    ...(provider?.trustId !== undefined
      ? [
          {
            label: `Trust (${provider.trustId})`,
            principal: { sub: 'demo-trust', role: 'trust' as const, org: provider.trustId },
          },
        ]
      : []),
    { label: 'Schools Adjudicator', principal: { sub: 'demo-adjudicator', role: 'adjudicator', org: 'osa' } },
  ];
  const first = provider?.listings[0];
  const listingExample =
    provider !== undefined && first !== undefined
      ? {
          urn: provider.urn,
          listingId: 'demo-day',
          body: {
            band: first.band,
            needs: first.needs,
            ageMin: provider.ageMin,
            ageMax: provider.ageMax,
            attendance: 'day',
            commissioned: 6,
            filled: 4,
            availableFrom: first.availableFrom,
          },
        }
      : undefined;
  return Promise.all(
    who.map(async (w) => ({
      ...w,
      token: (await mint(w.principal)).token,
      ...(w.principal.sub === 'demo-provider' && listingExample ? { listingExample } : {}),
    })),
  );
}
