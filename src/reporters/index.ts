import type { ReporterName } from '../config/types.js';
import { createConsoleReporter } from './console.js';
import { createProgressReporter, wantsProgress } from './progress.js';
import type { Reporter, ReporterOptions } from './types.js';

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

export async function createReporters(names: ReporterName[], options: ReporterOptions & { progress?: boolean } = {}): Promise<Reporter[]> {
  const reporters: Reporter[] = [];
  // The bar goes first so it is cleared before the console reporter prints.
  if (options.progress ?? wantsProgress()) reporters.push(await createProgressReporter());
  for (const name of new Set(names)) reporters.push(await FACTORIES[name](options));
  return reporters;
}

export type { Reporter, ReporterOptions, RunPlanInfo, CaseSource } from './types.js';
