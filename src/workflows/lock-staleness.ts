import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { listPromptFiles, loadPromptFile } from '../prompts/index.js';
import type { PromptFile } from '../prompts/types.js';
import type { SuitePlan } from '../runner/plan.js';
import { buildLock, LOCK_FILE_NAME, readLockFile, type PromptLock } from '../runtime/lock.js';

/** One prompt id whose locked entry differs from the working tree. */
export interface LockDifference {
  id: string;
  /** `1.0.0 (3f2a1b0c9d8e) → 1.1.0 (77aa…)`, `not locked`, `locked but no longer in the project`. */
  detail: string;
}

/** The lock file of a project: `<rootDir>/prompts.lock.json`. */
export function lockPathOf(config: ResolvedConfig): string {
  return join(config.rootDir, LOCK_FILE_NAME);
}

/**
 * The prompts a lock covers: every `.prompt` file in the prompts folder plus the suites' prompts
 * (a suite may point elsewhere), one per id. Invalid files throw (exit 2), as in `check`.
 */
export async function lockablePrompts(config: ResolvedConfig, plans: SuitePlan[]): Promise<PromptFile[]> {
  const byId = new Map<string, PromptFile>();
  for (const plan of plans) byId.set(plan.prompt.id, plan.prompt);
  const loaded = new Set(plans.map((plan) => plan.promptPath));
  for (const file of await listPromptFiles(config.paths.prompts)) {
    // A suite's prompt came from this very file: loading it again would add nothing.
    if (loaded.has(file)) continue;
    const prompt = await loadPromptFile(file, config.rootDir);
    if (!byId.has(prompt.id)) byId.set(prompt.id, prompt);
  }
  return [...byId.values()];
}

/** Ids whose version, hash or path differ between the lock and the working tree, sorted by id. */
export function diffLocks(locked: PromptLock, current: PromptLock): LockDifference[] {
  const ids = [...new Set([...Object.keys(locked.prompts), ...Object.keys(current.prompts)])].sort();
  const out: LockDifference[] = [];
  for (const id of ids) {
    const was = Object.hasOwn(locked.prompts, id) ? locked.prompts[id] : undefined;
    const now = Object.hasOwn(current.prompts, id) ? current.prompts[id] : undefined;
    if (!was) out.push({ id, detail: `not locked (${now!.version}, ${now!.hash})` });
    else if (!now) out.push({ id, detail: 'locked but no longer in the project' });
    else if (was.hash !== now.hash || was.version !== now.version) out.push({ id, detail: `locked ${was.version} (${was.hash}), working tree ${now.version} (${now.hash})` });
    else if (was.path !== now.path) out.push({ id, detail: `locked at ${was.path}, now at ${now.path}` });
  }
  return out;
}

/**
 * Compares prompts.lock.json, when it exists, with the working tree. Returns undefined when there
 * is no lock file, else the differences (empty: up to date). A malformed lock throws LOCK_INVALID.
 */
export async function checkLockFreshness(config: ResolvedConfig, prompts: PromptFile[]): Promise<{ file: string; differences: LockDifference[] } | undefined> {
  const file = lockPathOf(config);
  const locked = await readLockFile(file);
  if (!locked) return undefined;
  return { file, differences: diffLocks(locked, buildLock(prompts)) };
}

/** `prompts.lock.json is stale: a (…), b (…); run \`promptgate lock\`` */
export function describeStaleLock(file: string, differences: LockDifference[]): string {
  const shown = differences.slice(0, 10).map((d) => `${d.id}: ${d.detail}`);
  const more = differences.length > shown.length ? `; and ${differences.length - shown.length} more` : '';
  return `${file}: stale lock, ${differences.length} prompt id(s) differ from the working tree: ${shown.join('; ')}${more} (run \`promptgate lock\` after their evals pass)`;
}
