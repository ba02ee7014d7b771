import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { csvObjects } from '@placements/domain';
import { type CommandIo, importGiasCommand, loadEhcpCommand } from '@placements/local';
import { seededApp, type SeededApp } from '../support/store.ts';
import { runCommand } from '../support/command.ts';
import { dataDir } from '../support/data-dir.ts';

// npm run import:gias and npm run load:ehcp as an operator runs them against a table: what they
// print, and the exit code a script or CI step acts on (0 done, 1 refused, 2 usage).

let t: SeededApp;
beforeAll(async () => {
  if (dataDir) t = await seededApp({ dataDir, settings: false });
}, 300_000);
afterAll(async () => {
  await t?.store.drop();
});

/** Runs a command with the test table named as TABLE_NAME would name it, relative paths from `cwd`. */
async function run(
  command: (io: CommandIo, repoRoot?: string) => Promise<number>,
  argv: string[],
  env: Record<string, string | undefined> = {
    TABLE_NAME: t.store.tableName,
    DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint'),
  },
) {
  // A repository root with no running marketplace in it, so only the environment names a table.
  return runCommand((io) => command(io, mkdtempSync(join(tmpdir(), 'no-marketplace-'))), argv, env);
}

describe.runIf(dataDir !== undefined)('npm run import:gias', () => {
  it('imports an extract, counting the skipped rows by reason and naming each by line and URN', async () => {
    const sample = join(dataDir!, 'gias', 'gias_sample.csv');
    const r = await run(importGiasCommand, [sample]);
    expect(r.code, r.err).toBe(0);
    expect(r.out[0]).toBe('Read 99 establishments (2021 column set): 42 imported (42 new, 0 updated), 57 skipped.');
    // Most frequent reason first.
    expect(r.out[1]).toBe('  47 × a Welsh establishment: outside England');
    const lines = r.out.filter((l) => /^ {2}line \d+: URN \d{6} .*: skipped, /.test(l));
    expect(lines).toHaveLength(57);
    // What it printed as imported is in the table.
    const { rows } = csvObjects(readFileSync(sample, 'utf8'));
    const skippedUrns = new Set(lines.map((l) => /URN (\d{6})/.exec(l)![1]));
    const imported = rows.map((row) => row.values.URN!).filter((urn) => !skippedUrns.has(urn));
    expect(imported).toHaveLength(42);
    for (const urn of imported.slice(0, 5))
      expect(await t.store.settings.getSetting(urn), urn).toMatchObject({ urn, source: 'gias' });
  }, 120_000);

  it('reads the file from where npm was run (INIT_CWD), not from the repository', async () => {
    const r = await run(importGiasCommand, ['gias_sample.csv'], {
      TABLE_NAME: t.store.tableName,
      DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint'),
      INIT_CWD: join(dataDir!, 'gias'),
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out[0]).toMatch(/^Read 99 establishments .*\(0 new, 42 updated\)/);
  }, 120_000);

  it('refuses a file that is not a GIAS extract, naming each missing column, and imports nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gias-'));
    writeFileSync(join(dir, 'schools.csv'), 'Name,Town\nOak Tree School,Kent\n');
    const r = await run(importGiasCommand, [join(dir, 'schools.csv')]);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toMatch(/^Import failed: The request has \d+ invalid fields: URN, EstablishmentName/);
    expect(r.err).toMatch(/\n {2}URN: .+\n/);
    expect(r.err).toMatch(/\n {2}EstablishmentName: .+\n/);
  });

  it('says which file it could not read', async () => {
    const r = await run(importGiasCommand, ['/nowhere/edubasealldata.csv']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Import failed: .*no such file.*\/nowhere\/edubasealldata\.csv/);
  });
});

describe('npm run import:gias, asked wrongly', () => {
  it('prints its usage and exits 2 without a file', async () => {
    const r = await run(importGiasCommand, [], {});
    expect(r).toEqual({ code: 2, out: [], err: 'usage: npm run import:gias -- <edubasealldataYYYYMMDD.csv>\n' });
  });

  it('says to start the marketplace or name a table when there is neither, and exits 2', async () => {
    const r = await run(importGiasCommand, ['edubasealldata.csv'], {});
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^No marketplace to import into: start it first \(npm start\), or set TABLE_NAME/);
  });
});

describe.runIf(dataDir !== undefined)('npm run load:ehcp', () => {
  it('loads the DfE baseline and forecast for a partnership’s members, listing each LA’s plans', async () => {
    const members = t.data.partnerships.find((p) => p.id === 'se19')!.members;
    const r = await run(loadEhcpCommand, ['se19', join(dataDir!, 'ehcp')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out[0]).toMatch(new RegExp(`^Loaded DfE EHC plan statistics for ${members.length} LAs of se19\\.$`));
    const laLines = r.out.slice(1, 1 + members.length);
    expect(laLines.map((l) => /^ {2}(E\d{8}) /.exec(l)?.[1]).sort()).toEqual([...members].sort());
    for (const l of laLines) expect(l).toMatch(/: \d+ plans \(\d{4}\/\d{2}\)$/);
    expect(r.out.at(-1)).toMatch(new RegExp(`^Forecast for ${members.length} LAs\\. `));
    // What it printed is what the partnership's forecast now reads.
    const token = await t.token({ sub: 'coordinator', role: 'partnership', org: 'se19' });
    const forecast = await t.request('/partnerships/se19/forecast', { token });
    expect(forecast.status).toBe(200);
  }, 120_000);

  it('defaults to se19 and the shared data folder beside the repository', async () => {
    const out: string[] = [];
    let err = '';
    const io: CommandIo = {
      argv: [],
      env: { TABLE_NAME: t.store.tableName, DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint') },
      out: (l) => out.push(l),
      err: (e) => (err += e),
      tty: false,
    };
    // The default repository root: the shared data folder sits beside it.
    expect(await loadEhcpCommand(io), err).toBe(0);
    expect(out[0]).toMatch(/^Loaded DfE EHC plan statistics for \d+ LAs of se19/);
  }, 120_000);

  it('refuses a partnership that does not exist, naming it and where to find the ids, and exits 1', async () => {
    const r = await run(loadEhcpCommand, ['se99', join(dataDir!, 'ehcp')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('Load failed: No partnership has the id se99; GET /partnerships lists them.\n');
  });
});

describe('npm run load:ehcp, asked wrongly', () => {
  it('names the folder without DfE’s files and exits 2', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-ehcp-'));
    const r = await run(loadEhcpCommand, ['se19', empty], {});
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `No caseload.csv in ${empty}: pass the folder holding DfE's caseload.csv and sen_needs_all_plans.csv.\n`,
    );
  });

  it.runIf(dataDir !== undefined)(
    'says to start the marketplace or name a table when there is neither, and exits 2',
    async () => {
      const r = await run(loadEhcpCommand, ['se19', join(dataDir!, 'ehcp')], {});
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^No marketplace to load into: start it first \(npm start\), or set TABLE_NAME/);
    },
  );
});
