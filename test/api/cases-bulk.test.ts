/**
 * Cases in bulk: POST /cases:bulk and the upload tool (npm run upload:cases) over it, against
 * DynamoDB Local. Every valid row saved with its preferences, every invalid row reported by its
 * line with all its problems, no row half-written, the same checks as opening one case.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandIo, caseProgressBar, caseUploadSummary, uploadCases, uploadCasesCommand } from '@placements/local';
import { allPages, seededApp, type SeededApp } from '../support/store.ts';

const TODAY = new Date('2026-11-22T10:00:00Z');
const HEADER = 'needs,band,age,homeDistrict,holder,ranked,mainstreamRequested';
let t: SeededApp;
/** Each LA its own, so counts of its cases are this file's alone. */
const tokens: Record<string, string> = {};
const la = async (org: string) => (tokens[org] ??= await t.token({ sub: `officer-${org}`, role: 'la', org }));
/** Per LA: three settings on the tailored list of an autistic 9-year-old with SLCN at S3 from ME14. */
const lists: Record<string, string[]> = {};

beforeAll(async () => {
  t = await seededApp({ now: () => TODAY });
  for (const org of ['E10000016', 'E06000035', 'E10000014', 'E06000043', 'E06000036', 'E06000037']) {
    const list = await t.request('/places/tailored-list?need=ASD&need=SLCN&age=9&band=S3&from=ME14&scope=national', {
      token: await la(org),
    });
    lists[org] = list.body.included.map((e: any) => e.setting.urn).slice(0, 3);
    expect(lists[org]!.length, org).toBe(3);
  }
});
afterAll(async () => {
  await t.store.drop();
});

let onList: string[] = [];
/** The LA the next rows are for: their ranked settings come from its tailored list. */
const forLa = (org: string) => {
  onList = lists[org]!;
};
const good = (i: number) =>
  `ASD;SLCN,S3,9,ME14,parent,${i % 2 === 0 ? onList.join(';') : [...onList].reverse().join(';')},false`;
const csv = (rows: string[], header = HEADER) => `${[header, ...rows].join('\r\n')}\r\n`;
const upload = async (org: string, body: string, headers: Record<string, string> = {}) =>
  t.request('/cases:bulk', {
    method: 'POST',
    token: await la(org),
    headers: { 'content-type': 'text/csv', ...headers },
    body,
  });
const casesOf = async (org: string) =>
  (await allPages({ ...t, request: async (p, init) => t.request(p, { ...init, token: await la(org) }) }, '/cases', 200))
    .items;

/**
 * 500 cases, a few bad: each bad row's line (the header is line 1) and every problem it has.
 * Lines 2..501; the bad ones are scattered over the parts the tool sends.
 */
function sheetOf500(): { text: string; bad: Map<number, { field: string; message: string }[]> } {
  const rows: string[] = [];
  const bad = new Map<number, { field: string; message: string }[]>();
  for (let i = 0; i < 500; i++) {
    const line = i + 2;
    let row = good(i);
    if (line === 7) {
      row = `ASD,Z9,9,ME14,parent,${onList[0]},false`;
      bad.set(line, [
        {
          field: 'band',
          message: expect.stringMatching(
            /^Z9 is not a band of the framework in force \(.*S3.*\)$/,
          ) as unknown as string,
        },
      ]);
    } else if (line === 120) {
      // Two problems of shape and one only the marketplace knows (Q1 is no band): all three reported.
      row = `XYZ,Q1,30,ME14,parent,${onList[0]},false`;
      bad.set(line, [
        { field: 'needs.0', message: expect.stringContaining('must be SEN need codes') as unknown as string },
        { field: 'age', message: 'must be 0 to 25' },
        {
          field: 'band',
          message: expect.stringMatching(/^Q1 is not a band of the framework in force/) as unknown as string,
        },
      ]);
    } else if (line === 251) {
      row = `ASD,S3,9,ME14 9XX,parent,${onList[0]},false`;
      bad.set(line, [
        { field: 'homeDistrict', message: 'must be a postcode district such as ME14, never a full postcode' },
      ]);
    } else if (line === 333) {
      // The holder follows the age, and the URN must be a setting: both checked as PUT /cases/{id}/preferences checks them.
      row = `ASD,S3,9,ME14,young_person,${onList[0]};999999,false`;
      bad.set(line, [
        { field: 'holder', message: 'must be parent: at 9 the parent holds the preferences' },
        { field: 'ranked', message: 'preference 2: no setting has the URN 999999' },
      ]);
    } else if (line === 480) {
      row = 'ASD,S3,9,ME14,parent,,maybe';
      bad.set(line, [
        { field: 'ranked', message: 'must rank at least one setting' },
        { field: 'mainstreamRequested', message: 'must be true or false' },
      ]);
    }
    rows.push(row);
  }
  return { text: csv(rows), bad };
}

describe('POST /cases:bulk', () => {
  it('saves every valid row with its preferences and reports every invalid one by line with all its problems', async () => {
    forLa('E10000016');
    const res = await upload(
      'E10000016',
      csv([
        good(0),
        `ASD,S3,9,ME14,parent,${onList[0]};999999,false`,
        good(1),
        'ASD;SLCN,S3,nine,ME14,parent,123,false',
      ]),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ received: 4, saved: 2, rejected: 2 });
    expect(res.body.cases.map((c: any) => c.line)).toEqual([2, 4]);
    expect(res.body.problems).toEqual([
      { line: 3, field: 'ranked', message: 'preference 2: no setting has the URN 999999' },
      { line: 5, field: 'age', message: expect.any(String) },
      { line: 5, field: 'ranked', message: 'preference 1: must be six-digit URNs' },
    ]);
    // Each saved case is as if opened and its preferences recorded, in one go (one audit event).
    const id = res.body.cases[0].id;
    const kase = (await t.request(`/cases/${id}`, { token: await la('E10000016') })).body;
    expect(kase).toMatchObject({
      state: 'open',
      needs: ['ASD', 'SLCN'],
      band: 'S3',
      age: 9,
      homeDistrict: 'ME14',
      preferences: { holder: 'parent', ranked: onList, mainstreamRequested: false },
    });
    const history = (await t.request(`/audit?entity=case:${id}`, { token: await la('E10000016') })).body.items;
    expect(history.map((e: any) => e.action)).toEqual(['case.opened']);
    expect(history[0].after.preferences.ranked).toEqual(onList);
    // A saved case allocates like any other.
    expect((await t.post(`/cases/${id}/allocate`, await la('E10000016'))).status).toBeLessThan(500);
  });

  it('answers 400 when no row can be saved, and for a sheet that is wrong as a whole', async () => {
    forLa('E06000035');
    const none = await upload('E06000035', csv(['ASD,S3,9,ME14,parent,999999,false']));
    expect(none.status).toBe(400);
    expect(none.body.error.details).toEqual([
      { line: 2, field: 'ranked', message: 'preference 1: no setting has the URN 999999' },
    ]);
    // A home district the marketplace does not know and a URN of no setting: both named at once.
    const both = await upload('E06000035', csv(['ASD,S3,9,ZZ99,parent,999999,false']));
    expect(both.status).toBe(400);
    expect(both.body.error.details).toEqual([
      { line: 2, field: 'homeDistrict', message: 'ZZ99 is not a postcode district the marketplace knows' },
      { line: 2, field: 'ranked', message: 'preference 1: no setting has the URN 999999' },
    ]);
    const identity = await upload('E06000035', csv([good(0)], `${HEADER},name,dateOfBirth`));
    expect(identity.status).toBe(400);
    expect(identity.body.error.details[0]).toMatchObject({
      line: 1,
      field: 'header',
      message: expect.stringContaining('name, dateOfBirth'),
    });
    const missing = await upload('E06000035', csv(['ASD,S3'], 'needs,band'));
    expect(missing.body.error.details[0].message).toBe(
      'is missing the columns age, homeDistrict, holder, ranked, mainstreamRequested',
    );
    expect((await upload('E06000035', `${HEADER}\n`)).body.error.details[0].message).toBe(
      'the file has a header but no cases',
    );
    const tooMany = await upload('E06000035', csv(Array.from({ length: 101 }, (_, i) => good(i))));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0]).toMatchObject({
      field: 'body',
      message: expect.stringContaining('at most 100'),
    });
    const json = await upload('E06000035', '{}', { 'content-type': 'application/json' });
    expect(json.body.error.details).toEqual([{ field: 'Content-Type', message: 'must be text/csv' }]);
    // Nothing of any of these was written.
    expect(await casesOf('E06000035')).toEqual([]);
  });

  it('takes the optional columns: the LA’s own reference (checked as for one case, never twice in a sheet), post-16 and a phase-transfer deadline', async () => {
    forLa('E10000014');
    const header = `${HEADER},ref,postSixteen,phaseTransferDeadline`;
    const res = await upload(
      'E10000014',
      csv(
        [
          `${good(0)},HANTS-001,no,2027-02-15`,
          `${good(1)},HANTS-001,no,`,
          `${good(0)},has space,no,2027-02-16`,
          `${good(1)},,yes,`,
        ],
        header,
      ),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Line 5 has no reference of the LA's own: the marketplace makes one.
    expect(res.body.cases.map((c: any) => c.line)).toEqual([2, 5]);
    expect(res.body.cases[0].ref).toBe('HANTS-001');
    expect(res.body.cases[1].ref).toBeUndefined();
    expect(res.body.cases[1].reference).toMatch(/^C-/);
    expect(res.body.problems.map((p: any) => [p.line, p.field])).toEqual([
      [3, 'ref'],
      // "has space": not the shape of a reference, and a lower-case word as a name would be.
      [4, 'ref'],
      [4, 'ref'],
      [4, 'phaseTransferDeadline'],
    ]);
    expect(res.body.problems[0].message).toBe('HANTS-001 appears twice; first at line 2');
    const saved = (await t.request(`/cases/${res.body.cases[0].id}`, { token: await la('E10000014') })).body;
    expect(saved).toMatchObject({ ref: 'HANTS-001', postSixteen: false, phaseTransferDeadline: '2027-02-15' });
  });

  it('with an Idempotency-Key, a retried request opens no case twice', async () => {
    forLa('E06000043');
    const body = csv([good(0), good(1), 'ASD,S3,9,ME14,parent,999999,false']);
    const first = await upload('E06000043', body, { 'idempotency-key': 'sheet-2026-11-22-part-1' });
    expect(first.body).toMatchObject({ saved: 2, rejected: 1 });
    const again = await upload('E06000043', body, { 'idempotency-key': 'sheet-2026-11-22-part-1' });
    expect(again.body).toMatchObject({ saved: 2, rejected: 1 });
    expect(again.body.cases.map((c: any) => c.id)).toEqual(first.body.cases.map((c: any) => c.id));
    expect(again.body.cases.every((c: any) => c.alreadySaved)).toBe(true);
    expect((await casesOf('E06000043')).length).toBe(2);
    // The same key for another sheet is named, not silently taken as saved.
    const other = await upload('E06000043', csv(['SEMH,S2,12,ME14,parent,999999,false', good(1)]), {
      'idempotency-key': 'sheet-2026-11-22-part-1',
    });
    expect(other.body.problems).toContainEqual({
      line: 2,
      field: 'ranked',
      message: 'preference 1: no setting has the URN 999999',
    });
    expect((await upload('E06000043', body, { 'idempotency-key': 'a b' })).body.error.details[0].field).toBe(
      'Idempotency-Key',
    );
  });

  it('answers 401 without a token and 403 to any role but an LA', async () => {
    forLa('E10000016');
    expect(
      (
        await t.request('/cases:bulk', {
          method: 'POST',
          headers: { 'content-type': 'text/csv' },
          body: csv([good(0)]),
        })
      ).status,
    ).toBe(401);
    const provider = await t.token({ sub: 'p', role: 'provider', org: t.data.settings[0]!.providerId });
    expect(
      (
        await t.request('/cases:bulk', {
          method: 'POST',
          token: provider,
          headers: { 'content-type': 'text/csv' },
          body: csv([good(0)]),
        })
      ).status,
    ).toBe(403);
  });
});

describe('a sheet of 500 cases with a few bad rows', () => {
  it('uploads in parts with progress: 495 saved, the 5 bad rows reported by their line in the file with all their problems', async () => {
    forLa('E06000036');
    const { text, bad } = sheetOf500();
    const progress: string[] = [];
    const results = await uploadCases({
      text,
      baseUrl: 'http://test',
      token: await la('E06000036'),
      fetchFn: (url, init) => t.app.request(url.replace('http://test', ''), init),
      onProgress: (done, total) => progress.push(caseProgressBar(done, total, 10)),
    });
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(progress[0]).toBe('[#---------] 50/500 rows 10%');
    expect(progress.at(-1)).toBe('[##########] 500/500 rows 100%');
    const { rows, saved, problems } = caseUploadSummary(results);
    expect(rows).toBe(500);
    expect(saved.length).toBe(495);
    const reported = new Map<number, { field: string; message: string }[]>();
    for (const p of problems)
      reported.set(p.line!, [...(reported.get(p.line!) ?? []), { field: p.field, message: p.message }]);
    expect([...reported.keys()]).toEqual([...bad.keys()]);
    for (const [line, expected] of bad) expect(reported.get(line), `line ${line}`).toEqual(expected);
    // Saved rows are every line but the bad ones, and the LA has exactly those cases: none half-written.
    expect(saved.map((s) => s.line)).toEqual(Array.from({ length: 500 }, (_, i) => i + 2).filter((l) => !bad.has(l)));
    const stored = await casesOf('E06000036');
    expect(stored.length).toBe(495);
    expect(stored.every((c: any) => c.preferences?.ranked.length === 3 && c.state === 'open')).toBe(true);
  }, 300_000);

  it('npm run upload:cases: prints the bad rows by line and exits 1 when some rows were not saved', async () => {
    forLa('E06000037');
    const token = await la('E06000037');
    const dir = mkdtempSync(join(tmpdir(), 'cases-'));
    const file = join(dir, 'cohort.csv');
    writeFileSync(file, csv([good(0), `ASD,Z9,9,ME14,parent,${onList[0]},false`, good(1), good(2)]));
    const out: string[] = [];
    let err = '';
    const io: CommandIo = {
      argv: [file, '--url', 'http://test'],
      env: { TOKEN: token },
      out: (l) => out.push(l),
      err: (e) => (err += e),
      tty: true,
    };
    const code = await uploadCasesCommand(io, (url, init) => t.app.request(url.replace('http://test', ''), init));
    expect(code, err).toBe(1);
    // On a terminal the bar redraws one line, then ends it.
    expect(err).toBe('\r[##############################] 4/4 rows 100%\n');
    expect(out.join('\n')).toContain('line 3: not saved\n  band: Z9 is not a band of the framework in force');
    expect(out.at(-1)).toBe('3 of 4 cases saved; 1 row not saved (above).');
    expect((await casesOf('E06000037')).length).toBe(3);
  }, 120_000);

  it('npm run upload:cases without a token prints the usage and exits 2, opening nothing', async () => {
    let err = '';
    const io: CommandIo = { argv: ['cohort.csv'], env: {}, out: () => {}, err: (e) => (err += e), tty: false };
    expect(await uploadCasesCommand(io)).toBe(2);
    expect(err).toContain('usage: npm run upload:cases -- <file.csv> --token <LA token>');
  });
});

describe('an upload over a connection that fails', () => {
  /** The API, behind a connection that fails the first calls with `faults` (a thrown error is a lost connection). */
  const flaky = (faults: (Error | number)[]) => {
    const keys: string[] = [];
    const fetchFn = async (url: string, init: RequestInit) => {
      keys.push(new Headers(init.headers).get('idempotency-key')!);
      const fault = faults.shift();
      if (fault instanceof Error) throw fault;
      if (fault !== undefined) return new Response(JSON.stringify({ error: { message: 'busy' } }), { status: fault });
      return t.app.request(url.replace('http://test', ''), init);
    };
    return { fetchFn, keys };
  };

  it('retries a lost connection, a 503 and a 429 with the same Idempotency-Key, saving each row once', async () => {
    forLa('E06000037');
    const before = (await casesOf('E06000037')).length;
    const { fetchFn, keys } = flaky([new TypeError('fetch failed'), 503, 429]);
    const results = await uploadCases({
      text: csv([good(10), good(11)]),
      baseUrl: 'http://test',
      token: await la('E06000037'),
      fetchFn,
      retryDelayMs: 1,
    });
    expect(results.map((r) => r.status)).toEqual([200]);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
    expect(caseUploadSummary(results)).toMatchObject({ rows: 2, problems: [] });
    expect((await casesOf('E06000037')).length).toBe(before + 2);
  });

  it('gives up after three retries, saying the service could not be reached, and saves nothing', async () => {
    forLa('E06000037');
    const before = (await casesOf('E06000037')).length;
    const down = new TypeError('fetch failed');
    const { fetchFn, keys } = flaky([down, down, down, down]);
    const results = await uploadCases({
      text: csv([good(12), good(13)]),
      baseUrl: 'http://test',
      token: await la('E06000037'),
      fetchFn,
      retryDelayMs: 1,
    });
    expect(keys).toHaveLength(4);
    expect(results.map((r) => r.status)).toEqual([0]);
    expect(caseUploadSummary(results).problems).toEqual([
      { field: 'part', message: 'part 1 (2 rows) was not saved: The service could not be reached: fetch failed' },
    ]);
    expect((await casesOf('E06000037')).length).toBe(before);
  });

  it('npm run upload:cases with a token the service refuses: one line per part and the refusal, exit 1', async () => {
    forLa('E06000037');
    const dir = mkdtempSync(join(tmpdir(), 'cases-'));
    const file = join(dir, 'cohort.csv');
    writeFileSync(file, csv([good(14), good(15)]));
    const provider = await t.token({ sub: 'p', role: 'provider', org: 'PRV1' });
    const out: string[] = [];
    let err = '';
    const io: CommandIo = {
      argv: [file, '--url', 'http://test', '--token', provider],
      env: {},
      out: (l) => out.push(l),
      err: (e) => (err += e),
      tty: false,
    };
    const code = await uploadCasesCommand(io, (url, init) => t.app.request(url.replace('http://test', ''), init));
    expect(code).toBe(1);
    // Not a terminal: one progress line per part, with its status.
    expect(err).toBe('[##############################] 2/2 rows 100%  part 1: 403\n');
    expect(out[0]).toBe('line ?: not saved');
    expect(out[1]).toMatch(/^ {2}part: part 1 \(2 rows\) was not saved: .+/);
    expect(out.at(-1)).toBe('0 of 2 cases saved; 1 row not saved (above).');
  });
});
