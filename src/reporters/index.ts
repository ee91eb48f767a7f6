import { isBuiltinReporter, moduleReporter } from '../config/plugins.js';
import type { ReporterName } from '../config/types.js';
import { createConsoleReporter } from './console.js';
import { createNoticeReporter, createProgressReporter, wantsProgress } from './progress.js';
import type { Reporter, ReporterEntry, ReporterOptions } from './types.js';

/** Name → reporter. File reporters are imported only when asked for (start-up is a feature). */
const FACTORIES: Record<ReporterName, (options: ReporterOptions) => Promise<Reporter>> = {
  console: async (options) => createConsoleReporter(options),
  // run.json is always written; the json reporter only names it.
  json: async () => ({ name: 'json' }),
  junit: async () => (await import('./junit.js')).createJunitReporter(),
  markdown: async () => (await import('./markdown.js')).createMarkdownReporter(),
  html: async () => (await import('./html/index.js')).createHtmlReporter(),
  csv: async () => (await import('./csv.js')).createCsvReporter(),
};

/**
 * The reporters for one command, in order after the progress bar (or notices): built-ins by name,
 * custom ones from the resolved config (see config/plugins.ts). A string that is no built-in name
 * is a module (`--reporter ./my-reporter.ts` in `report`), resolved from `rootDir` (required: the
 * project root, or the folder `report` runs in; never the process's cwd, which the API does not own).
 * `stderr` (the bar and notices) and `env` (CI, TERM: whether a bar is wanted) default to the
 * process's; `stream` is where the console reporter prints.
 */
export async function createReporters(
  names: ReadonlyArray<ReporterEntry | string>,
  options: ReporterOptions & { rootDir: string; progress?: boolean; stderr?: NodeJS.WritableStream & { isTTY?: boolean }; env?: NodeJS.ProcessEnv },
): Promise<Reporter[]> {
  const reporters: Reporter[] = [];
  const stderr = options.stderr ?? process.stderr;
  // The bar goes first so it is cleared before the console reporter prints. Without a bar (CI, a
  // pipe), notices (long waits, stopped model entries) are plain stderr lines; `progress: false`: neither.
  if (options.progress ?? wantsProgress(options.env ?? process.env, stderr)) reporters.push(await createProgressReporter(stderr));
  else if (options.progress === undefined) reporters.push(createNoticeReporter(stderr));
  // Custom reporters always learn a root: the project's, or for `report` (no config) the command's folder.
  const { rootDir } = options;
  const context: ReporterOptions = { stream: options.stream, rootDir };
  for (const entry of new Set(names)) {
    if (typeof entry !== 'string') reporters.push(await entry.create(context));
    else if (isBuiltinReporter(entry)) reporters.push(await FACTORIES[entry](options));
    else reporters.push(await moduleReporter(entry, {}, rootDir, { where: { file: '--reporter' }, name: entry }).create(context));
  }
  return reporters;
}

export type { Reporter, ReporterEntry, ReporterOptions } from './types.js';
