import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CONFIG_FILE_NAMES } from '../config/defaults.js';
import { DRIFT_WORKFLOW, PR_WORKFLOW } from './github-workflows.js';
import { CASES_TEMPLATE, CONFIG_TEMPLATE, GITIGNORE_ENTRIES, PROMPT_TEMPLATE } from './init-templates.js';

export type CiKind = 'github';

export interface ScaffoldResult {
  /** Project paths written. */
  created: string[];
  /** Project paths left alone, with why. */
  skipped: Array<{ path: string; reason: string }>;
  /** Files that existed and got lines appended (.gitignore). */
  updated: string[];
}

/** The files `init` writes, project path → content. */
export function scaffoldFiles(ci: CiKind | undefined): Record<string, string> {
  const files: Record<string, string> = {
    'eval.config.ts': CONFIG_TEMPLATE,
    'prompts/hello.prompt': PROMPT_TEMPLATE,
    'evals/hello.csv': CASES_TEMPLATE,
  };
  if (ci === 'github') {
    files['.github/workflows/promptgate-pr.yml'] = PR_WORKFLOW;
    files['.github/workflows/promptgate-drift.yml'] = DRIFT_WORKFLOW;
  }
  return files;
}

/**
 * Writes the starter project into `dir`. Never overwrites: an existing file is skipped (and any
 * existing eval.config.* counts for eval.config.ts); .gitignore only gets its missing lines.
 */
export async function scaffoldProject(dir: string, options: { ci?: CiKind } = {}): Promise<ScaffoldResult> {
  const result: ScaffoldResult = { created: [], skipped: [], updated: [] };
  const existingConfig = CONFIG_FILE_NAMES.find((name) => existsSync(join(dir, name)));
  for (const [path, content] of Object.entries(scaffoldFiles(options.ci))) {
    const full = join(dir, path);
    if (path === 'eval.config.ts' && existingConfig) {
      result.skipped.push({ path, reason: `${existingConfig} already exists` });
      continue;
    }
    if (existsSync(full)) {
      result.skipped.push({ path, reason: 'already exists' });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    // `wx`: fail rather than overwrite if the file appeared meanwhile.
    await writeFile(full, content, { encoding: 'utf8', flag: 'wx' });
    result.created.push(path);
  }
  const gitignore = join(dir, '.gitignore');
  const before = existsSync(gitignore) ? await readFile(gitignore, 'utf8') : undefined;
  const present = new Set((before ?? '').split(/\r?\n/).map((line) => line.trim()));
  const missing = GITIGNORE_ENTRIES.filter((entry) => !present.has(entry) && !present.has(entry.replace(/\/$/, '')) && !present.has(`/${entry}`));
  if (missing.length > 0) {
    const prefix = before === undefined || before === '' || before.endsWith('\n') ? '' : '\n';
    await writeFile(gitignore, `${before ?? ''}${prefix}${before ? '\n' : ''}# promptgate\n${missing.join('\n')}\n`, 'utf8');
    (before === undefined ? result.created : result.updated).push('.gitignore');
  } else {
    result.skipped.push({ path: '.gitignore', reason: 'already ignores reports/ and .promptgate-cache/' });
  }
  return result;
}
