import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { WATCHDOG, freePort } from './dynamodb-local.ts';

/** MailDev: a real SMTP server with a web inbox, so a developer reads what users would receive. */
export interface MailCatcher {
  smtpPort: number;
  webUrl: string;
  /** What it has received (MailDev's REST API), newest last. */
  emails(): Promise<{ subject: string; to: { address: string }[]; text: string }[]>;
  stop(): Promise<void>;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

/**
 * Starts MailDev (from npm) on loopback under the same watchdog shell as DynamoDB Local, so it
 * stops with this process however that ends. A port already taken falls back to a free one.
 */
export async function startMailCatcher(options: { smtpPort?: number; webPort?: number } = {}): Promise<MailCatcher> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('maildev/package.json')), 'bin', 'maildev');
  const pick = async (p: number | undefined) => (p === undefined || p === 0 || (await answers(p)) ? freePort() : p);
  const smtpPort = await pick(options.smtpPort);
  const webPort = await pick(options.webPort);
  const args = [
    process.execPath,
    bin,
    '--smtp',
    String(smtpPort),
    '--web',
    String(webPort),
    '--ip',
    '127.0.0.1',
    '--silent',
  ];
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'maildev', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const webUrl = `http://127.0.0.1:${webPort}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.stdin!.end();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000).unref());
    if ((await Promise.race([exited, timeout])) === 'timeout') child.kill('SIGKILL');
  };
  // MailDev loads a browser-like DOM library at start: seconds on a busy machine.
  const deadline = Date.now() + 120_000;
  while (!((await answers(smtpPort)) && (await answers(webPort)))) {
    if (child.exitCode !== null) throw new Error(`The mail catcher (MailDev) exited before it answered:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `The mail catcher (MailDev) did not answer on ports ${smtpPort}/${webPort} within 120 s:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    smtpPort,
    webUrl,
    async emails() {
      const res = await fetch(`${webUrl}/email`);
      return (await res.json()) as Awaited<ReturnType<MailCatcher['emails']>>;
    },
    stop,
  };
}
