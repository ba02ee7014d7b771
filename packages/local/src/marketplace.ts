import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import {
  createApp,
  devTokenAuthenticator,
  runEscalations,
  type EscalationPolicy,
  type Principal,
} from '@placements/api';
import {
  createStore,
  dropTable,
  ensureTable,
  loadReferenceData,
  marketplaceTable,
  readSeedInfo,
  type SeedInfo,
  type Store,
} from '@placements/store';
import { webDistDir } from '@placements/web';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts';
import { withWebApp } from './web-server.ts';
import { buildReferenceData, DEFAULT_SEED, SE19_ID } from './seed/index.ts';

export interface MarketplaceOptions {
  port?: number;
  host?: string;
  /** Folder kept between runs (database, local signing key); omitted means all in memory. */
  statePath?: string;
  /** Drop what is stored and load the reference and demo data again. */
  fresh?: boolean;
  /** Folder of the public data files (shared/data); when absent, generated SE19 data. */
  dataDir?: string;
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
  escalation?: { everyMs: number; policy?: EscalationPolicy };
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
  seedInfo: SeedInfo;
  /** Whether this start loaded the data (false when it reused a stored table). */
  loadedNow: boolean;
  identities: DemoIdentity[];
  mint(p: Principal, ttlSeconds?: number): Promise<{ token: string; expiresAt: string }>;
  stop(): Promise<void>;
}

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

/**
 * The whole marketplace on this machine: DynamoDB Local, the table from the shared definition,
 * reference and demo data, and every API context on one port.
 */
export async function startMarketplace(options: MarketplaceOptions = {}): Promise<RunningMarketplace> {
  const log = options.log ?? (() => {});
  const tableName = options.tableName ?? marketplaceTable.tableName;
  if (options.statePath !== undefined) {
    if (options.fresh) rmSync(join(options.statePath, 'dynamodb'), { recursive: true, force: true });
    mkdirSync(options.statePath, { recursive: true });
  }
  const dynamoDb = await startDynamoDbLocal(
    options.statePath === undefined ? {} : { dbPath: join(options.statePath, 'dynamodb') },
  );
  let server: ServerType | undefined;
  try {
    const store = createStore({ tableName, endpoint: dynamoDb.endpoint });
    await ensureTable(store.db, tableName);
    let seedInfo = await readSeedInfo(store.db, tableName);
    let loadedNow = false;
    if (seedInfo === undefined) {
      // No record of a finished load: start from an empty table so a half-finished one never lingers.
      await dropTable(store.db, tableName);
      await ensureTable(store.db, tableName);
      const data = buildReferenceData({ dataDir: options.dataDir, seed: options.seed ?? DEFAULT_SEED });
      for (const s of data.skipped) log(`skipped ${s.file} line ${s.line}: ${s.reason}`);
      seedInfo = await loadReferenceData(store.db, tableName, data, {
        source: data.source,
        seed: options.seed ?? DEFAULT_SEED,
        ...(data.source === 'data_dir' ? { dataDir: options.dataDir } : {}),
      });
      loadedNow = true;
    }

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
    let timer: NodeJS.Timeout | undefined;
    if (options.escalation !== undefined && options.escalation.everyMs > 0) {
      const policy = options.escalation.policy;
      let busy = false;
      timer = setInterval(() => {
        if (busy) return; // a slow run is never overlapped by the next
        busy = true;
        runEscalations({ store, auth }, policy)
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
      mint: auth.mint,
      async stop() {
        if (timer) clearInterval(timer);
        await new Promise<void>((resolve) => running.close(() => resolve()));
        store.db.destroy();
        await dynamoDb.stop();
      },
    };
  } catch (error) {
    server?.close();
    await dynamoDb.stop();
    throw error;
  }
}

/** Ready tokens for a Kent commissioner, a Kent provider, a Medway provider, SE19 and the national team. */
async function demoIdentities(store: Store, mint: RunningMarketplace['mint']): Promise<DemoIdentity[]> {
  const kent = 'E10000016';
  const page = await store.settings.listSettings({ la: kent, type: 'special_academy' }, 5);
  const fallback = await store.settings.listSettings({ la: kent }, 5);
  const provider = [...page.items, ...fallback.items].find((s) => s.listings.length > 0);
  // A provider across Kent's boundary (Medway), so a Kent commissioner has someone to find there.
  const medway = (await store.settings.listSettings({ la: 'E06000035' }, 50)).items.find(
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
      ? [{ label: `Trust (${provider.trustId})`, principal: { sub: 'demo-trust', role: 'trust' as const, org: provider.trustId } }]
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
