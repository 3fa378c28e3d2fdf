import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';

/**
 * A real Chromium (Debian's, /usr/bin/chromium; `.ci/run` installs it when missing) driven by
 * playwright-core, on a fresh profile per run, with nothing that calls out to the internet.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'console');

export interface TestBrowser {
  browser: Browser;
  /** A new tab in its own context (own sessionStorage), watched for page errors and CSP reports. */
  tab(options?: { width?: number; height?: number }): Promise<Tab>;
  close(): Promise<void>;
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors (CSP violations land here). */
  errors: string[];
  /** Every URL the page requested. */
  urls: string[];
  screenshot(name: string): Promise<string>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  // launch() runs Chromium on a fresh temporary profile of its own, removed at close.
  const real = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return {
    browser: real,
    async tab({ width = 1280, height = 900 } = {}) {
      const context = await real.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
      const page = await context.newPage();
      const errors: string[] = [];
      const urls: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => urls.push(r.url()));
      page.on('response', (r) => { if (r.status() >= 400 && r.status() !== 401 && r.status() !== 403) errors.push(`${r.status()} ${r.url()}`); });
      return {
        context, page, errors, urls,
        async screenshot(name) {
          const file = path.join(ARTIFACTS, `${name}.png`);
          await page.screenshot({ path: file, fullPage: true });
          return file;
        },
      };
    },
    close: () => real.close(),
  };
}
