/**
 * An LA commissioner loads a cohort of 500 cases from a sheet through the web app in Chromium:
 * a progress bar, every valid row saved, the bad rows reported by their line in the file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '@placements/web';
import { startMarketplace, type RunningMarketplace } from '@placements/local';
import { axe, launchChromium, type RunningBrowser, serious, signIn } from './support/browser.ts';

let m: RunningMarketplace;
let b: RunningBrowser;
let page: Page;
let token: string;

beforeAll(async () => {
  buildWeb();
  [m, b] = await Promise.all([startMarketplace({ port: 0 }), launchChromium()]);
  token = m.identities.find((i) => i.principal.role === 'la')!.token;
  page = await b.newPage();
}, 600_000);

afterAll(async () => {
  await b?.close();
  await m?.stop();
});

const api = async (path: string, init: RequestInit = {}) =>
  (
    await fetch(`${m.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    })
  ).json() as Promise<any>;

/** 500 rows: lines 2..501, four of them bad, ranked from the tailored list of an autistic 9-year-old with SLCN near ME14. */
async function cohortSheet(): Promise<string> {
  const list = await api('/places/tailored-list?need=ASD&need=SLCN&age=9&band=S3&from=ME14&scope=national');
  const ranked = list.included.slice(0, 3).map((e: any) => e.setting.urn) as string[];
  const rows = ['needs,band,age,homeDistrict,holder,ranked,mainstreamRequested'];
  for (let line = 2; line <= 501; line++) {
    if (line === 10) rows.push(`ASD,Z9,9,ME14,parent,${ranked[0]},false`);
    else if (line === 200) rows.push(`ASD,S3,31,ME14 9XX,parent,${ranked[0]},false`);
    else if (line === 350) rows.push(`ASD,S3,9,ME14,parent,999999,false`);
    else if (line === 501) rows.push(`ASD,S3,9,ME14,young_person,${ranked.join(';')},false`);
    else rows.push(`ASD;SLCN,S3,9,ME14,parent,${ranked.join(';')},false`);
  }
  return `${rows.join('\n')}\n`;
}

describe('cases in bulk through the web app', () => {
  it('an LA commissioner uploads 500 cases: a progress bar, 496 saved, the 4 bad rows listed by line with their problems', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cohort-')), 'cohort.csv');
    writeFileSync(file, await cohortSheet());
    const before = (await api('/cases?limit=200')).items.length;
    await signIn(page, m.url, 'LA commissioner');
    await page.getByRole('link', { name: 'Upload cases', exact: true }).click();
    await page.getByRole('heading', { name: 'Upload cases from a sheet' }).waitFor();
    await page.getByLabel('CSV file of cases').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload cases' }).click();
    await page.getByText('Finished: 500 rows.').waitFor({ timeout: 240_000 });
    expect(await page.getByRole('progressbar').getAttribute('value')).toBe('100');
    await page.getByText('496 of 500 cases saved; 4 rows not saved.').waitFor();
    await page.getByRole('heading', { name: '4 rows not saved' }).waitFor();
    const rows = (await page.getByRole('region', { name: 'Rows not saved' }).getByRole('row').allInnerTexts()).slice(1);
    const cells = rows.map((r) => r.split('\t').map((c) => c.trim()));
    expect(cells.map((c) => c[0])).toEqual(['10', '200', '200', '350', '501']);
    expect(cells[0]).toEqual(['10', 'band', expect.stringContaining('Z9 is not a band of the framework in force')]);
    expect(cells.slice(1, 3).map((c) => c[1])).toEqual(['age', 'homeDistrict']);
    expect(cells[3]).toEqual(['350', 'ranked', 'preference 1: no setting has the URN 999999']);
    expect(cells[4]).toEqual(['501', 'holder', 'must be parent: at 9 the parent holds the preferences']);
    // What the browser showed is what the API holds: 496 more cases, each with its preferences.
    let count = 0;
    let cursor: string | null = null;
    do {
      const p: any = await api(`/cases?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      count += p.items.length;
      cursor = p.nextCursor;
    } while (cursor);
    expect(count - before).toBe(496);
  }, 300_000);

  it('has no serious or critical accessibility violation on the upload screen and its report, on a desktop and a phone', async () => {
    const found: string[] = [];
    for (const s of serious(await axe(page))) found.push(`1280px report: ${s}`);
    const phone = await b.newPage({ width: 390, height: 844 });
    await signIn(phone, m.url, 'LA commissioner');
    await phone.goto(`${m.url}/app/#/cases/upload`);
    await phone.getByRole('heading', { name: 'Upload cases from a sheet' }).waitFor();
    for (const s of serious(await axe(phone))) found.push(`390px upload: ${s}`);
    await phone.close();
    expect(found).toEqual([]);
  }, 120_000);
});
