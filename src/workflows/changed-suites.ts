import { join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import type { SuitePlan } from '../runner/plan.js';
import type { RepoPaths } from './repo-paths.js';

/** A suite `ci` compares, and why. */
export interface ChangedSuite {
  plan: SuitePlan;
  /** E.g. `prompt changed: prompts/x.prompt`, `cases changed: evals/x.csv`, `config changed: eval.config.ts`. */
  reasons: string[];
}

export interface ChangeSelection {
  suites: ChangedSuite[];
  /** Repo path of the config file when it changed (every suite is then compared). */
  configChanged?: string;
}

/**
 * Picks the suites touched by a change set (repo paths from `git diff --name-only`):
 * - its prompt file changed, or a tools file the prompt reads (`tools: file://…`);
 * - one of its case files changed, or a file was added or removed where its cases live
 *   (`evals/<id>.csv|.jsonl`, `evals/<id>/…`, or the static prefix of the suite's `cases` glob);
 * - the config file changed: every suite. A config edit can change any suite's models, graders,
 *   gate or pairings, and one file cannot tell which, so this is conservative on purpose.
 * Files the config imports, and schema files that cases name, are not traced.
 */
export function selectChangedSuites(plans: SuitePlan[], changed: string[], context: { config: ResolvedConfig; repo: RepoPaths }): ChangeSelection {
  const { config, repo } = context;
  const changedSet = new Set(changed);
  const configPath = config.configFile ? repo.toRepoPath(config.configFile) : undefined;
  const configChanged = configPath && changedSet.has(configPath) ? configPath : undefined;
  const suites: ChangedSuite[] = [];
  for (const plan of plans) {
    const reasons: string[] = [];
    const promptPath = repo.toRepoPath(plan.promptPath);
    if (changedSet.has(promptPath)) reasons.push(`prompt changed: ${promptPath}`);
    const toolFiles = (plan.prompt.toolFiles ?? []).map((file) => repo.toRepoPath(file)).filter((file) => changedSet.has(file));
    if (toolFiles.length > 0) reasons.push(`tools changed: ${toolFiles.join(', ')}`);
    const caseFiles = new Set(plan.caseFiles.map((file) => repo.toRepoPath(file)));
    const prefixes = caseLocations(plan, config).map((location) => repo.toRepoPath(location));
    const touched = changed.filter((path) => caseFiles.has(path) || prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)));
    if (touched.length > 0) reasons.push(`cases changed: ${touched.slice(0, 3).join(', ')}${touched.length > 3 ? ` (+${touched.length - 3} more)` : ''}`);
    if (configChanged) reasons.push(`config changed: ${configChanged}`);
    if (reasons.length > 0) suites.push({ plan, reasons });
  }
  return { suites, configChanged };
}

/** Where a suite's cases live, so added or deleted case files count too (absolute paths). */
function caseLocations(plan: SuitePlan, config: ResolvedConfig): string[] {
  const spec = plan.config?.cases;
  if (!spec) {
    const id = plan.prompt.id;
    return [join(config.paths.evals, `${id}.csv`), join(config.paths.evals, `${id}.jsonl`), join(config.paths.evals, id)];
  }
  // The part of a path or glob before its first wildcard, cut back to a whole path segment.
  const wildcard = spec.search(/[*?[\]{}!]/);
  const fixed = wildcard === -1 ? spec : spec.slice(0, wildcard).replace(/[^/\\]*$/, '');
  const trimmed = fixed.replace(/[/\\]+$/, '');
  return trimmed === '' || trimmed === '.' ? [] : [resolve(config.rootDir, trimmed)];
}
