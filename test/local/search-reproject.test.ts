import { afterAll, describe, expect, inject, it } from 'vitest';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { searchSettingOf } from '@placements/domain';
import { buildReferenceData, searchReprojectCommand } from '@placements/local';
import {
  batchPut,
  createStore,
  dropTable,
  ensureTable,
  keys,
  NO_REGION,
  regionsOf,
  searchEntryItems,
  settingItems,
} from '@placements/store';
import { runCommand } from '../support/command.ts';

// npm run search:reproject against a table on DynamoDB Local: a deployed table's search entries
// brought to the current key layout, those an earlier layout left deleted.

const tableName = `search-reproject-${Date.now()}`;
const endpoint = inject('dynamoDbEndpoint');
const store = createStore({ tableName, endpoint });
const run = (argv: string[]) => runCommand(searchReprojectCommand, argv, { DYNAMODB_ENDPOINT: endpoint });
const entriesOf = async (urn: string, listingId: string) =>
  (
    await store.db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `SEARCH#${urn}#${listingId}` },
      }),
    )
  ).Items ?? [];
afterAll(async () => {
  await dropTable(store.db, tableName);
});

describe('npm run search:reproject', () => {
  it('rewrites every listing’s entries in the current layout and deletes what an earlier one left, once', async () => {
    await ensureTable(store.db, tableName);
    const data = buildReferenceData({});
    const settings = data.settings.slice(0, 3);
    const regionOf = regionsOf(data.las);
    // The LAs (each LA's region is in its entries' map-cell keys) and, as a table deployed before
    // they kept a copy of their setting holds them, the listings, their entries keyed without a region.
    await batchPut(
      store.db,
      tableName,
      data.las.map((la) => ({ ...keys.la(la.laCode), itemType: 'la', ...la })),
    );
    await batchPut(
      store.db,
      tableName,
      settings.flatMap((s) => settingItems(s, NO_REGION)).map(({ searchSetting: _copy, ...item }) => item),
    );
    // What an older layout left, under two listings of two settings (reprojected at once): an
    // entry in a bucket this one does not have, with the places free it had then, and a current
    // entry missing.
    const leaveOld = async (setting: (typeof settings)[number]) => {
      const listing = setting.listings[0]!;
      const current = searchEntryItems(setting, listing, regionOf(setting.laCode));
      const first = current[0]!;
      const bucket = (first.sk as string).split('#')[1]!;
      const old = {
        ...first,
        sk: (first.sk as string).replace(`#${bucket}#`, '#Q#'),
        gsi3pk: (first.gsi3pk as string).replace(`#${bucket}#`, '#Q#'),
        gsi4pk: (first.gsi4pk as string).replace(`#${bucket}#`, '#Q#'),
        listing: { ...(first.listing as object), available: 99 },
      };
      await store.db.send(new PutCommand({ TableName: tableName, Item: old }));
      await store.db.send(new DeleteCommand({ TableName: tableName, Key: { pk: first.pk, sk: first.sk } }));
      expect((await entriesOf(setting.urn, listing.listingId)).map((e) => e.sk)).toContain(old.sk);
      return { setting, listing, current, first };
    };
    const left = [await leaveOld(settings[0]!), await leaveOld(settings[1]!)];

    const listings = settings.reduce((n, s) => n + s.listings.length, 0);
    const done = await run([tableName]);
    expect(done.code, done.err).toBe(0);
    expect(done.out[0]).toMatch(
      new RegExp(
        `^Reprojected ${listings} listings of 3 settings in ${tableName} in [\\d.]+ s; 2 entries of an earlier layout deleted\\.$`,
      ),
    );
    for (const { setting, listing, current, first } of left) {
      const after = await entriesOf(setting.urn, listing.listingId);
      expect(after.map((e) => e.sk).sort()).toEqual(current.map((e) => e.sk).sort());
      expect(after.find((e) => e.sk === first.sk)?.listing).toEqual(first.listing);
    }

    for (const s of settings) {
      for (const l of s.listings) {
        // Every entry in a map cell is filed under its LA's region now.
        const cells = (await entriesOf(s.urn, l.listingId)).filter((e) => e.gsi1sk !== undefined);
        expect(cells.length).toBeGreaterThan(0);
        for (const e of cells) expect(e.gsi1sk).toMatch(new RegExp(`^${regionOf(s.laCode)}#\\d{2}#`));
        const item = await store.db.send(
          new GetCommand({ TableName: tableName, Key: { pk: `SETTING#${s.urn}`, sk: `LISTING#${l.listingId}` } }),
        );
        expect(item.Item!.searchSetting).toEqual(searchSettingOf(s));
      }
    }

    // A copy already there (an import's, newer than what the reprojection reads) is left as it is.
    const kept = { pk: `SETTING#${settings[0]!.urn}`, sk: `LISTING#${settings[0]!.listings[0]!.listingId}` };
    const imported = { ...searchSettingOf(settings[0]!), name: 'Renamed by an import' };
    await store.db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: kept,
        UpdateExpression: 'SET searchSetting = :s',
        ExpressionAttributeValues: { ':s': imported },
      }),
    );

    const again = await run([tableName]);
    expect(again.out[0]).toMatch(/; 0 entries of an earlier layout deleted\.$/);
    expect((await store.db.send(new GetCommand({ TableName: tableName, Key: kept }))).Item!.searchSetting).toEqual(
      imported,
    );
  }, 120_000);

  it('without a table name prints how to run it and exits 2; with a table it cannot reach, says so and exits 1', async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toBe('usage: npm run search:reproject -- <TableName from the stack outputs>\n');
    const wrong = await run(['no-such-table']);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(
      /^No active table named no-such-table can be reached: use the TableName from the stack outputs/,
    );
    expect(wrong.out).toEqual([]);
  });
});
