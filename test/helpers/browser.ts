/**
 * One headless Chromium per test worker (Debian's /usr/bin/chromium, or PROMPTGATE_CHROMIUM,
 * driven by playwright-core), shared by every browser test file the worker runs: the shared project
 * keeps a worker's modules from file to file, so this module's promise outlives a file and the
 * second file pays no launch. Files close their own pages, never the browser; playwright kills it
 * when the worker process exits (its exit and SIGTERM handlers).
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.PROMPTGATE_CHROMIUM ?? '/usr/bin/chromium';

/** Browser tests run when Chromium is there, and always under CI (where its absence is a failure). */
export const runBrowserTests = existsSync(CHROMIUM) || Boolean(process.env.CI);

let launched: Promise<Browser> | undefined;

/** The worker's browser, launched on first use. */
export function sharedBrowser(): Promise<Browser> {
  launched ??= import('playwright-core').then(({ chromium }) => chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  }));
  // A failed launch is retried by the next file rather than failing every file after it.
  launched.catch(() => {
    launched = undefined;
  });
  return launched;
}
