import { existsSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Browser tests run when Chromium is installed; CI sets REQUIRE_BROWSER=1 so they can never skip there. */
export function browserAvailable(): boolean {
  const present = existsSync(CHROMIUM_PATH);
  if (!present && process.env.REQUIRE_BROWSER === '1') throw new Error(`REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM_PATH}`);
  if (!present) console.warn(`[browser tests skipped] no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
  return present;
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * playwright-core's launch() gives Chromium a fresh temporary --user-data-dir of its own
 * (and removes it on close); it never downloads a browser: we point it at Debian's.
 */
export async function launchChromium(extraArgs: string[] = []): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_FLAGS, ...extraArgs] });
  return { browser, close: () => browser.close() };
}

/**
 * The real app and one Chromium for the enclosing describe block: started before its
 * tests, closed after. Read `app` and `browser` inside the tests (they exist from then on).
 */
export function useAppAndBrowser(options: TestAppOptions = {}): { readonly app: TestApp; readonly browser: Browser } {
  let app: TestApp | undefined;
  let launched: { browser: Browser; close: () => Promise<void> } | undefined;
  beforeAll(async () => {
    app = await startTestApp(options);
    launched = await launchChromium();
  });
  afterAll(async () => {
    await launched?.close();
    await app?.close();
  });
  return {
    get app() {
      return app!;
    },
    get browser() {
      return launched!.browser;
    },
  };
}

/**
 * A French page in a fresh context that records console errors (a CSP violation shows
 * there); `ignore` leaves out the ones a test provokes on purpose.
 */
export async function pageWithConsoleErrors(browser: Browser, viewport: { width: number; height: number }, ignore: (text: string) => boolean = () => false) {
  const context = await browser.newContext({ locale: 'fr-FR', viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !ignore(m.text())) errors.push(m.text());
  });
  return { context, page, errors };
}
