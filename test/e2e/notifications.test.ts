/**
 * The work inbox in Chromium against the locally started marketplace with its mail catcher: a
 * Kent commissioner allocates a place at a Medway setting; the Medway provider finds the
 * consultation in "Needs your attention" on its home screen, opens it from there and answers it;
 * MailDev holds the email; Kent is told the setting accepted. The table's stream is read by the
 * test's stream reader, standing in for the stream consumer that calls `streamHandlers`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildWeb } from '@placements/web';
import { startMarketplace, type RunningMarketplace } from '@placements/local';
import { enableStream, streamReader, type StreamReader } from '../support/stream.ts';
import { axe, launchChromium, serious, signIn, type RunningBrowser } from './support/browser.ts';
import { storyFor, type Story } from './support/tour.ts';

let m: RunningMarketplace;
let b: RunningBrowser;
let story: Story;
let page: Page;
let reader: StreamReader;
let pump: NodeJS.Timeout | undefined;

const api = async (
  path: string,
  token: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) => {
  const res = await fetch(`${m.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  buildWeb();
  [m, b] = await Promise.all([startMarketplace({ port: 0, mail: { smtpPort: 0, webPort: 0 } }), launchChromium()]);
  story = await storyFor(m);
  reader = streamReader(m.dynamoDb.endpoint, await enableStream(m.dynamoDb.endpoint, m.store.tableName));
  await reader.read(); // the demo data is history
  let busy = false;
  pump = setInterval(() => {
    if (busy) return;
    busy = true;
    reader
      .drainInto(...m.streamHandlers)
      .catch((e) => console.error(e))
      .finally(() => {
        busy = false;
      });
  }, 300);
  page = await b.newPage();
}, 600_000);

afterAll(async () => {
  if (pump) clearInterval(pump);
  reader?.close();
  await b?.close();
  await m?.stop();
});

describe('the work inbox in the browser', () => {
  it('the provider opens a consultation from "Needs your attention" and answers it; the email is in the mail catcher', async () => {
    const kent = m.identities.find((i) => i.principal.sub === 'demo-kent-commissioner')!.token;
    // The Medway setting has a place free now.
    const l = story.listing;
    const put = await api(`/settings/${story.urn}/listings/${l.listingId}`, story.provider.token, {
      method: 'PUT',
      headers: { 'if-match': String(l.version) },
      body: {
        band: l.band,
        needs: l.needs,
        ageMin: l.ageMin,
        ageMax: l.ageMax,
        attendance: 'day',
        commissioned: l.filled + l.held + 2,
        filled: l.filled,
        availableFrom: new Date().toISOString().slice(0, 10),
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const c = await api('/cases', kent, {
      method: 'POST',
      body: { ref: story.caseRef, needs: [l.needs[0]], band: l.band, age: l.ageMin, homeDistrict: 'ME14' },
    });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    await api(`/cases/${c.body.id}/preferences`, kent, {
      method: 'PUT',
      body: { holder: l.ageMin >= 16 ? 'young_person' : 'parent', ranked: [story.urn] },
    });
    const allocatedAt = Date.now();
    const a = await api(`/cases/${c.body.id}/allocate`, kent, { method: 'POST' });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    const respondBy = a.body.placement.respondBy as string;

    // Within 10 seconds the provider's GET /notifications lists it.
    let listed: any;
    while (!listed && Date.now() - allocatedAt < 10_000) {
      listed = (await api('/notifications', story.provider.token)).body.items.find(
        (n: any) => n.kind === 'consultation_requested' && n.facts.placementId === a.body.placement.id,
      );
      if (!listed) await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed, 'consultation_requested within 10 s').toBeDefined();
    console.log(`consultation_requested listed ${Date.now() - allocatedAt} ms after the allocation`);

    // The home screen opens with the inbox; the header counts it.
    await signIn(page, m.url, story.provider.label);
    const inbox = page.getByRole('region', { name: /Needs your attention/ });
    await inbox.waitFor();
    const item = inbox.getByRole('link', { name: new RegExp(`answer by ${respondBy}`) });
    await item.waitFor();
    await page.getByRole('link', { name: /Needs your attention 1 unread/ }).waitFor();
    expect(serious(await axe(page))).toEqual([]);

    // Opened from the inbox: the consultations screen, where it is answered.
    await item.click();
    await page.getByRole('heading', { name: 'Consultations and admissions' }).waitFor();
    await page.getByRole('link', { name: /Needs your attention 0 unread/ }).waitFor();
    const card = page
      .getByRole('region', { name: story.settingName })
      .filter({ has: page.getByRole('button', { name: /Accept the place/ }) });
    await card.getByRole('button', { name: /Accept the place/ }).click();
    await page.getByText('Accepted by the setting').first().waitFor();

    // The mail catcher holds the provider's email, with the link back to the screen.
    const mails = await m.mailCatcher!.emails();
    const mail = mails.find((e) => e.to.some((t) => t.address === 'demo-medway-provider@example.test'));
    expect(mail?.subject).toContain(`answer by ${respondBy}`);
    expect(mail?.text).toContain(`${m.url}/app/#/provider/consultations`);

    // Kent is told the setting accepted, the same way.
    let accepted: any;
    const since = Date.now();
    while (!accepted && Date.now() - since < 10_000) {
      accepted = (await api('/notifications', kent)).body.items.find(
        (n: any) => n.kind === 'consultation_accepted' && n.facts.placementId === a.body.placement.id,
      );
      if (!accepted) await new Promise((r) => setTimeout(r, 200));
    }
    expect(accepted?.link).toBe(`/cases/${c.body.id}`);
  }, 120_000);
});
