import { createHash } from 'node:crypto';
import { escapeHtml, jsonForScript } from '../escape.js';

/**
 * The Content-Security-Policy of a self-contained page whose only script is `script`, inline:
 * nothing from the network, and exactly that script runs (allowed by its hash: no other script,
 * inline handler or URL can).
 */
export function selfContainedCsp(script: string): string {
  const hash = createHash('sha256').update(script, 'utf8').digest('base64');
  return `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
}

/** What a self-contained page (report.html, history.html) is made of. */
export interface SelfContainedPage {
  title: string;
  /** The page's CSP: selfContainedCsp(script), computed once by the caller. */
  csp: string;
  css: string;
  /** Shown when scripts are off (HTML: escape any text put in it). */
  noscript: string;
  /** Embedded as JSON in a non-executed script element `#data`, which the script reads. */
  data: unknown;
  /** The page's script; it draws `#data` into `<main id="app">` with textContent only. */
  script: string;
}

/** The one HTML document both pages are: untrusted text only in the escaped title and the JSON. */
export function renderSelfContainedPage(page: SelfContainedPage): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${page.csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${page.css}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    `<noscript><p>${page.noscript}</p></noscript>`,
    `<script type="application/json" id="data">${jsonForScript(page.data)}</script>`,
    `<script>${page.script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
