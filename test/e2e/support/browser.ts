import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, installed with apt-get when missing (CI runs as root on a fresh machine).
 * playwright-core never downloads a browser of its own: it drives this one.
 */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const apt = (args: string[]) =>
    spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (
    apt(['update', '-qq']).status !== 0 ||
    apt(['install', '-y', '-qq', 'chromium']).status !== 0 ||
    !existsSync(CHROMIUM)
  ) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}; installing it with apt-get failed (run as root: apt-get install -y chromium).`,
    );
  }
}

export interface RunningBrowser {
  /** One persistent context on a fresh profile; each page (tab) has its own sessionStorage, so its own sign-in. */
  context: BrowserContext;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile and nothing that reaches the network on its own. */
export async function launchChromium(): Promise<RunningBrowser> {
  ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'placements-chromium-'));
  // Playwright takes the profile folder itself (as --user-data-dir) for a persistent context.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    timezoneId: 'Europe/London',
  });
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in on the local sign-in page by choosing the demo identity whose label starts with `label`. */
export async function signIn(page: Page, baseUrl: string, label: string): Promise<void> {
  await page.goto(`${baseUrl}/app/`);
  // The session is per tab: forget whoever was signed in here before.
  await page.evaluate(() => (globalThis as any).sessionStorage.clear());
  await page.goto(`${baseUrl}/app/#/`);
  await page.reload();
  await page.getByRole('button', { name: new RegExp(`^${label.replace(/[()]/g, '\\$&')}`) }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Runs axe-core in the page against WCAG 2.2 A and AA (and best practice) and returns its violations. */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    // Runs in the browser, where globalThis is window and axe reads the whole document.
    const result = await (globalThis as any).axe.run((globalThis as any).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n: any) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
}

/** Serious and critical violations, in words a failing test can print. */
export function serious(violations: AxeViolation[]): string[] {
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join('; ')}`,
    );
}
