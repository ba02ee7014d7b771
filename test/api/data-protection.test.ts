/**
 * Data protection and abuse resistance (issue 16): each test here is something a user or an
 * attacker could do before, and now cannot. Real data on DynamoDB Local, through the Hono app.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingWithListings } from '@placements/domain';
// Namespace imports, so this file also loads (and its tests fail one by one) on code without them.
import * as api from '@placements/api';
import * as domain from '@placements/domain';
import { startMarketplace } from '@placements/local';
import { seededApp, type SeededApp } from '../support/store.ts';
import { repoRoot } from '../support/data-dir.ts';

let clock = new Date('2026-11-22T10:00:00Z');
let t: SeededApp;
let setting: SettingWithListings;
let provider: string;
const KENT = 'E10000016';
const MEDWAY = 'E06000035';
const tokens = new Map<string, string>();
const la = (gss: string) => tokens.get(gss)!;

beforeAll(async () => {
  t = await seededApp({ now: () => clock });
  for (const gss of [KENT, MEDWAY]) tokens.set(gss, await t.token({ sub: `officer-${gss}`, role: 'la', org: gss }));
  setting = t.data.settings.find(
    (s) => s.type === 'special_maintained' && s.needs.includes('ASD') && s.ageMin <= 8 && s.ageMax >= 8,
  )!;
  provider = await t.token({ sub: 'head', role: 'provider', org: setting.providerId });
}, 120_000);
afterAll(async () => {
  await t.store.drop();
});

async function publish(listingId: string, places: number, s = setting, token = provider) {
  const res = await t.put(`/settings/${s.urn}/listings/${listingId}`, token, {
    band: 'S3',
    needs: ['ASD'],
    ageMin: s.ageMin,
    ageMax: s.ageMax,
    attendance: 'day',
    commissioned: places,
    filled: 0,
    availableFrom: '2026-09-01',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

let seq = 0;
async function openCase(gss: string, ranked = [setting.urn]) {
  const created = await t.post('/cases', la(gss), {
    ref: `DP-${++seq}`,
    needs: ['ASD'],
    band: 'S3',
    age: 8,
    homeDistrict: 'ME14',
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const prefs = await t.put(`/cases/${created.body.id}/preferences`, la(gss), { holder: 'parent', ranked });
  expect(prefs.status, JSON.stringify(prefs.body)).toBe(200);
  return created.body.id as string;
}
const allocate = (gss: string, id: string, key?: string) =>
  t.request(`/cases/${id}/allocate`, {
    method: 'POST',
    token: la(gss),
    ...(key ? { headers: { 'idempotency-key': key } } : {}),
  });

describe('1. an Idempotency-Key is bound to its request', () => {
  it('refuses a key used for case A when it comes back for case B (422 naming the header), and B stays open', async () => {
    await publish('idem-bound', 5);
    const a = await openCase(KENT);
    const b = await openCase(KENT);
    const first = await allocate(KENT, a, 'same-key-1');
    expect(first.status).toBe(201);
    const reused = await allocate(KENT, b, 'same-key-1');
    expect(reused.status, JSON.stringify(reused.body)).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    expect(reused.body.error.details).toEqual([
      { field: 'Idempotency-Key', message: expect.stringMatching(/another case/) },
    ]);
    const caseB = await t.request(`/cases/${b}`, { token: la(KENT) });
    expect(caseB.body.state).toBe('open');
    expect(caseB.body.placement).toBeUndefined();
    // The same key for the same case still replays the first answer.
    const replay = await allocate(KENT, a, 'same-key-1');
    expect(replay.status).toBe(201);
    expect(replay.body.placement.id).toBe(first.body.placement.id);
  });

  it('keeps the record 24 hours through the table’s TTL; after that the key is free again', async () => {
    const a = await openCase(MEDWAY);
    const b = await openCase(MEDWAY);
    expect((await allocate(MEDWAY, a, 'day-old-key')).status).toBe(201);
    const item = await t.store.db.send(
      new GetCommand({
        TableName: t.store.tableName,
        Key: { pk: `IDEMPOTENCY#${MEDWAY}#day-old-key`, sk: 'IDEMPOTENCY' },
      }),
    );
    expect(item.Item?.expiresAt).toBe(Math.floor(clock.getTime() / 1000) + 24 * 3600);
    expect(item.Item?.fingerprint).toBe(a);
    const saved = clock;
    clock = new Date(saved.getTime() + 25 * 3600 * 1000);
    try {
      const later = await allocate(MEDWAY, b, 'day-old-key');
      expect(later.status, JSON.stringify(later.body)).toBe(201);
      expect(later.body.placement.caseId).toBe(b);
    } finally {
      clock = saved;
    }
  });
});

describe('2. each role has its own view of a placement', () => {
  it('shows the provider what it needs to decide and nothing of the family’s other preferences', async () => {
    await publish('views', 3);
    const id = await openCase(KENT);
    const allocated = await allocate(KENT, id);
    expect(allocated.status).toBe(201);
    const placementId = allocated.body.placement.id;
    const asLa = await t.request(`/placements/${placementId}`, { token: la(KENT) });
    expect(asLa.body).toMatchObject({ caseId: id, rank: 1, skipped: [] });
    const hidden = [
      'caseId',
      'rank',
      'skipped',
      'distanceKm',
      'fromWaitingList',
      'roundId',
      'hostLaCode',
      'namingNote',
    ];
    const asProvider = await t.request(`/placements/${placementId}`, { token: provider });
    expect(asProvider.status).toBe(200);
    expect(asProvider.body).toMatchObject({
      id: placementId,
      urn: setting.urn,
      state: 'consulting',
      band: 'S3',
      need: 'ASD',
    });
    for (const k of hidden) expect(asProvider.body, k).not.toHaveProperty(k);
    const list = await t.request(`/settings/${setting.urn}/placements`, { token: provider });
    const mine = list.body.items.find((p: any) => p.id === placementId);
    for (const k of hidden) expect(mine, k).not.toHaveProperty(k);
    const answered = await t.post(`/placements/${placementId}/response`, provider, { decision: 'accept' });
    expect(answered.status).toBe(200);
    for (const k of hidden) expect(answered.body, k).not.toHaveProperty(k);
  });
});

describe('3. each tenant sees only its own entries of a waiting list', () => {
  it('shows an LA its own entries with the count ahead, a partnership its members’, and nobody else’s times', async () => {
    const s2 = t.data.settings.find(
      (s) =>
        s.urn !== setting.urn &&
        s.providerId !== setting.providerId &&
        s.type === 'special_maintained' &&
        s.needs.includes('ASD') &&
        s.ageMin <= 8 &&
        s.ageMax >= 8,
    )!;
    const p2 = await t.token({ sub: 'head2', role: 'provider', org: s2.providerId });
    await publish('queue', 1, s2, p2);
    const first = await openCase(KENT, [s2.urn]);
    expect((await allocate(KENT, first)).status).toBe(201);
    const medwayCase = await openCase(MEDWAY, [s2.urn]);
    expect((await allocate(MEDWAY, medwayCase)).status).toBe(409);
    clock = new Date(clock.getTime() + 60_000);
    const kentCase = await openCase(KENT, [s2.urn]);
    expect((await allocate(KENT, kentCase)).status).toBe(409);
    const path = `/settings/${s2.urn}/listings/queue/waiting-list`;

    const asKent = await t.request(path, { token: la(KENT) });
    expect(asKent.body.items).toEqual([
      { position: 2, ahead: 1, laCode: KENT, caseId: kentCase, joinedAt: clock.toISOString(), daysWaiting: 0 },
    ]);
    const asMedway = await t.request(path, { token: la(MEDWAY) });
    expect(asMedway.body.items.map((e: any) => [e.position, e.laCode, e.caseId])).toEqual([[1, MEDWAY, medwayCase]]);

    const se19 = await t.token({ sub: 'coordinator', role: 'partnership', org: 'se19' });
    const asSe19 = await t.request(path, { token: se19 });
    expect(asSe19.body.items).toEqual([
      { position: 1, laCode: MEDWAY, daysWaiting: 0 },
      { position: 2, laCode: KENT, daysWaiting: 0 },
    ]);
    const national = await t.token({ sub: 'dfe', role: 'national', org: 'dfe' });
    const kentOnly = await t.put('/partnerships/kent-only', national, {
      name: 'Kent only',
      members: [KENT, 'E10000030'],
      remit: ['Test'],
    });
    expect(kentOnly.status, JSON.stringify(kentOnly.body)).toBe(201);
    const asKentOnly = await t.request(path, {
      token: await t.token({ sub: 'c2', role: 'partnership', org: 'kent-only' }),
    });
    expect(asKentOnly.body.items).toEqual([{ position: 2, laCode: KENT, daysWaiting: 0 }]);
    const asProvider = await t.request(path, { token: p2 });
    expect(asProvider.body.items).toEqual([
      { position: 1, laCode: MEDWAY, daysWaiting: 0 },
      { position: 2, laCode: KENT, daysWaiting: 0 },
    ]);
  });
});

describe('5. the case reference carries no identity and the LA’s own never leaves the LA', () => {
  it('gives every case its own random reference; an LA’s own reference is optional', async () => {
    const res = await t.post('/cases', la(KENT), { needs: ['ASD'], band: 'S3', age: 8, homeDistrict: 'ME14' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.reference).toMatch(/^C-[2-9B-DF-HJ-NP-TV-XZ]{4}-[2-9B-DF-HJ-NP-TV-XZ]{4}$/);
    expect(res.body).not.toHaveProperty('ref');
    const other = await t.post('/cases', la(KENT), { needs: ['ASD'], band: 'S3', age: 8, homeDistrict: 'ME14' });
    expect(other.body.reference).not.toBe(res.body.reference);
  });

  it.each([
    ['A123456789012', /unique pupil number/],
    ['9434765919', /NHS number/],
    ['SMITH-20150312', /a date/],
    ['KCC-12MAR2015', /a date/],
    ['Sam-Smith-7', /a name/],
  ])('refuses %s as an LA reference (400 naming ref and the shape)', async (ref, shape) => {
    const res = await t.post('/cases', la(KENT), { ref, needs: ['ASD'], band: 'S3', age: 8, homeDistrict: 'ME14' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'ref', message: expect.stringMatching(shape) }]);
  });

  it('keeps a code that is no identity, and never puts it in a partnership’s round report', async () => {
    const kentRef = 'KCC-2026-0142';
    const created = await t.post('/cases', la(KENT), {
      ref: kentRef,
      needs: ['ASD'],
      band: 'S3',
      age: 8,
      homeDistrict: 'ME14',
    });
    expect(created.status).toBe(201);
    expect(created.body.ref).toBe(kentRef);
    const id = created.body.id;
    await t.put(`/cases/${id}/preferences`, la(KENT), { holder: 'parent', ranked: [setting.urn] });
    const se19 = await t.token({ sub: 'coordinator', role: 'partnership', org: 'se19' });
    const round = await t.post('/allocation-rounds', se19, { cases: [{ laCode: KENT, id }], seed: 'dp' });
    expect(round.status, JSON.stringify(round.body)).toBe(202);
    const read = await t.request(`/allocation-rounds/${round.body.id}`, { token: se19 });
    // The round runs in the background (the test app drains the stream): its report, once done.
    expect(JSON.stringify(round.body)).not.toContain(kentRef);
    expect(read.body.state).toBe('done');
    expect(JSON.stringify(read.body)).not.toContain(kentRef);
    expect(read.body.outcomes[0]).toMatchObject({ caseId: id, reference: created.body.reference });
  });
});

// ---- The public feed: HSDS 3.1 and ORUK 3.0, precomputed --------------------------------------

const STANDARDS = join(repoRoot, '..', 'shared', 'standards', 'hsds');
const readJson = (path: string) => JSON.parse(readFileSync(join(STANDARDS, path), 'utf8'));
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** The schema with no property outside it: every object that lists properties allows only those. */
function closed(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'datapackage_metadata' ? v : closed(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined)
    out.additionalProperties = false;
  return out;
}

/** A page of the HSDS API (its Page envelope) holding full services of one profile. */
function pageValidator(profile: 'hsds-3.1' | 'oruk-3.0', strict: boolean) {
  // The schemas carry Frictionless Data keywords (name, constraints, core…) that JSON Schema ignores.
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  const page = readJson(`${profile}/openapi.json`).components.schemas.Page;
  const service = readJson(`${profile}/compiled/service.json`);
  const envelope = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    allOf: [page],
    properties: { contents: { type: 'array', items: strict ? closed(service) : service } },
    required: ['total_items', 'total_pages', 'page_number', 'size', 'first_page', 'last_page', 'empty', 'contents'],
    ...(strict ? { unevaluatedProperties: false } : {}),
  };
  const validate = ajv.compile(envelope);
  return (body: unknown) =>
    validate(body)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

describe('11. the public feed is valid HSDS 3.1 and Open Referral UK', () => {
  const hsds = pageValidator('hsds-3.1', true);
  const oruk = pageValidator('oruk-3.0', false);

  it('is checked by a validator that knows a bad page when it sees one', () => {
    expect(hsds(readJson('../hsds-examples/hsds-3.1/service_list.json'))).toEqual([]);
    expect(oruk(readJson('../hsds-examples/oruk-3.0/service_list.json'))).toEqual([]);
    expect(oruk(readJson('../hsds-examples/oruk-validator-fail/service_list.json'))).not.toEqual([]);
    const page = {
      total_items: 1,
      total_pages: 1,
      page_number: 1,
      size: 1,
      first_page: true,
      last_page: true,
      empty: false,
    };
    const service = { id: '8896b788-7b3e-11ef-8db9-7f3d040352b3', name: 'x', status: 'active' };
    expect(hsds({ ...page, contents: [service] })).toEqual([]);
    expect(hsds({ ...page, contents: [{ ...service, service_capacities: [] }] }).join()).toMatch(/additional/);
  });

  it('validates every page against the official schemas, with no property outside HSDS 3.1', async () => {
    await publish('feed-check', 4);
    const first = await t.request('/partnerships/se19/oruk/services?per_page=200');
    expect(first.status).toBe(200);
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.body.total_items).toBeGreaterThan(200);
    for (let page = 1; page <= first.body.total_pages; page++) {
      const res = await t.request(`/partnerships/se19/oruk/services?per_page=200&page=${page}`);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(hsds(res.body), `page ${page} against HSDS 3.1`).toEqual([]);
      expect(oruk(res.body), `page ${page} against ORUK 3.0`).toEqual([]);
    }
    const mine = (await t.request('/partnerships/se19/oruk/services?per_page=500&page=1')).body.contents
      .concat(
        ...(await Promise.all(
          Array.from({ length: Math.ceil(first.body.total_items / 500) - 1 }, (_, i) =>
            t.request(`/partnerships/se19/oruk/services?per_page=500&page=${i + 2}`).then((r) => r.body.contents),
          ),
        )),
      )
      .find(
        (s: any) => s.service_at_locations[0].location.external_identifier === setting.urn && s.name.includes('S3'),
      );
    expect(mine.capacities[0]).toMatchObject({
      maximum: expect.any(Number),
      available: expect.any(Number),
      unit: { name: 'Place' },
    });
    expect(JSON.stringify(mine)).not.toMatch(/held/i);
    // Errors carry the header too: ORUK asks it of every response.
    const missing = await t.request('/partnerships/nowhere/oruk/services');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('7. the public feed is served precomputed', () => {
  const commands: string[] = [];
  let recording = false;
  beforeAll(() => {
    t.store.db.middlewareStack.add(
      (next, context) => async (args) => {
        if (recording) commands.push(String((context as { commandName?: string }).commandName));
        return next(args);
      },
      { step: 'initialize', name: 'feedCommandRecorder' },
    );
  });
  const counted = async (path: string) => {
    commands.length = 0;
    recording = true;
    try {
      return { res: await t.request(path), commands: [...commands] };
    } finally {
      recording = false;
    }
  };
  it('answers an anonymous page from one or two reads, never a query of every member, with Cache-Control', async () => {
    await t.request('/partnerships/se19/oruk/services?per_page=1'); // built (or already built) here
    const { res, commands: used } = await counted('/partnerships/se19/oruk/services?per_page=1&page=7');
    expect(res.status).toBe(200);
    expect(res.body.contents).toHaveLength(1);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(used.filter((c) => c === 'QueryCommand')).toEqual([]);
    expect(used.length).toBeLessThanOrEqual(2);
    const big = await counted('/partnerships/se19/oruk/services?per_page=500&page=1');
    expect(big.res.body.contents).toHaveLength(500);
    expect(big.commands.filter((c) => c === 'QueryCommand')).toEqual([]);
    expect(big.commands.length).toBeLessThanOrEqual(3);
  });

  it('is rebuilt by rebuildFeed (the stream’s hook) or, failing that, once older than five minutes', async () => {
    await t.request('/partnerships/se19/oruk/services?per_page=1');
    const before = (await t.request('/partnerships/se19/oruk/services?per_page=1')).body.total_items;
    await publish('feed-new-b', 2);
    // Not yet: the cached build is served.
    expect((await t.request('/partnerships/se19/oruk/services?per_page=1')).body.total_items).toBe(before);
    await api.rebuildFeed({ store: t.store, auth: undefined as never, now: () => clock }, 'se19');
    expect((await t.request('/partnerships/se19/oruk/services?per_page=1')).body.total_items).toBe(before + 1);
    await publish('feed-new-c', 2);
    const saved = clock;
    clock = new Date(saved.getTime() + 6 * 60_000);
    try {
      expect((await t.request('/partnerships/se19/oruk/services?per_page=1')).body.total_items).toBe(before + 2);
    } finally {
      clock = saved;
    }
  });
});

describe('10. defence in depth', () => {
  it('defuses every formula start in CSV, through one writer for the API and the web app', () => {
    for (const bad of ['=SUM(A1:A9)', '+44 1234', '-2+3', '@cmd', '\tstart', '\rstart'])
      expect(domain.csvCell(bad).replace(/^"/, '')).toMatch(/^'/);
    expect(domain.csvCell(-5)).toBe('-5');
    expect(domain.csvCell('<5')).toBe('<5');
    expect(domain.writeCsv(['name'], [['=1+1'], ['Kent']])).toBe("name\r\n'=1+1\r\nKent\r\n");
    // The web app's download uses the same writer (packages/web/src/app/lib/web-lib.test.ts).
  });

  it('serves the dev token route on loopback only unless deliberately allowed', async () => {
    await expect(startMarketplace({ host: '0.0.0.0', port: 0 })).rejects.toThrow(/ALLOW_REMOTE_DEV_TOKENS=1/);
  });
});

describe('6. free text is short, holds no identity, stays out of the audit trail and can be erased', () => {
  const DETAIL = 'We cannot meet the sensory needs set out in section F this term';
  async function consulting() {
    const id = await openCase(KENT);
    const res = await allocate(KENT, id);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { caseId: id, placementId: res.body.placement.id as string };
  }

  beforeAll(async () => {
    await publish('text', 12);
  });

  it.each([
    ['detail', 'Sam Smith has a sibling at the school', /a name/],
    ['detail', 'Refused: born 12/03/2015', /a date/],
    ['detail', 'UPN A123456789012 on file', /unique pupil number/],
    ['detail', 'x'.repeat(501), /at most 500 characters/],
  ])('refuses a decline %s that holds identity or runs long (400 naming the field)', async (field, text, why) => {
    const { placementId } = await consulting();
    const res = await t.post(`/placements/${placementId}/response`, provider, {
      decision: 'decline',
      reasons: ['incompatible_with_efficient_use_of_resources'],
      [field]: text,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field, message: expect.stringMatching(why) }]);
    expect((await t.request(`/placements/${placementId}`, { token: provider })).body.state).toBe('consulting');
  });

  it('keeps the text apart from audit events, and the owning LA can redact it with an audit record', async () => {
    const { caseId, placementId } = await consulting();
    const declined = await t.post(`/placements/${placementId}/response`, provider, {
      decision: 'decline',
      reasons: ['incompatible_with_efficient_use_of_resources'],
      detail: DETAIL,
    });
    expect(declined.status, JSON.stringify(declined.body)).toBe(200);
    expect(declined.body.declineDetail).toBe(DETAIL);
    expect((await t.request(`/placements/${placementId}`, { token: la(KENT) })).body.declineDetail).toBe(DETAIL);
    const audit = await t.request(`/audit?entity=case:${caseId}`, { token: la(KENT) });
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).not.toContain('sensory');

    // Only the owning LA redacts; the provider and another LA cannot.
    const body = { field: 'declineDetail', reason: 'The provider asked for it to be erased' };
    expect((await t.post(`/placements/${placementId}/redactions`, provider, body)).status).toBe(403);
    expect((await t.post(`/placements/${placementId}/redactions`, la(MEDWAY), body)).status).toBe(403);
    const redacted = await t.post(`/placements/${placementId}/redactions`, la(KENT), body);
    expect(redacted.status, JSON.stringify(redacted.body)).toBe(200);
    expect(redacted.body.declineDetail).toBe('[redacted]');
    expect((await t.request(`/placements/${placementId}`, { token: provider })).body.declineDetail).toBe('[redacted]');
    const text = await t.store.db.send(
      new GetCommand({ TableName: t.store.tableName, Key: { pk: `TEXT#placement:${placementId}`, sk: 'TEXT' } }),
    );
    expect(JSON.stringify(text.Item)).not.toContain('sensory');
    const after = await t.request(`/audit?entity=case:${caseId}`, { token: la(KENT) });
    const event = after.body.items.find((e: any) => e.action === 'placement.text_redacted');
    expect(event).toMatchObject({
      actor: { sub: `officer-${KENT}`, role: 'la', org: KENT },
      after: { note: { redacted: 'declineDetail', reason: body.reason } },
    });
    expect(JSON.stringify(after.body)).not.toContain('sensory');
  });
});

describe('9. one LA cannot hoard places', () => {
  it('caps the places an LA holds without naming them; naming one frees room for the next', async () => {
    const SURREY = 'E10000030';
    tokens.set(SURREY, await t.token({ sub: `officer-${SURREY}`, role: 'la', org: SURREY }));
    const capped = api.createApp(
      {
        store: t.store,
        auth: api.devTokenAuthenticator('test-secret-key-for-dev-tokens-000'),
        now: () => clock,
        limits: { heldUnnamedPerLa: 2 },
      },
      {},
    );
    const allocateCapped = async (id: string) => {
      const res = await capped.request(`/cases/${id}/allocate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${la(SURREY)}` },
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    await publish('hoard', 10);
    const [a, b, c] = [await openCase(SURREY), await openCase(SURREY), await openCase(SURREY)];
    const first = await allocateCapped(a);
    expect(first.status).toBe(201);
    expect((await allocateCapped(b)).status).toBe(201);
    const third = await allocateCapped(c);
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({ code: 'held_places_cap', details: [{ held: 2, cap: 2 }] });
    expect((await t.request(`/cases/${c}`, { token: la(SURREY) })).body.state).toBe('open');
    // Named: the place is no longer held-but-not-named, so the next allocation goes through.
    expect(
      (await t.post(`/placements/${first.body.placement.id}/response`, provider, { decision: 'accept' })).status,
    ).toBe(200);
    expect((await t.post(`/placements/${first.body.placement.id}/naming`, la(SURREY), {})).status).toBe(200);
    expect((await allocateCapped(c)).status).toBe(201);
  });
});

describe('8. per-caller quotas: one LA looping allocations does not block the others', () => {
  it('answers 429 with Retry-After naming the limit once an LA has used its minute, while another LA allocates', async () => {
    const quotaApp = api.createApp(
      {
        store: t.store,
        auth: api.devTokenAuthenticator('test-secret-key-for-dev-tokens-000'),
        now: () => clock,
        limits: { allocationsPerMinute: 2 },
      },
      {},
    );
    const allocateAs = async (gss: string, id: string) => {
      const res = await quotaApp.request(`/cases/${id}/allocate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${la(gss)}` },
      });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
    };
    // Two LAs that have allocated nothing yet this minute (the clock here stands still).
    const [A, B] = ['E10000014', 'E10000032'];
    for (const gss of [A, B]) tokens.set(gss, await t.token({ sub: `officer-${gss}`, role: 'la', org: gss }));
    await publish('quota', 10);
    const kent = [await openCase(A), await openCase(A), await openCase(A)];
    const medway = await openCase(B);
    expect((await allocateAs(A, kent[0]!)).status).toBe(201);
    expect((await allocateAs(A, kent[1]!)).status).toBe(201);
    const over = await allocateAs(A, kent[2]!);
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('quota_exceeded');
    expect(over.body.error.message).toMatch(/2 allocations/);
    expect(over.body.error.details).toEqual([{ limit: 2, retryAfterSeconds: Number(over.retryAfter) }]);
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
    expect((await t.request(`/cases/${kent[2]}`, { token: la(A) })).body.state).toBe('open');
    // The other LA's own quota is untouched.
    expect((await allocateAs(B, medway)).status).toBe(201);
    // The next minute, the first LA may allocate again.
    const saved = clock;
    clock = new Date(saved.getTime() + 61_000);
    try {
      expect((await allocateAs(A, kent[2]!)).status).toBe(201);
    } finally {
      clock = saved;
    }
  });
});
