/**
 * The browser tests, in one file: one worker runs them all, so Chromium is launched once per test
 * run (test/helpers/browser.ts keeps it for the worker), not once in each worker that happens to
 * pick up a browser file -- a launch is about a second of CPU, which a 2-core machine's other
 * worker waits for.
 *
 * - report.html: test/reporters/html-browser.ts
 * - history.html: test/history/page-browser.ts
 */
import './reporters/html-browser.js';
import './history/page-browser.js';
