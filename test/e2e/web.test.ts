import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildWeb } from '@placements/web';
import { startMarketplace, type RunningMarketplace } from '@placements/local';
import { axe, launchChromium, serious, signIn, type RunningBrowser } from './support/browser.ts';
import {
  commissionerAllocates,
  commissionerFindsAcrossBoundary,
  namedAndAdmitted,
  providerAccepts,
  providerUpdatesPlaces,
  providerUploadsSheet,
  storyFor,
  type Story,
} from './support/tour.ts';

let m: RunningMarketplace;
let b: RunningBrowser;
let story: Story;
let provider: Page;
let commissioner: Page;

beforeAll(async () => {
  buildWeb();
  [m, b] = await Promise.all([startMarketplace({ port: 0 }), launchChromium()]);
  story = await storyFor(m);
  provider = await b.newPage();
  commissioner = await b.newPage();
}, 600_000); // a fresh machine installs Chromium with apt-get first

afterAll(async () => {
  await b?.close();
  await m?.stop();
});

describe('the web app in Chromium, against the locally started marketplace', () => {
  it('a provider updates places, a commissioner finds them across the boundary and allocates, the provider accepts', async () => {
    await providerUpdatesPlaces(provider, story);
    await commissionerFindsAcrossBoundary(commissioner, story);
    await commissionerAllocates(commissioner, story);
    await providerAccepts(provider, story);
    await namedAndAdmitted(commissioner, provider, story);
    // What the browser showed is what the API holds.
    const token = m.identities.find((i) => i.principal.role === 'la')!.token;
    const kase = await (
      await fetch(`${m.url}/cases/${story.caseId}`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    expect(kase).toMatchObject({ state: 'placed', placement: { urn: story.urn, state: 'admitted' } });
  }, 90_000);

  it('a provider uploads a sheet for two settings: a progress bar, one saved, the other refused with every problem by line', async () => {
    await providerUploadsSheet(provider, story);
  }, 30_000);

  it('has no serious or critical accessibility violation (axe-core, WCAG 2.2 AA) on each main screen, on a desktop and a phone', async () => {
    const screens: [string, string, string][] = [
      ['sign-in', '', '#/'],
      ['provider settings', story.provider.label, '#/provider'],
      ['listing', story.provider.label, `#/provider/settings/${story.urn}/listings/${story.listing.listingId}`],
      ['upload', story.provider.label, '#/provider/upload'],
      ['consultations', story.provider.label, '#/provider/consultations'],
      ['search', 'LA commissioner', `#/search?need=${story.listing.needs[0]}&from=ME14&radiusKm=30&scope=partnership`],
      ['cases', 'LA commissioner', '#/cases'],
      ['open a case', 'LA commissioner', '#/cases/new'],
      ['case', 'LA commissioner', `#/cases/${story.caseId}`],
      ['sufficiency', 'Regional partnership', '#/sufficiency'],
    ];
    const found: string[] = [];
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const page = await b.newPage(viewport);
      let who = '';
      for (const [name, identity, hash] of screens) {
        if (identity !== who) {
          if (identity === '') await page.goto(`${m.url}/app/`);
          else await signIn(page, m.url, identity);
          who = identity;
        }
        await page.goto(`${m.url}/app/${hash}`);
        await page.locator('h1').first().waitFor();
        await page.waitForLoadState('networkidle');
        for (const v of serious(await axe(page))) found.push(`${viewport.width}px ${name}: ${v}`);
      }
      await page.close();
    }
    expect(found).toEqual([]);
  }, 90_000);
});
