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
  await page.getByRole('link', { name: 'Search places' }).click();
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
  await page.getByRole('link', { name: 'Consultations' }).click();
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
  await page.getByRole('link', { name: 'Upload a sheet' }).click();
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
