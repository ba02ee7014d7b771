import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startMarketplace } from './marketplace.ts';
import { type StartConfig, startConfig } from './start-config.ts';
import { clearRuntime, writeRuntime } from './runtime-file.ts';

/** `npm start`: the marketplace on localhost, with its data kept in .data/ between runs. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function fail(message: string): never {
  console.error(`\nCould not start the marketplace: ${message}`);
  process.exit(1);
}

// Locally the business metrics' EMF lines would bury the request logs; POWERTOOLS_METRICS_DISABLED=false shows them.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

let config: StartConfig;
try {
  config = startConfig(process.argv.slice(2), process.env, repoRoot);
} catch (error) {
  fail((error as Error).message);
}
const { fresh, port, dataDir, statePath, everyMinutes, escalationPolicy, mail, staleListingDays } = config;

console.log(`Starting DynamoDB Local and the marketplace${fresh ? ' (fresh: stored data dropped)' : ''}…`);
let running: Awaited<ReturnType<typeof startMarketplace>> | undefined;
try {
  running = await startMarketplace({
    port,
    host: process.env.HOST ?? '127.0.0.1',
    allowRemote: process.env.ALLOW_REMOTE_DEV_TOKENS === '1',
    statePath,
    fresh,
    dataDir,
    ...(process.env.SEED !== undefined ? { seed: Number(process.env.SEED) } : {}),
    log: (line) => console.log(`  ${line}`),
    escalation: { everyMs: everyMinutes * 60_000, policy: escalationPolicy, staleListingDays },
    ...(mail ? { mail } : {}),
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

let stopping = false;
async function shutdown(signal: string, code: number) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the marketplace and DynamoDB Local…`);
  clearRuntime(statePath);
  await running?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown('SIGINT', 0));
process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
process.on('SIGHUP', () => void shutdown('SIGHUP', 0));
process.on('uncaughtException', (error) => {
  console.error(error);
  void shutdown('crash', 1);
});

// Tells the command-line tools (upload:listings, import:gias) how to reach this marketplace.
writeRuntime(statePath, {
  url: running.url,
  dynamoDbEndpoint: running.dynamoDb.endpoint,
  tableName: running.store.tableName,
  pid: process.pid,
});

const readyMs = Math.round(performance.now());
const info = running.seedInfo;
const source = info.source === 'data_dir' ? `public data from ${info.dataDir}` : 'generated South East (SE19) data';
console.log(`
The marketplace is serving at ${running.url}  (ready in ${(readyMs / 1000).toFixed(1)} s)
  Data: ${source}, ${running.loadedNow ? 'loaded now' : `loaded ${info.loadedAt}; start with --fresh to reload`}
        ${Object.entries(info.counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}
  DynamoDB Local: ${running.dynamoDb.endpoint} (data in ${join(statePath, 'dynamodb')})
  Web app: ${running.url}/app/  (sign in as any demo identity below)
  API reference: ${running.url}/openapi.json
  Mail catcher: ${running.mailCatcher ? `${running.mailCatcher.webUrl}  (every email the demo users are sent; SMTP on 127.0.0.1:${running.mailCatcher.smtpPort})` : 'off (MAIL_CATCHER=0): notifications reach the in-app inbox only'}

Tokens (valid 12 hours; POST ${running.url}/dev/token mints others):`);
for (const id of running.identities) {
  console.log(`  ${id.label} — role ${id.principal.role}, org ${id.principal.org}\n    ${id.token}`);
}
const example = running.identities.find((i) => i.listingExample)?.listingExample;
console.log(`
Try:
  curl -s ${running.url}/las
  curl -s '${running.url}/settings?la=E10000016&limit=5'
  curl -s -H "Authorization: Bearer <token>" ${running.url}/bands${
    example
      ? `
  # as the provider (P=<provider token>): publish a listing, then read its audit trail
  curl -s -X PUT ${running.url}/settings/${example.urn}/listings/${example.listingId} -H "Authorization: Bearer $P" -H 'content-type: application/json' -d '${JSON.stringify(example.body)}'
  curl -s '${running.url}/audit?entity=listing:${example.urn}:${example.listingId}' -H "Authorization: Bearer $P"`
      : ''
  }

Press Ctrl-C to stop (DynamoDB Local stops with it).`);
