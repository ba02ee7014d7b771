import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunningMarketplace } from '@placements/local';
import { signIn } from './browser.ts';

/**
 * The story, step by step in the browser, shared by the end-to-end test and the
 * screenshot script: a provider across Kent's boundary (Medway) publishes free places, a Kent
 * commissioner finds them and allocates, the provider accepts, the LA names it, the child is admitted.
 */
export interface Story {
  base: string;
  provider: { label: string; org: string; token: string };
  urn: string;
  settingName: string;
  listing: {
    listingId: string;
    band: string;
    needs: string[];
    ageMin: number;
    ageMax: number;
    commissioned: number;
    filled: number;
    held: number;
    version: number;
    availableFrom: string;
  };
  caseRef: string;
  caseId?: string;
}

/** Plain checks, so the screenshot script can run the story outside vitest. */
function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

async function until(test: () => Promise<boolean>, message: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function storyFor(m: RunningMarketplace): Promise<Story> {
  const provider = m.identities.find((i) => i.principal.sub === 'demo-medway-provider');
  if (provider === undefined) throw new Error('The demo identities have no Medway provider.');
  // Read as the provider: only it sees its listings' live counts (filled, held).
  const settings = (await (
    await fetch(`${m.url}/settings?provider=${provider.principal.org}&limit=200`, {
      headers: { authorization: `Bearer ${provider.token}` },
    })
  ).json()) as {
    items: any[];
  };
  const setting = settings.items.find((s) => s.laCode === 'E06000035' && s.listings.length > 0)!;
  const listing = setting.listings[0];
  return {
    base: m.url,
    provider: { label: provider.label, org: provider.principal.org, token: provider.token },
    urn: setting.urn,
    settingName: setting.name,
    listing,
    caseRef: `KCC-E2E-${Date.now().toString(36).toUpperCase()}`,
  };
}

const today = () => new Date().toISOString().slice(0, 10);

/** The provider opens the listing, a colleague saves first, the conflict is shown, and the provider's change wins. */
export async function providerUpdatesPlaces(
  page: Page,
  s: Story,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  await signIn(page, s.base, s.provider.label);
  await page.getByRole('heading', { name: s.settingName }).waitFor();
  await shoot?.('provider-settings');
  // A trust's settings may share listing names: change the one in this setting's section.
  await page
    .getByRole('region', { name: s.settingName })
    .getByRole('link', { name: `Change listing ${s.listing.listingId}` })
    .click();
  const commissioned = page.getByLabel('Places commissioned');
  await commissioned.waitFor();
  const wanted = s.listing.filled + s.listing.held + 3;
  await commissioned.fill(String(wanted));
  await page.getByLabel('Available from').fill(today());

  // A colleague saves the same listing first (through the API, as another browser would).
  const colleague = { ...s.listing, commissioned: s.listing.filled + s.listing.held + 1 };
  const put = await fetch(`${s.base}/settings/${s.urn}/listings/${s.listing.listingId}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${s.provider.token}`,
      'content-type': 'application/json',
      'if-match': String(s.listing.version),
    },
    body: JSON.stringify({
      band: colleague.band,
      needs: colleague.needs,
      ageMin: colleague.ageMin,
      ageMax: colleague.ageMax,
      attendance: 'day',
      commissioned: colleague.commissioned,
      filled: colleague.filled,
      availableFrom: colleague.availableFrom,
    }),
  });
  check(put.status === 200, `the colleague's save answered ${put.status}`);

  await page.getByRole('button', { name: 'Save listing' }).click();
  const conflict = page.getByRole('heading', { name: 'Someone else changed this listing while you were editing it' });
  await conflict.waitFor();
  await shoot?.('provider-listing-conflict');
  await page.getByRole('button', { name: 'Replace it with my change' }).click();
  await page.getByRole('heading', { name: `Listing ${s.listing.listingId} saved` }).waitFor();
  check(
    (await page.getByText(`3 of ${wanted} places available`).count()) === 1,
    'the saved listing should say 3 places are available',
  );
}

/** The Kent commissioner searches across SE19 from ME14 and sees the Medway setting marked across the boundary. */
export async function commissionerFindsAcrossBoundary(
  page: Page,
  s: Story,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  await signIn(page, s.base, 'LA commissioner');
  await page.getByRole('link', { name: 'Search places', exact: true }).click();
  for (const n of s.listing.needs.slice(0, 1))
    await page.getByRole('checkbox', { name: new RegExp(`^${n}\\b`) }).check();
  await page.getByLabel('Child’s home postcode district').fill('ME14');
  await page.getByLabel('Within (km)').fill('40');
  await page.getByLabel('Age', { exact: true }).fill(String(s.listing.ageMin));
  await page.getByLabel('Place free by').selectOption('now');
  await page.getByLabel('Where').selectOption('partnership');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const result = page
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: s.settingName }) })
    .first();
  await result.waitFor();
  await result.getByText('Across the boundary').first().waitFor();
  await page.getByRole('img', { name: /Map of the results around ME14/ }).waitFor();
  await shoot?.('commissioner-search');
}

/** Opens a case, ranks the Medway setting from its tailored list, and allocates. */
export async function commissionerAllocates(
  page: Page,
  s: Story,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  await page.getByRole('link', { name: 'Cases', exact: true }).click();
  await page.getByRole('link', { name: 'Open a case' }).click();
  await page.getByLabel('Case reference').fill(s.caseRef);
  await page.getByLabel('Primary need').selectOption(s.listing.needs[0]!);
  await page.getByLabel('Band').selectOption(s.listing.band);
  await page.getByLabel('Age').fill(String(s.listing.ageMin));
  await page.getByLabel('Home postcode district').fill('ME14');
  await shoot?.('commissioner-open-case');
  await page.getByRole('button', { name: 'Open the case' }).click();
  await page.getByRole('heading', { name: 'Tailored list' }).waitFor();
  s.caseId = page.url().split('/cases/')[1];
  await page.getByLabel('Only settings with a place free now').check();
  const entry = page
    .getByRole('listitem')
    .filter({ has: page.getByRole('heading', { name: s.settingName }) })
    .first();
  await entry.getByRole('button', { name: /Add to preferences/ }).click();
  await page.getByRole('button', { name: 'Record preferences' }).click();
  const allocate = page.getByRole('button', { name: 'Allocate the first available place' });
  await until(() => allocate.isEnabled(), 'Allocate did not become available after recording the preferences');
  await allocate.click();
  await page.getByText(`A place is held at ${s.settingName}`).waitFor();
  await page.getByRole('heading', { name: `Placement at ${s.settingName}` }).waitFor();
  await shoot?.('commissioner-case-allocated');
}

/** The provider answers the consultation addressed to its setting: accept. */
export async function providerAccepts(page: Page, s: Story, shoot?: (name: string) => Promise<void>): Promise<void> {
  await page.getByRole('link', { name: 'Consultations', exact: true }).click();
  const card = page
    .getByRole('region', { name: s.settingName })
    .filter({ has: page.getByRole('button', { name: /Accept the place/ }) });
  await card.waitFor();
  await shoot?.('provider-consultations');
  await card.getByRole('button', { name: /Accept the place/ }).click();
  await card.waitFor({ state: 'detached' });
  await page.getByText('Accepted by the setting').first().waitFor();
}

/** The commissioner names the setting; the provider records admission; the case is placed. */
export async function namedAndAdmitted(
  commissioner: Page,
  provider: Page,
  s: Story,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  await commissioner.reload();
  await commissioner.getByRole('button', { name: `Name ${s.settingName} in the EHCP` }).click();
  await commissioner.getByText(`${s.settingName} is named and has a duty to admit`).waitFor();
  await provider.reload();
  const card = provider
    .getByRole('region', { name: s.settingName })
    .filter({ has: provider.getByRole('button', { name: 'Record admission' }) });
  await card.getByRole('button', { name: 'Record admission' }).click();
  await card.waitFor({ state: 'detached' });
  await commissioner.reload();
  await commissioner.getByText(`The child has a place at ${s.settingName}`).waitFor();
  await shoot?.('commissioner-case-placed');
}

/**
 * A sheet for two of the provider's settings, the second with mistakes: the first is saved,
 * the second is refused whole, each problem reported by its line in the file.
 */
export async function providerUploadsSheet(
  page: Page,
  s: Story,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  const settings = (
    (await (await fetch(`${s.base}/settings?provider=${s.provider.org}`)).json()) as {
      items: { urn: string; name: string }[];
    }
  ).items;
  const other = settings.find((x) => x.urn !== s.urn)!;
  const l = s.listing;
  const sheet = [
    'urn,listingId,band,needs,ageMin,ageMax,attendance,commissioned,filled,availableFrom,price,variationReason',
    `${s.urn},${l.listingId},${l.band},${l.needs.join(';')},${l.ageMin},${l.ageMax},day,12,5,${today()},,`,
    `${other.urn},extra-day,Z9,ASD,4,11,day,6,2,2027-01-04,,`,
    `${other.urn},extra-res,S2,ASD,4,11,weekly,4,9,2027-13-01,,`,
  ].join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'sheet-')), 'listings.csv');
  writeFileSync(file, sheet);
  await page.getByRole('link', { name: 'Upload a sheet', exact: true }).click();
  await page.getByLabel('CSV file').setInputFiles(file);
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.getByText('Finished: 2 settings.').waitFor();
  const saved = page.getByRole('region', { name: s.settingName });
  await saved.getByText('Saved: 0 created, 1 replaced, 0 unchanged.').waitFor();
  const refused = page.getByRole('region', { name: other.name });
  const rows = await refused.getByRole('row').allInnerTexts();
  check(
    rows.some((r) => /^3\s+band\s+Z9 is not a band/.test(r)) && rows.some((r) => /^4\s+attendance/.test(r)),
    `the report should name line 3's band and line 4's attendance:\n${rows.join('\n')}`,
  );
  check((await page.getByRole('progressbar').getAttribute('value')) === '100', 'the progress bar should reach 100%');
  await shoot?.('provider-upload-report');
}

// ---- Issue 18: the trust, the Schools Adjudicator, rounds and the framework ----------------------

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

export interface DirectionStory {
  base: string;
  trustLabel: string;
  caseRef: string;
  caseId: string;
  settingName: string;
  kentToken: string;
}

/**
 * Through the API: a Kent case allocated to the demo Kent academy, which accepts, is named, refuses
 * to admit, and is directed: the trust backstop, addressed to the demo trust.
 */
export async function directionToTrust(m: RunningMarketplace): Promise<DirectionStory> {
  const kent = m.identities.find((i) => i.principal.role === 'la')!.token;
  const provider = m.identities.find((i) => i.principal.sub === 'demo-provider')!;
  const trust = m.identities.find((i) => i.principal.role === 'trust');
  if (trust === undefined)
    throw new Error('The demo identities have no trust: the demo Kent provider is not an academy.');
  const setting = (
    (await (await fetch(`${m.url}/settings?provider=${provider.principal.org}&limit=200`)).json()) as { items: any[] }
  ).items.find((s) => s.type === 'special_academy' && s.trustId === trust.principal.org)!;
  const listingId = `e2e-dir-${Date.now().toString(36)}`;
  const band = setting.listings[0]?.band ?? 'S3';
  const need = setting.needs[0] ?? 'ASD';
  await api(m.url, provider.token, 'PUT', `/settings/${setting.urn}/listings/${listingId}`, {
    band,
    needs: [need],
    ageMin: setting.ageMin,
    ageMax: setting.ageMax,
    attendance: 'day',
    commissioned: 1,
    filled: 0,
    availableFrom: today(),
  });
  const caseRef = `KCC-DIR-${Date.now().toString(36).toUpperCase()}`;
  const c = await api(m.url, kent, 'POST', '/cases', {
    ref: caseRef,
    needs: [need],
    band,
    age: setting.ageMin,
    homeDistrict: 'ME14',
  });
  await api(m.url, kent, 'PUT', `/cases/${c.id}/preferences`, { holder: 'parent', ranked: [setting.urn] });
  const placement = (await api(m.url, kent, 'POST', `/cases/${c.id}/allocate`)).placement;
  await api(m.url, provider.token, 'POST', `/placements/${placement.id}/response`, { decision: 'accept' });
  await api(m.url, kent, 'POST', `/placements/${placement.id}/naming`, {});
  await api(m.url, provider.token, 'POST', `/placements/${placement.id}/admission`, {
    decision: 'refused',
    reason: 'No room in the class',
  });
  await api(m.url, kent, 'POST', `/placements/${placement.id}/directions`, {});
  return { base: m.url, trustLabel: trust.label, caseRef, caseId: c.id, settingName: setting.name, kentToken: kent };
}

/** The trust finds the direction (case reference, band, need, days since) and appeals with its grounds. */
export async function trustAppeals(
  page: Page,
  s: DirectionStory,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  await signIn(page, s.base, s.trustLabel);
  await page.getByRole('heading', { name: 'Directions to admit' }).waitFor();
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: s.caseRef }) });
  await row.getByText('Directed to admit').waitFor();
  check((await row.getByRole('cell', { name: '0', exact: true }).count()) === 1, 'the direction is 0 days old');
  await shoot?.('trust-directions');
  const card = page.getByRole('region', { name: `Case ${s.caseRef} at ${s.settingName}` });
  await card.getByRole('button', { name: 'Appeal to the Schools Adjudicator' }).click();
  // No grounds: the API's 400 names the field.
  await card
    .getByRole('alert')
    .getByText(/grounds/)
    .first()
    .waitFor();
  await card
    .getByLabel('Grounds of appeal to the Schools Adjudicator')
    .fill('The academy cannot meet the need at this band.');
  await card.getByRole('button', { name: 'Appeal to the Schools Adjudicator' }).click();
  await page
    .getByRole('region', { name: `Case ${s.caseRef} at ${s.settingName}` })
    .getByText('Appealed to the Schools Adjudicator')
    .first()
    .waitFor();
}

/** The Schools Adjudicator reads the appeal with its grounds and history, and overturns it with reasons. */
export async function adjudicatorOverturns(
  page: Page,
  s: DirectionStory,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  await signIn(page, s.base, 'Schools Adjudicator');
  await page.getByRole('heading', { name: 'Appeals' }).waitFor();
  const card = page.getByRole('region', { name: `Case ${s.caseRef}: ${s.settingName}` });
  await card.getByText('The academy cannot meet the need at this band.').waitFor();
  await card.getByRole('cell', { name: 'The academy refused to admit' }).waitFor();
  await shoot?.('adjudicator-appeals');
  // No outcome and no reasons: both named.
  await card.getByRole('button', { name: 'Record the determination' }).click();
  await card
    .getByRole('alert')
    .getByText(/outcome/)
    .first()
    .waitFor();
  await card.getByLabel('Overturn the direction: the LA must find another place').check();
  await card.getByLabel('Reasons').fill('The academy showed it cannot meet the need at this band.');
  await card.getByRole('button', { name: 'Record the determination' }).click();
  await page
    .getByRole('region', { name: `Case ${s.caseRef}: ${s.settingName}` })
    .getByText('Overturned: no duty to admit')
    .first()
    .waitFor();
  const kase = await api(s.base, s.kentToken, 'GET', `/cases/${s.caseId}`);
  check(kase.state === 'open', `the LA's case should be open again, not ${kase.state}`);
}

/** The trust sees the outcome and the Adjudicator's reasons. */
export async function trustSeesOutcome(page: Page, s: DirectionStory): Promise<void> {
  await page.reload();
  const card = page.getByRole('region', { name: `Case ${s.caseRef} at ${s.settingName}` });
  await card.getByText('Overturned: no duty to admit').first().waitFor();
  await card.getByText('The academy showed it cannot meet the need at this band.').waitFor();
}

/**
 * Kent cases waiting for a place (through the API), then the SE19 coordinator runs a round over
 * the member LA's cases without a place and reads every outcome, the rates and a CSV.
 */
export async function coordinatorRunsRound(
  page: Page,
  m: RunningMarketplace,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  const kent = m.identities.find((i) => i.principal.role === 'la')!.token;
  const settings = (
    (await (await fetch(`${m.url}/settings?la=E10000016&limit=50`)).json()) as { items: any[] }
  ).items.filter((x) => x.listings.length > 0);
  for (let i = 0; i < 6; i++) {
    const s = settings[i % settings.length];
    const l = s.listings[0];
    const c = await api(m.url, kent, 'POST', '/cases', {
      ref: `KCC-ROUND-${i}-${Date.now().toString(36).toUpperCase()}`,
      needs: [l.needs[0]],
      band: l.band,
      age: l.ageMin,
      homeDistrict: 'ME14',
    });
    // From 16 the young person holds the preferences.
    const holder = l.ageMin >= 16 ? 'young_person' : 'parent';
    await api(m.url, kent, 'PUT', `/cases/${c.id}/preferences`, { holder, ranked: [s.urn] });
  }
  await signIn(page, m.url, 'Regional partnership');
  await page.getByRole('link', { name: 'Allocation rounds', exact: true }).click();
  await page.getByLabel('Local authority').selectOption('E10000016');
  await page.getByText(/cases? chosen of/).waitFor();
  await page.getByLabel('Seed').fill('se19-e2e-round');
  await shoot?.('coordinator-round-new');
  await page.getByRole('button', { name: 'Start the round' }).click();
  await page.getByRole('heading', { name: 'Allocation round' }).waitFor();
  await page.getByRole('table', { name: 'Every case’s outcome' }).waitFor({ timeout: 60_000 });
  await page.getByText('First-preference rate').waitFor();
  await page.getByText('every number matches').waitFor();
  const rows = await page.getByRole('table', { name: 'Every case’s outcome' }).getByRole('row').count();
  check(rows >= 7, `every case should have its outcome (rows: ${rows})`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download the results (CSV)' }).click(),
  ]);
  check(download.suggestedFilename().startsWith('allocation-round-'), 'the CSV is named after the round');
  await shoot?.('coordinator-round-results');
}

/** The national team publishes framework v2: a missing date is named first, then it is published. */
export async function nationalPublishesFramework(
  page: Page,
  base: string,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  await signIn(page, base, 'National framework team');
  await page.getByRole('link', { name: 'Framework', exact: true }).click();
  await page.getByRole('heading', { name: /^In force: v/ }).waitFor();
  await page.getByRole('heading', { name: 'Publish a new version' }).waitFor();
  await page.getByRole('button', { name: /^Publish v/ }).click();
  await page
    .getByRole('alert')
    .getByRole('link', { name: /effectiveFrom/ })
    .waitFor();
  await shoot?.('national-framework-errors');
  const next = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Takes effect on').fill(next);
  await page.getByRole('button', { name: /^Publish v/ }).click();
  await page.getByText(/Framework v\d+ is published/).waitFor();
  await page.getByRole('heading', { name: /^Next: v/ }).waitFor();
  await shoot?.('national-framework');
}

/**
 * Block places: the provider offers three places of its listing to SE19 as a block; the SE19
 * coordinator finds the offer awaiting its answer and accepts it; the provider then sees the block
 * in force with its use. Until the acceptance the listing carries no block.
 */
export async function providerOffersBlockPartnershipAccepts(
  provider: Page,
  coordinator: Page,
  s: Story,
  m: RunningMarketplace,
  shoot?: (name: string) => Promise<void>,
): Promise<void> {
  const listingOf = async () =>
    ((await (await fetch(`${m.url}/settings/${s.urn}`)).json()) as { listings: any[] }).listings.find(
      (l) => l.listingId === s.listing.listingId,
    );
  const places = Math.min(3, (await listingOf()).commissioned);
  await signIn(provider, m.url, s.provider.label);
  await provider.getByRole('link', { name: 'Block places', exact: true }).click();
  await provider.getByRole('heading', { name: 'Offer block places' }).waitFor();
  await provider.getByRole('button', { name: 'Offer the block' }).waitFor();
  await provider.getByLabel('Listing').selectOption({ value: `${s.urn}/${s.listing.listingId}` });
  await provider.getByLabel('Partnership').selectOption('se19');
  await provider.getByLabel('Block places').fill(String(places));
  await provider.getByRole('button', { name: 'Offer the block' }).click();
  await provider.getByText(/the partnership is told/).waitFor();
  await provider.getByRole('cell', { name: 'se19' }).first().waitFor();
  await provider.getByText('Awaiting the partnership’s answer').first().waitFor();
  check((await listingOf()).blockFor === undefined, 'an offer alone puts no block on the listing');
  await shoot?.('provider-block-places');

  await signIn(coordinator, m.url, 'Regional partnership');
  await coordinator.getByRole('link', { name: 'Block places', exact: true }).click();
  const offer = coordinator.getByRole('region', {
    name: new RegExp(`block places? offered at ${s.settingName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
  });
  await offer.waitFor();
  await shoot?.('coordinator-block-offer');
  await offer.getByRole('button', { name: 'Accept the block' }).click();
  await coordinator.getByRole('table', { name: /Blocks in force/ }).waitFor();
  await coordinator
    .getByText(new RegExp(`0 of ${places} in use, ${places} left`))
    .first()
    .waitFor();
  const block = (await listingOf()).blockFor;
  check(block?.partnershipId === 'se19' && block.places === places, 'the acceptance puts the block on the listing');

  await provider.reload();
  await provider.getByText('Block in force').first().waitFor();
  await provider
    .getByText(new RegExp(`0 of ${places} in use`))
    .first()
    .waitFor();
}
