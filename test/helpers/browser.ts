import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * Real-browser tests: Debian's Chromium (`apt-get install -y chromium`), driven by playwright-core
 * (no browser download). CHROMIUM_PATH points elsewhere if needed.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A phone-sized viewport (iPhone 12-15 class). */
export const phone: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

export function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: run \`apt-get install -y chromium\` or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/**
 * One browser per test file: launched in beforeAll, closed in afterAll, with a temporary folder
 * for screenshots (removed afterwards unless KEEP_SCREENSHOTS is set).
 */
export function useBrowser(): { readonly browser: Browser; readonly screenshotDir: string } {
  let browser: Browser | undefined;
  let screenshotDir: string | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    screenshotDir = await mkdtemp(path.join(tmpdir(), 'greenroom-screenshots-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (screenshotDir && !process.env.KEEP_SCREENSHOTS)
      await rm(screenshotDir, { recursive: true, force: true });
  });
  return {
    get browser() {
      if (!browser) throw new Error('the browser is not launched yet (use it inside tests)');
      return browser;
    },
    get screenshotDir() {
      if (!screenshotDir) throw new Error('no screenshot folder yet (use it inside tests)');
      return screenshotDir;
    },
  };
}

/**
 * Collects what the browser reports about a page: console errors (CSP violations show up there)
 * and uncaught page errors. Call before navigating. Chromium's note on every 4xx/5xx response
 * ("Failed to load resource: the server responded with a status of 400") is left out: tests
 * check statuses themselves.
 */
export function watchConsole(page: Page): { errors: string[] } {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (
      m.type() === 'error' &&
      !/^Failed to load resource: the server responded with a status of/.test(m.text())
    )
      errors.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return { errors };
}

/**
 * Accessibility basics, checked in the rendered page: `lang` set, exactly one h1, and every
 * visible form control (input, textarea, select) has at least one label.
 */
// The project compiles without the DOM library: code run in the page sees these minimal shapes.
interface PageControl {
  tagName: string;
  labels: ArrayLike<unknown> | null;
  getAttribute(name: string): string | null;
}
interface PageGlobals {
  document: {
    documentElement: { lang: string; scrollWidth: number };
    querySelectorAll(selector: string): ArrayLike<PageControl>;
  };
  innerWidth: number;
}

export async function expectAccessibleBasics(page: Page): Promise<void> {
  const facts = await page.evaluate(() => {
    const { document } = globalThis as unknown as PageGlobals;
    const controls = Array.from(document.querySelectorAll('input:not([type=hidden]), textarea, select'));
    return {
      lang: document.documentElement.lang,
      h1: document.querySelectorAll('h1').length,
      unlabelled: controls
        .filter((c) => (c.labels?.length ?? 0) === 0)
        .map((c) => `${c.tagName.toLowerCase()}[name=${c.getAttribute('name') ?? ''}]`),
    };
  });
  expect(facts.lang, `lang on ${page.url()}`).toMatch(/^[a-z]{2}/);
  expect(facts.h1, `h1 count on ${page.url()}`).toBe(1);
  expect(facts.unlabelled, `controls without a label on ${page.url()}`).toEqual([]);
}

/** The page's scroll width fits the viewport: nothing forces sideways scrolling on a phone. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return { scrollWidth: g.document.documentElement.scrollWidth, innerWidth: g.innerWidth };
  });
  expect(scrollWidth, `horizontal overflow on ${page.url()}`).toBeLessThanOrEqual(innerWidth);
}
