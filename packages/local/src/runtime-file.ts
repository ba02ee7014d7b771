import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createStore, type Store } from '@placements/store';
import type { CommandIo } from './cli/upload-args.ts';

/** Where a running local marketplace says how to reach it, so the command-line tools find it. */
export interface RuntimeInfo {
  url: string;
  dynamoDbEndpoint: string;
  tableName: string;
  pid: number;
}

export const runtimeFile = (statePath: string) => join(statePath, 'runtime.json');

export function writeRuntime(statePath: string, info: RuntimeInfo): void {
  writeFileSync(runtimeFile(statePath), JSON.stringify(info, null, 2));
}

export function clearRuntime(statePath: string): void {
  rmSync(runtimeFile(statePath), { force: true });
}

/** The running marketplace's details, or undefined when none is running from this folder. */
export function readRuntime(statePath: string): RuntimeInfo | undefined {
  const file = runtimeFile(statePath);
  if (!existsSync(file)) return undefined;
  const info = JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined; // left behind by a process that is gone
  }
}

/**
 * The table a command-line tool writes to: TABLE_NAME (and DYNAMODB_ENDPOINT, if local) when set,
 * otherwise the running local marketplace's; undefined when there is neither.
 */
export function cliTable(
  repoRoot: string,
  env: Record<string, string | undefined> = process.env,
): { tableName: string; endpoint?: string } | undefined {
  const runtime = readRuntime(resolve(repoRoot, env.STATE_DIR ?? '.data'));
  const tableName = env.TABLE_NAME ?? runtime?.tableName;
  const endpoint = env.DYNAMODB_ENDPOINT ?? (env.TABLE_NAME === undefined ? runtime?.dynamoDbEndpoint : undefined);
  return tableName === undefined ? undefined : { tableName, ...(endpoint ? { endpoint } : {}) };
}

/**
 * The frame of a command that writes straight to the table (import:gias, load:ehcp), once its own
 * arguments are read: finds the table (exit 2 naming how to give one when there is none; `verb` is
 * what the command does, "import" or "load"), runs `work` with a store over it (exit 0), and on an
 * error prints what failed and each problem it names (exit 1). The store's client is closed either way.
 */
export async function cliCommand(
  io: CommandIo,
  repoRoot: string,
  verb: 'import' | 'load',
  work: (store: Store) => Promise<void>,
): Promise<number> {
  const target = cliTable(repoRoot, io.env);
  if (target === undefined) {
    io.err(
      `No marketplace to ${verb} into: start it first (npm start), or set TABLE_NAME (and DYNAMODB_ENDPOINT for a local table).\n`,
    );
    return 2;
  }
  const store = createStore(target);
  try {
    await work(store);
    return 0;
  } catch (error) {
    const e = error as { problems?: { field: string; message: string }[]; message: string };
    io.err(`${verb === 'import' ? 'Import' : 'Load'} failed: ${e.message}\n`);
    for (const p of e.problems ?? []) io.err(`  ${p.field}: ${p.message}\n`);
    return 1;
  } finally {
    store.db.destroy();
  }
}
