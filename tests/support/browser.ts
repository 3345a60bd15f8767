import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
