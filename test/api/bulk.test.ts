import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingWithListings } from '@placements/domain';
import { seededApp, type SeededApp } from '../support/store.ts';
import { runCommand } from '../support/command.ts';
import { repoRoot } from '../support/data-dir.ts';
import { progressBar, uploadListings, uploadListingsCommand } from '@placements/local';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const TODAY = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let setting: SettingWithListings;
let owner: string;

const HEADER = 'listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom,price,variationReason';

beforeAll(async () => {
  t = await seededApp({ now: () => TODAY });
  setting = t.data.settings.find(
    (s) => s.type === 'special_academy' && s.needs.length >= 2 && s.ageMin <= 5 && s.ageMax >= 16,
  )!;
  owner = await t.token({ sub: 'staff-1', role: 'provider', org: setting.providerId });
});
afterAll(async () => {
  await t.store.drop();
});

const csv = (rows: string[]) => `${[HEADER, ...rows].join('\r\n')}\r\n`;
const [n1, n2] = [() => setting.needs[0], () => setting.needs[1]];
const row = (
  id: string,
  over: Partial<
    Record<
      | 'band'
      | 'needs'
      | 'ageMin'
      | 'ageMax'
      | 'attendance'
      | 'commissioned'
      | 'filled'
      | 'availableFrom'
      | 'price'
      | 'reason',
      string
    >
  > = {},
) =>
  [
    id,
    over.band ?? 'S2',
    over.needs ?? `${n1()};${n2()}`,
    over.ageMin ?? String(setting.ageMin),
    over.ageMax ?? String(setting.ageMax),
    over.attendance ?? 'day',
    over.commissioned ?? '12',
    over.filled ?? '10',
    over.availableFrom ?? '2026-12-01',
    over.price ?? '',
    over.reason ?? '',
  ].join(',');

const upload = (content: string, type = 'text/csv', token = owner, urn = setting.urn) =>
  t.request(`/settings/${urn}/listings:bulk`, {
    method: 'POST',
    token,
    headers: { 'content-type': type },
    body: content,
  });

const listingsNow = async () => ((await t.ownSetting(setting.urn)).body as SettingWithListings).listings;

describe('POST /settings/{urn}/listings:bulk', () => {
  it('creates every listing of a CSV sheet (CRLF, needs separated by ;) and reports what it did', async () => {
    const res = await upload(
      csv([
        row('b-one'),
        row('b-two', { band: 'S3', commissioned: '6', filled: '6' }),
        row('b-three', { band: 'S1', price: '1700000', reason: 'Shared site' }),
      ]),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ urn: setting.urn, received: 3, created: 3, replaced: 0, unchanged: 0 });
    const now = await listingsNow();
    expect(now.find((l) => l.listingId === 'b-two')).toMatchObject({ band: 'S3', available: 0, price: 3_500_000 });
    expect(now.find((l) => l.listingId === 'b-three')).toMatchObject({
      price: 1_700_000,
      variationReason: 'Shared site',
    });
  });

  it('replaces changed rows, leaves unchanged ones at their version, and audits only the changes', async () => {
    const res = await upload(
      csv([
        row('b-one', { filled: '11' }),
        row('b-two', { band: 'S3', commissioned: '6', filled: '6' }),
        row('b-three', { band: 'S1', price: '1700000', reason: 'Shared site' }),
      ]),
    );
    expect(res.body).toMatchObject({ received: 3, created: 0, replaced: 1, unchanged: 2 });
    const now = await listingsNow();
    expect(now.find((l) => l.listingId === 'b-one')).toMatchObject({ version: 2, filled: 11 });
    expect(now.find((l) => l.listingId === 'b-two')).toMatchObject({ version: 1 });
    const audit = await t.request(`/audit?entity=listing:${setting.urn}:b-two`, { token: owner });
    expect(audit.body.items).toHaveLength(1);
  });

  it('changes nothing when one row is bad, and reports each bad row by line and field', async () => {
    const before = await listingsNow();
    const res = await upload(
      csv([
        row('b-one', { filled: '12' }),
        row('b-four'),
        row('b-bad', { band: 'Q7', filled: '99' }),
        row('b-five', { needs: 'ASD;XYZ', ageMin: 'ten' }),
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Nothing was saved/);
    const details = res.body.error.details;
    expect(details).toContainEqual(
      expect.objectContaining({ line: 4, field: 'band', message: expect.stringContaining('Q7') }),
    );
    expect(details).toContainEqual(expect.objectContaining({ line: 4, field: 'filled' }));
    expect(details).toContainEqual(expect.objectContaining({ line: 5, field: 'needs.1' }));
    expect(details).toContainEqual(
      expect.objectContaining({ line: 5, field: 'ageMin', message: expect.stringMatching(/whole years/) }),
    );
    expect(details.every((d: any) => d.line === 4 || d.line === 5)).toBe(true);
    expect(await listingsNow()).toEqual(before);
  });

  it('counts lines as an editor does when a quoted field spans two lines', async () => {
    const res = await upload(
      csv([row('b-one', { filled: '12', price: '2300000', reason: '"Two\nlines"' }), row('b-bad', { band: 'Q7' })]),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ line: 4, field: 'band' })]);
  });

  it('names missing and unknown columns, and duplicate listing ids', async () => {
    const noBand = await upload(
      'listingId,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom,colour\nx,ASD,5,10,day,1,1,2026-12-01,red\n',
    );
    expect(noBand.status).toBe(400);
    expect(noBand.body.error.details.map((d: any) => d.message).join(' ')).toMatch(
      /missing the column band.*colour|colour.*band/s,
    );
    const dup = await upload(csv([row('b-dup'), row('b-dup')]));
    expect(dup.body.error.details).toEqual([
      expect.objectContaining({ line: 3, field: 'listingId', message: expect.stringContaining('first at line 2') }),
    ]);
  });

  it('refuses a row for another setting and a row whose version is stale', async () => {
    const other = `${HEADER},urn,version\n${row('b-zz')},123456,\n${row('b-one')},${setting.urn},1\n`;
    const res = await upload(other);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual(expect.objectContaining({ line: 2, field: 'urn' }));
    expect(res.body.error.details).toContainEqual(
      expect.objectContaining({ line: 3, field: 'version', message: expect.stringMatching(/now at version 2/) }),
    );
  });

  it('takes JSON and reports bad rows by position', async () => {
    const listings = [
      {
        listingId: 'j-one',
        band: 'S2',
        needs: [n1()],
        ageMin: setting.ageMin,
        ageMax: setting.ageMax,
        attendance: 'day',
        commissioned: 5,
        filled: 1,
        availableFrom: '2026-12-01',
      },
      {
        listingId: 'j-two',
        band: 'S2',
        needs: [n1()],
        ageMin: setting.ageMin,
        ageMax: setting.ageMax,
        attendance: 'day',
        commissioned: 5,
        filled: 9,
        availableFrom: '2026-12-01',
      },
    ];
    const bad = await upload(JSON.stringify({ listings }), 'application/json');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ row: 2, field: 'filled' })]);
    listings[1]!.filled = 2;
    const ok = await upload(JSON.stringify({ listings }), 'application/json');
    expect(ok.body).toMatchObject({ created: 2 });
  });

  it('refuses other providers, unknown content types and an empty sheet', async () => {
    const other = await t.token({ sub: 'x', role: 'provider', org: 'PRV000000' });
    expect((await upload(csv([row('b-x')]), 'text/csv', other)).status).toBe(403);
    const xml = await upload('<listings/>', 'application/xml');
    expect(xml.status).toBe(400);
    expect(xml.body.error.details[0].field).toBe('Content-Type');
    const empty = await upload(`${HEADER}\n`);
    expect(empty.status).toBe(400);
  });

  it('uploads the sample sheet in docs/samples with the upload tool, setting by setting', async () => {
    const sample = readFileSync(join(repoRoot, 'docs/samples/listings.csv'), 'utf8');
    const trust = t.data.settings.find((s) => s.urn === '900245')!.providerId;
    const progress: string[] = [];
    const results = await uploadListings({
      text: sample,
      baseUrl: 'http://test',
      token: await t.token({ sub: 'trust-staff', role: 'provider', org: trust }),
      fetchFn: (url, init) => t.app.request(url.replace('http://test', ''), init),
      onProgress: (done, total) => progress.push(progressBar(done, total, 10)),
    });
    expect(results.map((r) => [r.urn, r.status])).toEqual([
      ['900245', 200],
      ['900218', 200],
    ]);
    expect(results[0]!.body).toMatchObject({ received: 3 });
    expect(progress).toEqual(['[#####-----] 1/2 settings 50%', '[##########] 2/2 settings 100%']);
    const after = await t.ownSetting('900245');
    expect(after.body.listings.find((l: any) => l.listingId === 's2-day')).toMatchObject({
      price: 2_350_000,
      frameworkVersion: 'v1',
    });
  });

  it('reports a bad row at its line in the original multi-setting file', async () => {
    const sheet =
      'urn,listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom\n900245,s1-day,S1,SEMH,11,19,day,20,20,2027-01-04\n900218,m2-day,M2,PD,11,18,day,12,10,2026-12-01\n900245,s9-day,S9,SEMH,11,19,day,2,1,2027-01-04\n';
    const trust = t.data.settings.find((s) => s.urn === '900245')!.providerId;
    const results = await uploadListings({
      text: sheet,
      baseUrl: 'http://test',
      token: await t.token({ sub: 'x', role: 'provider', org: trust }),
      fetchFn: (url, init) => t.app.request(url.replace('http://test', ''), init),
    });
    const bad = results.find((r) => r.urn === '900245')!;
    expect(bad.status).toBe(400);
    expect(bad.body.error?.details).toEqual([expect.objectContaining({ line: 4, field: 'band' })]);
    expect(results.find((r) => r.urn === '900218')!.status).toBe(200);
  });
});

describe('npm run upload:listings', () => {
  const run = (argv: string[], env: Record<string, string> = {}) =>
    runCommand(
      (io) => uploadListingsCommand(io, (url, init) => t.app.request(url.replace('http://test', ''), init)),
      argv,
      env,
    );

  it('prints each setting saved or not, with the bad row at its line in the file, and exits 1 when one failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'listings-'));
    const file = join(dir, 'sheet.csv');
    writeFileSync(
      file,
      'urn,listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom\n900245,s1-day,S1,SEMH,11,19,day,20,20,2027-01-04\n900218,m2-day,M2,PD,11,18,day,12,10,2026-12-01\n900245,s9-day,S9,SEMH,11,19,day,2,1,2027-01-04\n',
    );
    const trust = t.data.settings.find((s) => s.urn === '900245')!.providerId;
    const token = await t.token({ sub: 'x', role: 'provider', org: trust });
    const r = await run([file, '--url', 'http://test'], { TOKEN: token });
    expect(r.code).toBe(1);
    expect(r.err).toContain('[##############################] 2/2 settings 100%  900218: 200');
    expect(r.out).toContain('900218: 0 created, 0 replaced, 1 unchanged');
    expect(r.out.find((l) => l.startsWith('900245: not saved (400)'))).toBeDefined();
    expect(r.out.find((l) => l.startsWith('  line 4, band:'))).toBeDefined();
    expect(r.out.at(-1)).toBe('1 of 2 settings saved.');
  });

  it('exits 0 when every setting is saved, taking the token from --token and the address from API_URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'listings-'));
    const file = join(dir, 'sheet.csv');
    writeFileSync(
      file,
      'urn,listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom\n900218,m2-day,M2,PD,11,18,day,12,10,2026-12-01\n',
    );
    const trust = t.data.settings.find((s) => s.urn === '900218')!.providerId;
    const token = await t.token({ sub: 'x', role: 'provider', org: trust });
    const r = await run([file, '--token', token], { API_URL: 'http://test' });
    expect(r.code).toBe(0);
    expect(r.out.at(-1)).toBe('1 of 1 settings saved.');
  });

  it('without a file or a token prints the usage and exits 2, sending nothing', async () => {
    for (const argv of [[], ['sheet.csv']]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.err).toContain('usage: npm run upload:listings -- <file.csv> --token <provider token>');
      expect(r.out).toEqual([]);
    }
  });
});

describe('PUT /bands/{version}: national framework publishing', () => {
  const v2 = (effectiveFrom = '2027-04-01') => ({
    effectiveFrom,
    bands: [
      {
        code: 'S2',
        name: 'Specialist day, complex needs',
        needLevel: 4,
        provisionTypes: ['special_maintained', 'special_academy', 'non_maintained_special', 'independent_special'],
        residentialAllowed: true,
      },
    ],
    tariffs: [
      {
        band: 'S2',
        elements: {
          placeFunding: 1_000_000,
          topUp: 1_100_000,
          staffRatio: '1:3',
          therapies: 200_000,
          residential: { day: 0, residential_38: 3_800_000, residential_52: 7_000_000 },
        },
        variation: { minPercent: -10, maxPercent: 15 },
      },
    ],
  });
  const publish = async (version: string, payload: unknown, role: 'national' | 'la' = 'national') =>
    t.request(`/bands/${version}`, {
      method: 'PUT',
      token: await t.token({ sub: 'n', role, org: role === 'la' ? setting.laCode : 'dfe' }),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });

  it('publishes a new version for the national team only, and never changes a published one', async () => {
    expect((await publish('v2', v2(), 'la')).status).toBe(403);
    const res = await publish('v2', v2());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.tariffs[0].annualPrice).toBe(2_300_000);
    expect((await publish('v2', v2('2027-05-01'))).status).toBe(409);
    expect((await t.request('/bands/v2')).body.effectiveFrom).toBe('2027-04-01');
    // v1 stays in force until v2's date.
    expect((await t.request('/bands')).body.version).toBe('v1');
    expect((await t.request('/bands?on=2027-04-01')).body.version).toBe('v2');
  });

  it('prices a listing by the framework in force when its places become available', async () => {
    const put = (id: string, availableFrom: string) =>
      t.request(`/settings/${setting.urn}/listings/${id}`, {
        method: 'PUT',
        token: owner,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          band: 'S2',
          needs: [n1()],
          ageMin: setting.ageMin,
          ageMax: setting.ageMax,
          attendance: 'day',
          commissioned: 4,
          filled: 1,
          availableFrom,
        }),
      });
    expect((await put('f-now', '2026-12-01')).body).toMatchObject({ price: 2_200_000, frameworkVersion: 'v1' });
    expect((await put('f-later', '2027-09-01')).body).toMatchObject({ price: 2_300_000, frameworkVersion: 'v2' });
    // v2 has no S3: a listing starting under v2 cannot use it.
    const s3 = await t.request(`/settings/${setting.urn}/listings/f-s3`, {
      method: 'PUT',
      token: owner,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        band: 'S3',
        needs: [n1()],
        ageMin: setting.ageMin,
        ageMax: setting.ageMax,
        attendance: 'day',
        commissioned: 4,
        filled: 1,
        availableFrom: '2027-09-01',
      }),
    });
    expect(s3.body.error.details[0]).toMatchObject({ field: 'band', message: expect.stringContaining('framework v2') });
  });

  it('names every problem with a framework: past date, missing tariff, bad elements', async () => {
    const bad = v2('2020-01-01');
    bad.bands.push({ ...bad.bands[0]!, code: 'S9' });
    bad.tariffs[0]!.elements.staffRatio = 'three to one';
    const res = await publish('v3', bad);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: any) => d.field)).toContain('tariffs.0.elements.staffRatio');
    const rules = await publish('v3', {
      ...v2('2020-01-01'),
      bands: [...v2().bands, { ...v2().bands[0]!, code: 'S9' }],
    });
    expect(rules.body.error.details.map((d: any) => d.field).sort()).toEqual(['effectiveFrom', 'tariffs']);
    expect((await publish('version-3', v2())).status).toBe(400);
  });
});
