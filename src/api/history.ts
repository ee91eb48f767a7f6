import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { loadConfig } from '../config/load.js';
import { inputError } from '../errors.js';
import { filterHistory, parseSince } from '../history/filter.js';
import { loadHistory } from '../history/index.js';
import { renderHistoryMarkdown } from '../history/markdown.js';
import { renderHistoryPage } from '../history/page.js';
import type { HistoryEntry } from '../history/types.js';
import { appendStepSummary } from '../workflows/github.js';
import { resolveContext, type Context } from './context.js';
import { settle, type Failure } from './result.js';

export interface HistoryOptions {
  /** `--config <file>` (relative to the context's `cwd`): where the reports folder is configured. */
  config?: string;
  /** `--reports <dir>`: the folder of the run folders (a runs' `--out`). @default the config's `reports` (reports/) */
  reports?: string;
  /** `--suite <name>`: only this suite's rows. */
  suite?: string;
  /** `--model <name>`: only this model's rows (the config's model name). */
  model?: string;
  /** `--since <span or date>`: runs started since, e.g. `'30d'`, `'12h'`, `'2w'`, `'2026-11-01'`. */
  since?: string;
  /** `--out <file>`: the HTML page; history.md is written beside it (same name, `.md`). @default <reports>/history.html */
  out?: string;
  /** `--rebuild`: make index.jsonl again from every run folder, even when it looks up to date. */
  rebuild?: boolean;
}

export interface HistoryOutcome {
  ok: true;
  exitCode: 0;
  /** The runs shown (filtered), oldest first. */
  entries: HistoryEntry[];
  /** index.jsonl, the HTML page and the Markdown (absolute). */
  index: string;
  html: string;
  markdown: string;
  /** `$GITHUB_STEP_SUMMARY` when the Markdown was appended to it. */
  stepSummary?: string;
  /** Whether index.jsonl was written again from the run folders (it was missing or stale, or `rebuild`). */
  rebuilt: boolean;
  /** What was skipped (torn or unknown index lines, unreadable run folders), one line each (also on stderr). */
  warnings: string[];
}

export type HistoryResult = HistoryOutcome | Failure;

/**
 * `promptgate history`: the runs of the reports folder over time, from its index.jsonl (rebuilt
 * from the run folders when missing or stale): a self-contained HTML page and a Markdown summary
 * (appended to `$GITHUB_STEP_SUMMARY` when set). A bad `since` is `ok: false`, exit 2, before anything is
 * read or written; filters that keep no run are `ok: false`, exit 2, with no page written.
 */
export async function history(options: HistoryOptions = {}, context: Context = {}): Promise<HistoryResult> {
  const ctx = resolveContext(context);
  return settle(async (): Promise<HistoryOutcome> => {
    for (const name of ['config', 'reports', 'suite', 'model', 'since', 'out'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'string') throw inputError('USAGE', `${name} must be a string`, { file: `--${name}` });
    }
    const since = options.since === undefined ? undefined : parseSince(options.since, Date.now());
    const config = await loadConfig({ cwd: ctx.cwd, configFile: options.config });
    const reportsDir = options.reports === undefined ? config.paths.reports : resolve(config.rootDir, options.reports);
    const shownReports = relative(ctx.cwd, reportsDir) || '.';
    const index = await loadHistory(reportsDir, { rebuild: options.rebuild });
    const warnings = [
      ...index.skipped.map((s) => `${join(shownReports, basename(index.file))}:${s.line}: skipped a line that is ${s.kind === 'torn' ? 'not whole JSON (a write cut short?)' : 'not a run history entry this version reads'}`),
      ...index.unreadable.map((name) => `${join(shownReports, name)}: left out of the history: its run.json cannot be read`),
    ];
    for (const warning of warnings) ctx.stderr.write(`promptgate: warning: ${warning}\n`);
    if (index.entries.length === 0) {
      throw inputError('FILE_MISSING', `no runs in ${shownReports} yet`, { file: shownReports }, 'run `promptgate run` first, or give the folder of your run folders with --reports');
    }
    const { entries, shards } = filterHistory(index.entries, { suite: options.suite, model: options.model, since });
    if (entries.length === 0) throw nothingSelected(index.entries, options, shownReports, shards);

    const html = resolve(config.rootDir, options.out ?? join(reportsDir, 'history.html'));
    const markdown = html.endsWith('.html') ? `${html.slice(0, -'.html'.length)}.md` : `${html}.md`;
    const filters = {
      ...(options.suite !== undefined ? { suite: options.suite } : {}),
      ...(options.model !== undefined ? { model: options.model } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
    };
    const pageDir = dirname(html);
    const reportHref = (entry: HistoryEntry) => relative(pageDir, join(reportsDir, entry.runDir, 'report.html')).split(sep).map(encodeURIComponent).join('/');
    const summary = renderHistoryMarkdown(entries, { filters, shards });
    await mkdir(pageDir, { recursive: true });
    await writeFile(html, renderHistoryPage(entries, { title: basename(config.rootDir), filters, reportHref }), 'utf8');
    await writeFile(markdown, summary, 'utf8');
    const stepSummary = await appendStepSummary(summary, ctx.env);
    ctx.stdout.write(`History of ${entries.length} run${entries.length === 1 ? '' : 's'}${index.rebuilt ? ` (index rebuilt: ${index.added} added)` : ''}${index.orphaned > 0 ? ` (${index.orphaned} whose run folder is gone: their report links are dead; --rebuild drops them)` : ''}:\n  ${html}\n  ${markdown}\n`);
    return { ok: true, exitCode: 0, entries, index: index.file, html, markdown, ...(stepSummary ? { stepSummary } : {}), rebuilt: index.rebuilt, warnings };
  });
}

/** Filters that keep no run: exit 2 naming what the history has, never an empty page that looks like a quiet week. */
function nothingSelected(entries: HistoryEntry[], options: HistoryOptions, shownReports: string, shards: number) {
  const names = (pick: 'suite' | 'model') => [...new Set(entries.flatMap((e) => e.rows.map((r) => r[pick])))].sort();
  if (options.suite !== undefined && !names('suite').includes(options.suite)) {
    return inputError('SELECTION_EMPTY', `no run in ${shownReports} has suite ${JSON.stringify(options.suite)}`, { file: '--suite' }, `suites: ${names('suite').map((n) => JSON.stringify(n)).join(', ')}`);
  }
  if (options.model !== undefined && !names('model').includes(options.model)) {
    return inputError('SELECTION_EMPTY', `no run in ${shownReports} has model ${JSON.stringify(options.model)}`, { file: '--model' }, `models: ${names('model').map((n) => JSON.stringify(n)).join(', ')}`);
  }
  const latest = entries.at(-1)!.startedAt;
  const why = shards > 0 ? `; ${shards} shard run(s) are left out (merge them)` : '';
  return inputError('SELECTION_EMPTY', `no run in ${shownReports} matches the filters${why}`, { file: options.since !== undefined ? '--since' : '--suite' }, `the latest run started ${latest}`);
}
