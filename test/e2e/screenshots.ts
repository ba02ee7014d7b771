import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { buildWeb } from '@placements/web';
import { startMarketplace } from '@placements/local';
import { launchChromium, signIn } from './support/browser.ts';
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
} from './support/tour.ts';

/**
 * `npm run screenshots`: the main screens, desktop and phone width, into docs/screenshots/, taken
 * along the same story the browser test follows, on generated demo data.
 */
const out = resolve(process.argv[2] ?? 'docs/screenshots');
mkdirSync(out, { recursive: true });
buildWeb();
const m = await startMarketplace({ port: 0 });
const b = await launchChromium();
const taken: string[] = [];
try {
  const story = await storyFor(m);
  const shooter = (page: Page) => async (name: string) => {
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    taken.push(`${name}.png`);
  };
  const provider = await b.newPage();
  const commissioner = await b.newPage();
  await providerUpdatesPlaces(provider, story, shooter(provider));
  await commissionerFindsAcrossBoundary(commissioner, story, shooter(commissioner));
  await commissionerAllocates(commissioner, story, shooter(commissioner));
  // The provider's home: its work inbox, with the consultation the allocation asked for.
  await provider.goto(`${m.url}/app/#/provider`);
  await provider
    .getByRole('region', { name: /Needs your attention/ })
    .getByText(/answer by/)
    .first()
    .waitFor();
  await shooter(provider)('provider-inbox');
  await providerAccepts(provider, story, shooter(provider));
  await namedAndAdmitted(commissioner, provider, story, shooter(commissioner));

  // Phone width: the search and the case.
  const phone = await b.newPage({ width: 390, height: 844 });
  await signIn(phone, m.url, 'LA commissioner');
  await phone.goto(
    `${m.url}/app/#/search?need=${story.listing.needs[0]}&from=ME14&radiusKm=40&scope=partnership&availableBy=now`,
  );
  await phone.getByRole('img', { name: /Map of the results/ }).waitFor();
  await shooter(phone)('phone-commissioner-search');
  await phone.goto(`${m.url}/app/#/cases/${story.caseId}`);
  await phone.getByRole('heading', { name: 'Tailored list' }).waitFor();
  await shooter(phone)('phone-commissioner-case');

  await providerUploadsSheet(provider, story, shooter(provider));

  // Some demand for the dashboard: Kent cases still waiting (counts under 5 would show as <5).
  const kent = m.identities.find((i) => i.principal.role === 'la')!.token;
  for (let i = 0; i < 12; i++) {
    const body = {
      ref: `KCC-DEMO-${i}`,
      needs: [i % 3 === 0 ? 'SLD' : 'ASD'],
      band: i % 2 === 0 ? 'S2' : 'S3',
      age: 8 + (i % 6),
      homeDistrict: 'ME14',
    };
    await fetch(`${m.url}/cases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kent}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  // Cases in bulk: a small sheet with one bad row, reported by its line.
  const sheet = join(mkdtempSync(join(tmpdir(), 'cases-')), 'cases.csv');
  writeFileSync(
    sheet,
    [
      'needs,band,age,homeDistrict,holder,ranked,mainstreamRequested',
      `ASD,S3,9,ME14,parent,${story.urn},false`,
      `SLD,S2,11,ME14,parent,${story.urn},false`,
      'ASD,Z9,9,ME14,parent,,false',
      '',
    ].join('\n'),
  );
  await commissioner.getByRole('link', { name: 'Upload cases', exact: true }).click();
  await commissioner.getByLabel('CSV file of cases').setInputFiles(sheet);
  await commissioner.getByRole('button', { name: 'Upload cases' }).click();
  await commissioner.getByText(/^Finished: 3 rows\./).waitFor({ timeout: 60_000 });
  rmSync(sheet);
  await shooter(commissioner)('commissioner-cases-upload');

  const coordinator = await b.newPage();
  await signIn(coordinator, m.url, 'Regional partnership');
  await coordinator.getByRole('heading', { name: /Sufficiency: / }).waitFor();
  await shooter(coordinator)('coordinator-sufficiency');

  await commissioner.getByRole('link', { name: 'Cases', exact: true }).click();
  await commissioner.getByRole('link', { name: story.caseRef }).waitFor();
  await shooter(commissioner)('commissioner-cases');

  // Issue 18: the trust and the Schools Adjudicator, a round, the framework.
  const direction = await directionToTrust(m);
  const trust = await b.newPage();
  const adjudicator = await b.newPage();
  await trustAppeals(trust, direction, shooter(trust));
  await adjudicatorOverturns(adjudicator, direction, shooter(adjudicator));
  await trustSeesOutcome(trust, direction);
  await shooter(trust)('trust-direction-outcome');
  const roundPage = await b.newPage();
  await coordinatorRunsRound(roundPage, m, shooter(roundPage));
  const national = await b.newPage();
  await nationalPublishesFramework(national, m.url, shooter(national));
  const blockProvider = await b.newPage();
  const blockCoordinator = await b.newPage();
  await providerOffersBlockPartnershipAccepts(blockProvider, blockCoordinator, story, m, async (name) => {
    // The coordinator's shot is of its offer awaiting an answer; the provider's, of its offer sent.
    await shooter(name === 'coordinator-block-offer' ? blockCoordinator : blockProvider)(name);
  });
  const phoneRound = await b.newPage({ width: 390, height: 844 });
  await signIn(phoneRound, m.url, 'Regional partnership');
  await phoneRound.goto(roundPage.url());
  await phoneRound.getByRole('table', { name: 'Every case’s outcome' }).waitFor();
  await shooter(phoneRound)('phone-coordinator-round-results');

  const signInPage = await b.newPage();
  await signInPage.goto(`${m.url}/app/`);
  await signInPage.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shooter(signInPage)('sign-in');

  console.log(`Saved ${taken.length} screenshots in ${out}:\n  ${taken.join('\n  ')}`);
} finally {
  await b.close();
  await m.stop();
}
