import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvObjects, importGias, parseCsv } from '@placements/domain';
import { runGiasImport } from '@placements/local';
import { seededApp, type SeededApp } from '../support/store.ts';
import { dataDir, requireDataDir } from '../support/data-dir.ts';

const samplePath = dataDir && join(dataDir, 'gias/gias_sample.csv');
let t: SeededApp;
beforeAll(async () => {
  // The national reference data: every LA and postcode district the sample can name.
  if (dataDir) t = await seededApp({ dataDir, settings: false });
});
afterAll(async () => {
  await t?.store.drop();
});

/** Rewrites a CSV with columns dropped, added and reordered, as later GIAS extracts differ from 2021's. */
function laterColumnSet(text: string): string {
  const [header, ...records] = parseCsv(text);
  const drop = new Set(['OfstedRating (name)', 'FEHEIdentifier', 'TelephoneNum', 'HeadTitle (name)']);
  const keep = header!.fields
    .map((h, i) => [h, i] as const)
    .filter(([h]) => !drop.has(h))
    .reverse();
  const q = (f: string) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);
  const lines = [[...keep.map(([h]) => h), 'QualityAssuranceBody (name)'].map(q).join(',')];
  for (const r of records) lines.push([...keep.map(([, i]) => r.fields[i] ?? ''), 'Ofsted'].map(q).join(','));
  return lines.join('\n');
}

describe('GIAS import', () => {
  it('has the real sample extract to read', () => {
    if (requireDataDir) expect(samplePath, 'shared/data/gias/gias_sample.csv is needed').toBeDefined();
  });

  it.runIf(samplePath !== undefined)(
    'imports the sample: open English schools in, each skipped row explained',
    async () => {
      const summary = await runGiasImport(t.store, readFileSync(samplePath!, 'utf8'));
      expect(summary.rows).toBe(99);
      expect(summary.columnSet).toBe('2021');
      // Counted independently from the file: 9 closed, 1 proposed to open, 47 open Welsh
      // establishments; the other 42 (17 community, 19 voluntary aided, 3 independent, 2 PRUs,
      // 1 nursery) are open English settings.
      const reasons = summary.skipped.map((s) => s.reason);
      expect(reasons.filter((r) => /^closed/.test(r))).toHaveLength(9);
      expect(reasons.filter((r) => /proposed to open/.test(r))).toHaveLength(1);
      expect(reasons.filter((r) => r === 'a Welsh establishment: outside England')).toHaveLength(47);
      expect(summary.skipped).toHaveLength(57);
      expect(summary).toMatchObject({ imported: 42, created: 42, updated: 0 });
      for (const s of summary.skipped)
        expect(s).toMatchObject({
          line: expect.any(Number),
          urn: expect.stringMatching(/^\d{6}$/),
          name: expect.any(String),
        });
      // A second import of the same file updates rather than duplicates.
      expect(await runGiasImport(t.store, readFileSync(samplePath!, 'utf8'))).toMatchObject({
        imported: 42,
        created: 0,
        updated: 42,
      });
    },
  );

  it.runIf(samplePath !== undefined)(
    'maps types, ages, needs, resourced provision and LA from the extract',
    async () => {
      const text = readFileSync(samplePath!, 'utf8');
      const { rows } = csvObjects(text);
      const rp = rows.find(
        (r) =>
          r.values['TypeOfResourcedProvision (name)'] === 'Resourced provision' &&
          r.values['EstablishmentStatus (name)'] !== 'Closed' &&
          r.values.ResourcedProvisionCapacity !== '',
      )!;
      const res = await t.request(`/settings/${rp.values.URN}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        urn: rp.values.URN,
        name: rp.values.EstablishmentName,
        type: 'resourced_provision',
        source: 'gias',
        ageMin: Number(rp.values.StatutoryLowAge),
        ageMax: Number(rp.values.StatutoryHighAge),
        resourcedProvisionCapacity: Number(rp.values.ResourcedProvisionCapacity),
        district: rp.values.Postcode!.split(' ')[0],
      });
      expect(res.body.laCode).toMatch(/^E\d{8}$/);
      const pru = rows.find(
        (r) =>
          r.values['TypeOfEstablishment (name)'] === 'Pupil referral unit' &&
          r.values['EstablishmentStatus (name)'] === 'Open',
      );
      if (pru)
        expect((await t.request(`/settings/${pru.values.URN}`)).body).toMatchObject({
          type: 'alternative_provision',
          governance: 'maintained',
        });
    },
  );

  it.runIf(samplePath !== undefined)(
    'reads a later column set, CRLF line endings and a byte-order mark the same way',
    async () => {
      const text = readFileSync(samplePath!, 'utf8');
      const ctx = {
        gssForDfeNumber: () => 'E10000016',
        isKnownLa: () => true,
        districtCentroid: () => ({ lat: 51, lon: 0 }),
      };
      const base = importGias(...headerRows(text), ctx);
      const later = importGias(...headerRows(laterColumnSet(text)), ctx);
      const crlfBom = importGias(...headerRows(`\uFEFF${text.replace(/\r?\n/g, '\r\n')}`), ctx);
      expect(later.columnSet).toBe('later');
      expect(later.settings).toEqual(base.settings);
      expect(crlfBom.settings).toEqual(base.settings);
      expect(crlfBom.skipped.map((s) => s.reason)).toEqual(base.skipped.map((s) => s.reason));
    },
  );

  it.runIf(samplePath !== undefined)('skips schools in LAs the marketplace does not hold, saying which LA', () => {
    const { settings, skipped } = importGias(...headerRows(readFileSync(samplePath!, 'utf8')), {
      gssForDfeNumber: () => undefined,
      isKnownLa: (gss) => gss === 'E10000016',
      districtCentroid: () => ({ lat: 51, lon: 0 }),
    });
    expect(settings).toEqual([]);
    expect(skipped.filter((s) => /is not one of the marketplace's LAs/.test(s.reason))).toHaveLength(42);
    expect(skipped.find((s) => /LAs/.test(s.reason))!.reason).toMatch(/^LA \w.* E\d{8} is not one/);
  });

  it('names the missing columns of a file that is not a GIAS extract', () => {
    expect(() =>
      importGias(...headerRows('Name,Town\nOak,Kent\n'), {
        gssForDfeNumber: () => undefined,
        isKnownLa: () => false,
        districtCentroid: () => undefined,
      }),
    ).toThrow(/invalid fields: URN, EstablishmentName/);
  });
});

function headerRows(text: string): [string[], { line: number; values: Record<string, string> }[]] {
  const { header, rows } = csvObjects(text);
  return [header, rows];
}
