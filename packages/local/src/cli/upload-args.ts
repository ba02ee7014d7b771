import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readRuntime } from '../runtime-file.ts';

/**
 * What an upload command needs from its command line: the sheet's text, the API's address and a
 * token. `--token`/TOKEN and `--url`/API_URL; the address defaults to the running `npm start`'s
 * (its runtime file), then :3000. Without a file or a token it prints `usage` and exits 2.
 */
export function uploadArgs(usage: string): { text: string; url: string; token: string } {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const token = flag('--token') ?? process.env.TOKEN;
  const repoRoot = resolve(import.meta.dirname, '../../../..');
  const url =
    flag('--url') ??
    process.env.API_URL ??
    readRuntime(resolve(repoRoot, process.env.STATE_DIR ?? '.data'))?.url ??
    'http://127.0.0.1:3000';
  const file = args[0];
  if (file === undefined || token === undefined) {
    console.error(`usage: ${usage}   (TOKEN and API_URL may be set instead)`);
    process.exit(2);
  }
  return { text: readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), file), 'utf8'), url, token };
}
