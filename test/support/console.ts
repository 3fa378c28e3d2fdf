import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';

/** Signs a tab in through the console's own sign-in form. */
export async function signIn(page: Page, base: string, token: string, path = '/console'): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=identity]');
}

/** The row of a job in the jobs table. */
export const jobRow = (page: Page, jobId: string) => page.locator(`[data-testid=jobs-table] tr[data-job="${jobId}"]`);

/** No page error, no CSP violation, no failed request (but those `expected`), no URL holding a token. */
export function expectCleanTab(tab: { errors: string[]; urls: string[] }, tokens: string[], expected?: RegExp): void {
  // A 4xx/5xx is reported twice (the console line and the response): the response names the URL.
  expect(tab.errors.filter((e) => !/^Failed to load resource/.test(e) && !expected?.test(e))).toEqual([]);
  for (const token of tokens) expect(tab.urls.filter((u) => u.includes(token))).toEqual([]);
}

/** A chart's aria-label (the figures it states), once uPlot has drawn its canvas. */
export async function chartLabel(page: Page, prefix: string): Promise<string> {
  const chart = page.locator(`.chart[role=img][aria-label^="${prefix}"]`);
  await chart.locator('canvas').waitFor();
  return (await chart.getAttribute('aria-label')) ?? '';
}
