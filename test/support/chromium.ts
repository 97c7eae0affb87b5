import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs with apt-get (playwright never downloads a browser here). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless flags for a machine with no network beyond loopback: without the background-networking
 * ones, Chromium keeps trying (and failing) to reach its update and sync services.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Debian's headless Chromium through playwright-core (shared by the browser tests and bench). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
