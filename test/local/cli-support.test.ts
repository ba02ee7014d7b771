import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cliTable,
  clearRuntime,
  type CommandIo,
  readRuntime,
  startConfig,
  uploadArgs,
  writeRuntime,
} from '@placements/local';

// What the command-line tools find on their own: the running npm start's address and table (its
// runtime file), or the environment's; and the upload commands' arguments.

const state = () => mkdtempSync(join(tmpdir(), 'runtime-'));
const info = (pid: number) => ({
  url: 'http://127.0.0.1:3999',
  dynamoDbEndpoint: 'http://127.0.0.1:8999',
  tableName: 'T1',
  pid,
});
const io = (argv: string[], env: Record<string, string | undefined> = {}) => {
  let err = '';
  const value: CommandIo = { argv, env, out: () => {}, err: (e) => (err += e), tty: false };
  return { value, err: () => err };
};
const saved = { ...process.env };
afterEach(() => {
  for (const k of ['STATE_DIR', 'TABLE_NAME', 'DYNAMODB_ENDPOINT']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('the runtime file of a running marketplace', () => {
  it('is read back while its process lives, and forgotten once cleared', () => {
    const dir = state();
    expect(readRuntime(dir)).toBeUndefined();
    writeRuntime(dir, info(process.pid));
    expect(readRuntime(dir)).toEqual(info(process.pid));
    clearRuntime(dir);
    expect(readRuntime(dir)).toBeUndefined();
  });

  it('is ignored when the process that wrote it is gone', () => {
    const dir = state();
    // Far above any pid Linux hands out (pid_max is at most 2^22).
    writeRuntime(dir, info(2 ** 30));
    expect(readRuntime(dir)).toBeUndefined();
  });

  it('gives the command-line tools the running marketplace’s table and endpoint, unless TABLE_NAME names another', () => {
    const dir = state();
    writeRuntime(dir, info(process.pid));
    process.env.STATE_DIR = dir;
    delete process.env.TABLE_NAME;
    delete process.env.DYNAMODB_ENDPOINT;
    expect(cliTable('/')).toEqual({ tableName: 'T1', endpoint: 'http://127.0.0.1:8999' });
    // A named table is a deployed one: the local endpoint is not used for it.
    process.env.TABLE_NAME = 'Prod';
    expect(cliTable('/')).toEqual({ tableName: 'Prod' });
    process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:8000';
    expect(cliTable('/')).toEqual({ tableName: 'Prod', endpoint: 'http://127.0.0.1:8000' });
    // Nothing running and nothing named: no table.
    clearRuntime(dir);
    delete process.env.TABLE_NAME;
    expect(cliTable('/')).toBeUndefined();
  });
});

describe('an upload command’s arguments', () => {
  it('reads the sheet, with the running marketplace’s address when neither --url nor API_URL is given', () => {
    const dir = state();
    writeRuntime(dir, info(process.pid));
    writeFileSync(join(dir, 'sheet.csv'), 'a,b\n1,2\n');
    const args = uploadArgs('u', io(['sheet.csv', '--token', 'jwt'], { STATE_DIR: dir, INIT_CWD: dir }).value);
    expect(args).toEqual({ text: 'a,b\n1,2\n', url: 'http://127.0.0.1:3999', token: 'jwt' });
  });

  it('prefers --url to API_URL, and falls back to :3000 with nothing running', () => {
    const dir = state();
    writeFileSync(join(dir, 's.csv'), 'x');
    const env = { STATE_DIR: dir, INIT_CWD: dir, TOKEN: 't' };
    expect(uploadArgs('u', io(['s.csv', '--url', 'http://a'], { ...env, API_URL: 'http://b' }).value)?.url).toBe(
      'http://a',
    );
    expect(uploadArgs('u', io(['s.csv'], { ...env, API_URL: 'http://b' }).value)?.url).toBe('http://b');
    expect(uploadArgs('u', io(['s.csv'], env).value)?.url).toBe('http://127.0.0.1:3000');
  });

  it('answers nothing and prints the usage without a file or a token', () => {
    const noToken = io(['s.csv'], { STATE_DIR: state() });
    expect(uploadArgs('npm run x -- <file>', noToken.value)).toBeUndefined();
    expect(noToken.err()).toBe('usage: npm run x -- <file>   (TOKEN and API_URL may be set instead)\n');
    const noFile = io(['--token', 'jwt'], { STATE_DIR: state() });
    expect(uploadArgs('u', noFile.value)).toBeUndefined();
    expect(noFile.err()).toContain('usage: u');
  });
});

describe('npm start’s settings', () => {
  // A checkout inside a folder of its own, so no shared/data beside it (say /tmp/shared) is found.
  const root = join(mkdtempSync(join(tmpdir(), 'start-config-')), 'repo');
  const refused = (env: Record<string, string>, argv: string[] = []) => {
    try {
      startConfig(argv, env, root);
    } catch (error) {
      return (error as Error).message;
    }
    return undefined;
  };

  it('defaults to port 3000, .data beside the repo, the hourly job, the mail catcher and generated data', () => {
    const c = startConfig([], {}, root);
    expect(c).toMatchObject({
      fresh: false,
      port: 3000,
      dataDir: undefined,
      statePath: join(root, '.data'),
      everyMinutes: 60,
      mail: { smtpPort: 1025, webPort: 1080 },
      staleListingDays: 30,
    });
    expect(startConfig(['--fresh'], { MAIL_CATCHER: '0', STATE_DIR: 's' }, root)).toMatchObject({
      fresh: true,
      mail: undefined,
      statePath: join(root, 's'),
    });
    expect(startConfig([], { FRESH: '1', DATA_DIR: '' }, root)).toMatchObject({ fresh: true, dataDir: undefined });
  });

  it('refuses each wrong setting, naming the variable, its value and what it must be', () => {
    expect(refused({ PORT: 'abc' })).toBe('PORT must be a port number, not "abc".');
    expect(refused({ PORT: '70000' })).toBe('PORT must be a port number, not "70000".');
    expect(refused({ DATA_DIR: root })).toBe(
      `DATA_DIR=${root} does not hold the public data files (see README, "Data").`,
    );
    expect(refused({ ESCALATION_INTERVAL_MINUTES: '-1' })).toBe(
      'ESCALATION_INTERVAL_MINUTES must be minutes (0 turns the job off), not "-1".',
    );
    expect(refused({ ESCALATION_DAYS_WITHOUT_PLACE: 'soon' })).toMatch(
      /^ESCALATION_DAYS_WITHOUT_PLACE \/ ESCALATION_PHASE_TRANSFER_WARNING_DAYS: /,
    );
    expect(refused({ MAIL_SMTP_PORT: 'x' })).toBe('MAIL_SMTP_PORT must be a port number, not "x".');
    expect(refused({ MAIL_WEB_PORT: '1.5' })).toBe('MAIL_WEB_PORT must be a port number, not "1.5".');
    expect(refused({ NOTIFY_STALE_LISTING_DAYS: '0' })).toBe(
      'NOTIFY_STALE_LISTING_DAYS must be whole days above 0, not "0".',
    );
  });
});
