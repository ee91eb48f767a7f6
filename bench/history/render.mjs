#!/usr/bin/env node
/**
 * The generation half of `npm run bench:history`: reads index.jsonl (argv[2]), renders history.html
 * (argv[3]) with dist/'s renderHistoryPage, as `promptgate history` does, and prints its own split
 * of the time as JSON: { parseMs, renderMs, writeMs }.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderHistoryPage } from '../../dist/history/page.js';

const [index, out] = process.argv.slice(2);
const t0 = performance.now();
const entries = readFileSync(index, 'utf8').split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));
const t1 = performance.now();
const html = renderHistoryPage(entries, { title: 'bench', reportHref: (entry) => `./${entry.runDir}/report.html` });
const t2 = performance.now();
writeFileSync(out, html);
const t3 = performance.now();
process.stdout.write(JSON.stringify({ parseMs: t1 - t0, renderMs: t2 - t1, writeMs: t3 - t2 }));
