import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildWeb } from '@placements/web';
import { startMarketplace, type RunningMarketplace } from '@placements/local';
import { axe, launchChromium, serious, signIn, type RunningBrowser } from './support/browser.ts';
import {
  adjudicatorOverturns,
  coordinatorRunsRound,
  providerOffersBlockPartnershipAccepts,
  directionToTrust,
  nationalPublishesFramework,
  trustAppeals,
  trustSeesOutcome,
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
/** Where the new stories left something to check for accessibility: a round's page. */
let roundHash = '#/rounds';

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

  it('the coordinator and the commissioner open the forecast: a chart per placement type, its figures as a table, the method and its backtest', async () => {
    const page = await b.newPage();
    await signIn(page, m.url, 'Regional partnership');
    await page.goto(`${m.url}/app/#/sufficiency`);
    await page
      .getByRole('heading', { name: /Forecast: EHC plans against published places, 2025\/26 to 2029\/30/ })
      .waitFor();
    await expect.poll(() => page.getByText(/tested on 2023\/24 and 2024\/25/).count()).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'Special schools (maintained and academy)' }).waitFor();
    expect(await page.locator('figure.forecast-chart svg polygon').count()).toBe(7); // a projected range per placement type
    await page.getByText('Special schools (maintained and academy): the figures as a table').click();
    const table = page.getByRole('table', {
      name: /Special schools \(maintained and academy\): projected EHC plans and the gap/,
    });
    await expect.poll(() => table.getByRole('row', { name: /2029\/30/ }).count()).toBe(1);
    // The region's projection is every member's added up, as the API says.
    const api: any = await (
      await fetch(`${m.url}/partnerships/se19/forecast`, {
        headers: { authorization: `Bearer ${m.identities.find((i) => i.principal.role === 'partnership')!.token}` },
      })
    ).json();
    const last = api.byType.find((r: any) => r.type === 'specialState').projection[4];
    expect(await table.getByRole('row', { name: /2029\/30/ }).textContent()).toContain(
      last.central.toLocaleString('en-GB'),
    );

    await signIn(page, m.url, 'LA commissioner');
    await page.goto(`${m.url}/app/#/sufficiency`);
    await page.getByRole('heading', { name: /Forecast: EHC plans against published places/ }).waitFor();
    await page.getByRole('heading', { name: 'FE colleges and specialist post-16' }).waitFor();
    await page.close();
  }, 60_000);

  it('a trust receives a direction and appeals; the Schools Adjudicator overturns it; the LA’s case is open again', async () => {
    const d = await directionToTrust(m);
    const trust = await b.newPage();
    const adjudicator = await b.newPage();
    await trustAppeals(trust, d);
    await adjudicatorOverturns(adjudicator, d);
    await trustSeesOutcome(trust, d);
    await trust.close();
    await adjudicator.close();
  }, 120_000);

  it('a coordinator runs a round over a member LA’s cases without a place and reads every outcome and a CSV', async () => {
    const coordinator = await b.newPage();
    await coordinatorRunsRound(coordinator, m);
    roundHash = `#${new URL(coordinator.url()).hash.slice(1)}`;
    await coordinator.close();
  }, 120_000);

  it('a provider offers block places to SE19 and the partnership accepts: the block takes effect only then, and both see its use', async () => {
    const provider = await b.newPage();
    const coordinator = await b.newPage();
    await providerOffersBlockPartnershipAccepts(provider, coordinator, story, m);
    await provider.close();
    await coordinator.close();
  }, 120_000);

  it('the national team publishes a framework version: the missing date named first, then published as the next', async () => {
    const national = await b.newPage();
    await nationalPublishesFramework(national, m.url);
    await national.close();
  }, 90_000);

  it('has no serious or critical accessibility violation (axe-core, WCAG 2.2 AA) on each main screen, on a desktop and a phone', async () => {
    const screens: [string, string, string][] = [
      ['sign-in', '', '#/'],
      ['provider settings', story.provider.label, '#/provider'],
      ['listing', story.provider.label, `#/provider/settings/${story.urn}/listings/${story.listing.listingId}`],
      ['upload', story.provider.label, '#/provider/upload'],
      ['consultations', story.provider.label, '#/provider/consultations'],
      ['block places (provider)', story.provider.label, '#/provider/reservations'],
      ['search', 'LA commissioner', `#/search?need=${story.listing.needs[0]}&from=ME14&radiusKm=30&scope=partnership`],
      ['cases', 'LA commissioner', '#/cases'],
      ['open a case', 'LA commissioner', '#/cases/new'],
      ['case', 'LA commissioner', `#/cases/${story.caseId}`],
      ['sufficiency', 'Regional partnership', '#/sufficiency'],
      ['sufficiency (LA)', 'LA commissioner', '#/sufficiency'],
      ['allocation rounds', 'Regional partnership', '#/rounds'],
      ['a round’s results', 'Regional partnership', roundHash],
      ['block places (partnership)', 'Regional partnership', '#/reservations'],
      ['framework', 'National framework team', '#/framework'],
      ['directions (trust)', 'Trust', '#/directions'],
      ['appeals (adjudicator)', 'Schools Adjudicator', '#/appeals'],
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
  }, 360_000);
});
