import { relative } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { lookupRevision } from '../git/git.js';
import { escapeMarkdownInline } from '../reporters/escape.js';
import type { SuitePlan } from '../runner/plan.js';
import { formatAnnotation } from './github.js';
import { renderViolationAnnotations } from './annotations.js';
import { checkLockFreshness, describeStaleLock, lockablePrompts, type LockDifference } from './lock-staleness.js';
import { createRepoPaths, type RepoPaths } from './repo-paths.js';
import { checkVersionDiscipline, type VersionViolation } from './version-discipline.js';

/**
 * The policy checks of `check` and `ci` (exit 1 when one fails: the inputs are valid, the change
 * breaks a rule): version discipline against a base revision, and a stale prompts.lock.json.
 */
export interface DisciplineResult {
  violations: VersionViolation[];
  /** Set when prompts.lock.json exists; stale when `differences` is not empty. */
  lock?: { file: string; differences: LockDifference[] };
  /** One line per problem, each naming its file. */
  messages: string[];
  /** GitHub annotations for the same problems. */
  annotations: string[];
  /** What the versions were compared with, or why they were not (`not a git repository`). */
  baseLabel?: string;
  skipped?: string;
}

export interface DisciplineBase {
  repo: RepoPaths;
  commit: string;
  label: string;
}

/**
 * The base of `check`: `--base <rev>`, else HEAD (uncommitted edits must bump the version before
 * they are committed, so every committed text has its own version). Outside git, or before the
 * first commit, there is nothing to compare with: undefined (skipped) unless `--base` was given.
 */
export async function resolveCheckBase(config: ResolvedConfig, base: string | undefined): Promise<DisciplineBase | { skipped: string }> {
  const found = await lookupRevision(config.rootDir, base ?? 'HEAD');
  if (!found.root) {
    if (base) throw inputError('GIT', `--base ${base}: not inside a git repository`, { file: config.rootDir });
    return { skipped: 'not a git repository' };
  }
  if (!found.commit) {
    if (base) throw inputError('GIT', `unknown git revision "${base}"`, { file: '--base' }, 'use a branch, tag, commit or HEAD~N');
    return { skipped: 'no commit yet' };
  }
  return { repo: createRepoPaths(found.root, config.rootDir), commit: found.commit, label: base ?? `HEAD (${found.short})` };
}

/** Runs both checks. `base` undefined: version discipline is skipped, the lock is still checked. */
export async function checkDiscipline(config: ResolvedConfig, plans: SuitePlan[], base: DisciplineBase | { skipped: string }): Promise<DisciplineResult> {
  const result: DisciplineResult = { violations: [], messages: [], annotations: [] };
  if ('skipped' in base) {
    result.skipped = base.skipped;
  } else {
    result.baseLabel = base.label;
    result.violations = await checkVersionDiscipline({
      prompts: plans.map((plan) => ({ prompt: plan.prompt, absPath: plan.promptPath })),
      repo: base.repo,
      baseCommit: base.commit,
      baseLabel: base.label,
    });
    result.messages.push(...result.violations.map((v) => v.message));
    result.annotations.push(...renderViolationAnnotations(result.violations));
  }
  const lock = await checkLockFreshness(config, await lockablePrompts(config, plans));
  result.lock = lock;
  if (lock && lock.differences.length > 0) {
    const shown = relative(config.rootDir, lock.file) || lock.file;
    const message = describeStaleLock(shown, lock.differences);
    result.messages.push(message);
    const file = 'skipped' in base ? undefined : base.repo.toRepoPath(lock.file);
    result.annotations.push(formatAnnotation('error', { file, line: 1, title: 'promptgate: stale prompts.lock.json' }, message));
  }
  return result;
}

/** Markdown for the step summary when `ci` fails on a stale lock, after the evals' own summary. */
export function renderStaleLockMarkdown(result: DisciplineResult): string {
  const lines = ['# ❌ promptgate ci: stale prompts.lock.json', ''];
  for (const message of result.messages) lines.push(`- ${escapeMarkdownInline(message)}`);
  lines.push('', 'The evals above ran on the working tree. When they are good, run `promptgate lock` and commit prompts.lock.json.', '');
  return lines.join('\n');
}

/** Markdown for the step summary when `ci` stops at a policy failure. */
export function renderDisciplineMarkdown(result: DisciplineResult): string {
  const lines = ['# ❌ promptgate ci: version discipline', ''];
  for (const message of result.messages) lines.push(`- ${escapeMarkdownInline(message)}`);
  lines.push('', 'No model was called: fix these first (bump the `version:` of each changed prompt, then `promptgate lock` if you keep a lock file).', '');
  return lines.join('\n');
}
