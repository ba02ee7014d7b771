import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readRuntime } from '../runtime-file.ts';

/** What an upload command is run with: its arguments, environment and output (the process's, or a test's). */
export interface CommandIo {
  argv: string[];
  env: Record<string, string | undefined>;
  /** A line on standard output (the report). */
  out: (line: string) => void;
  /** Text on standard error (usage, the progress bar); no newline added. */
  err: (text: string) => void;
  /** Standard error is a terminal: the progress bar redraws one line instead of printing one per part. */
  tty: boolean;
}

/** The process's own arguments, environment and streams. */
export const processIo = (): CommandIo => ({
  argv: process.argv.slice(2),
  env: process.env,
  out: (line) => console.log(line),
  err: (text) => process.stderr.write(text),
  tty: process.stderr.isTTY === true,
});

/**
 * What an upload command needs from its command line: the sheet's text, the API's address and a
 * token. `--token`/TOKEN and `--url`/API_URL; the address defaults to the running `npm start`'s
 * (its runtime file), then :3000. Without a file or a token it prints `usage` and answers undefined
 * (the command then exits 2).
 */
export function uploadArgs(usage: string, io: CommandIo): { text: string; url: string; token: string } | undefined {
  const args = [...io.argv];
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const token = flag('--token') ?? io.env.TOKEN;
  const repoRoot = resolve(import.meta.dirname, '../../../..');
  const url =
    flag('--url') ??
    io.env.API_URL ??
    readRuntime(resolve(repoRoot, io.env.STATE_DIR ?? '.data'))?.url ??
    'http://127.0.0.1:3000';
  const file = args[0];
  if (file === undefined || token === undefined) {
    io.err(`usage: ${usage}   (TOKEN and API_URL may be set instead)\n`);
    return undefined;
  }
  return { text: readFileSync(resolve(io.env.INIT_CWD ?? process.cwd(), file), 'utf8'), url, token };
}
