import type { CommandIo } from '@placements/local';

/**
 * Runs a command in-process as its npm script would, with these arguments and environment, and
 * keeps what it prints: the exit code, each report line, and standard error's text.
 */
export async function runCommand(
  command: (io: CommandIo) => Promise<number>,
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  let err = '';
  const io: CommandIo = { argv, env, out: (l) => out.push(l), err: (e) => (err += e), tty: false };
  return { code: await command(io), out, err };
}
