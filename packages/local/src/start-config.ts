import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEscalationPolicy } from '@placements/api';
import { hasDataDir } from './seed/index.ts';

/** What `npm start` runs with, read from its arguments and environment (README, "Starting it"). */
export interface StartConfig {
  fresh: boolean;
  port: number;
  dataDir: string | undefined;
  statePath: string;
  everyMinutes: number;
  escalationPolicy: ReturnType<typeof parseEscalationPolicy>;
  mail: { smtpPort: number; webPort: number } | undefined;
  staleListingDays: number;
}

/**
 * `npm start`'s settings from its arguments and environment; a wrong one is an Error naming the
 * variable, its value and what it must be (the start command prints it and stops).
 */
export function startConfig(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  repoRoot: string,
): StartConfig {
  const fail = (message: string): never => {
    throw new Error(message);
  };
  const args = new Set(argv);
  const fresh = args.has('--fresh') || env.FRESH === '1';
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be a port number, not "${env.PORT}".`);
  const defaultDataDir = join(repoRoot, '..', 'shared', 'data');
  // DATA_DIR='' asks for the generated SE19 data even when shared/data is there.
  const dataDir =
    env.DATA_DIR === '' ? undefined : (env.DATA_DIR ?? (existsSync(defaultDataDir) ? defaultDataDir : undefined));
  if (env.DATA_DIR && !hasDataDir(env.DATA_DIR))
    fail(`DATA_DIR=${env.DATA_DIR} does not hold the public data files (see README, "Data").`);
  const statePath = resolve(repoRoot, env.STATE_DIR ?? '.data');
  const everyMinutes = Number(env.ESCALATION_INTERVAL_MINUTES ?? 60);
  if (!Number.isFinite(everyMinutes) || everyMinutes < 0)
    fail(
      `ESCALATION_INTERVAL_MINUTES must be minutes (0 turns the job off), not "${env.ESCALATION_INTERVAL_MINUTES}".`,
    );
  let escalationPolicy: ReturnType<typeof parseEscalationPolicy> | undefined;
  try {
    escalationPolicy = parseEscalationPolicy(
      env.ESCALATION_DAYS_WITHOUT_PLACE,
      env.ESCALATION_PHASE_TRANSFER_WARNING_DAYS,
    );
  } catch (error) {
    fail(`ESCALATION_DAYS_WITHOUT_PLACE / ESCALATION_PHASE_TRANSFER_WARNING_DAYS: ${(error as Error).message}`);
  }
  // The local mail catcher: MailDev's usual ports unless told otherwise; MAIL_CATCHER=0 turns it off.
  const mailPort = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isInteger(v) || v < 0 || v > 65535) fail(`${name} must be a port number, not "${env[name]}".`);
    return v;
  };
  const mail =
    env.MAIL_CATCHER === '0'
      ? undefined
      : { smtpPort: mailPort('MAIL_SMTP_PORT', 1025), webPort: mailPort('MAIL_WEB_PORT', 1080) };
  const staleListingDays = Number(env.NOTIFY_STALE_LISTING_DAYS ?? 30);
  if (!Number.isInteger(staleListingDays) || staleListingDays < 1)
    fail(`NOTIFY_STALE_LISTING_DAYS must be whole days above 0, not "${env.NOTIFY_STALE_LISTING_DAYS}".`);
  return {
    fresh,
    port,
    dataDir,
    statePath,
    everyMinutes,
    escalationPolicy: escalationPolicy!,
    mail,
    staleListingDays,
  };
}
