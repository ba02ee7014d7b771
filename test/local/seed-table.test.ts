import { afterAll, describe, expect, inject, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedTableCommand } from '@placements/local';
import { createStore, dropTable, ensureTable, readSeedInfo } from '@placements/store';
import { runCommand } from '../support/command.ts';

// npm run seed:table against a table on DynamoDB Local: loads the reference data once, and
// refuses a table seeded already, so a deployed table is never loaded twice.

const tableName = `seed-table-${Date.now()}`;
const endpoint = inject('dynamoDbEndpoint');
const run = (argv: string[]) => runCommand(seedTableCommand, argv, { DYNAMODB_ENDPOINT: endpoint });
afterAll(async () => {
  await dropTable(createStore({ tableName, endpoint }).db, tableName);
});

describe('npm run seed:table', () => {
  it('loads the reference data without settings, then refuses to load the same table again', async () => {
    await ensureTable(createStore({ tableName, endpoint }).db, tableName);
    const first = await run([tableName]);
    expect(first.code, first.err).toBe(0);
    expect(first.out[0]).toMatch(new RegExp(`^Loaded into ${tableName}: .*19 las.*0 settings`));
    const info = await readSeedInfo(createStore({ tableName, endpoint }).db, tableName);
    expect(info?.counts).toMatchObject({ las: 19, settings: 0 });
    const again = await run([tableName, '--demo-settings']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(new RegExp(`^${tableName} was seeded on .*; nothing loaded\\.`));
  }, 120_000);

  it('without a table name, or with a folder that is not the public data, prints why and exits 2', async () => {
    const none = await run(['--demo-settings']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('usage: npm run seed:table -- <TableName from the stack outputs>');
    const empty = mkdtempSync(join(tmpdir(), 'not-data-'));
    const bad = await run([tableName, '--data-dir', empty]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`${empty} is not the public data folder (see README "Data").\n`);
  });
});
