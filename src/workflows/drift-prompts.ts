import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { commitsTouching, readFileAt } from '../git/git.js';
import type { GitLookups } from '../git/lookups.js';
import { toolFilesAt } from '../git/tool-files.js';
import { normalizeSource, parsePromptSource, parsePromptWithFiles } from '../prompts/parse.js';
import type { PromptFile } from '../prompts/types.js';
import type { PromptRef, RunFile } from '../run-record/types.js';
import type { SuitePlan } from '../runner/plan.js';
import { shortHash } from '../util/hash.js';
import { createRepoPaths } from './repo-paths.js';

/**
 * drift re-runs the prompt versions the stored run ran, not today's working tree: a suite keeps its
 * working-tree prompt when the content hash matches the stored one, else the file's git history is
 * searched for a commit with exactly that content. When neither has it, drift cannot say whether
 * the model or the prompt moved: an input error (exit 2).
 */
export async function pinStoredPrompts(plans: SuitePlan[], stored: RunFile, config: ResolvedConfig, git: GitLookups): Promise<{ plans: SuitePlan[]; notes: string[] }> {
  const notes: string[] = [];
  const out: SuitePlan[] = [];
  let repo: ReturnType<typeof createRepoPaths> | undefined | null;
  for (const plan of plans) {
    const ref = storedPromptOf(stored, plan);
    if (!ref || ref.hash === plan.prompt.hash) {
      out.push(plan);
      continue;
    }
    if (repo === undefined) {
      const root = await git.findRepoRoot(config.rootDir);
      repo = root ? createRepoPaths(root, config.rootDir) : null;
    }
    const found = repo ? await findPromptByHash(repo.root, repo.toRepoPath(plan.promptPath), ref.hash, plan.prompt) : undefined;
    if (!found) {
      throw inputError(
        'RUN_INVALID',
        `the stored run ran ${ref.id}@${ref.version} (hash ${ref.hash}) but the working tree has ${plan.prompt.version} (hash ${plan.prompt.hash}), and ${repo ? 'no commit of this file has that text' : 'there is no git history to find it in'}`,
        { file: plan.prompt.path },
        'restore that version, or make a new baseline with `promptgate drift --save-baseline <path>` (or `promptgate run`)',
      );
    }
    notes.push(`${plan.prompt.path}: running the stored version ${ref.version} (${ref.hash}) from git ${found.short}; the working tree has ${plan.prompt.version}`);
    out.push({ ...plan, prompt: found.prompt });
  }
  return { plans: out, notes };
}

/** The stored run's prompt for a suite: the candidate prompt of its cases (by suite, then by id). */
function storedPromptOf(stored: RunFile, plan: SuitePlan): PromptRef | undefined {
  const row = stored.summary.find((r) => r.suite === plan.name);
  const id = row?.promptId ?? plan.prompt.id;
  const candidates = stored.prompts.filter((p) => p.side === 'candidate' && p.id === id);
  if (row) return candidates.find((p) => p.hash === row.promptHash) ?? candidates[0];
  return candidates[0];
}

/**
 * The newest commit whose version of the file hashes to `hash` (with the tools files it names, read
 * at that commit), parsed with the working tree's id and path.
 */
export async function findPromptByHash(root: string, repoPath: string, hash: string, current: PromptFile): Promise<{ prompt: PromptFile; short: string } | undefined> {
  for (const { commit, short } of await commitsTouching(root, repoPath)) {
    const source = await readFileAt(root, commit, repoPath);
    if (source === undefined) continue;
    const label = `${commit.slice(0, 7)}:${repoPath}`;
    let parsed: PromptFile | undefined;
    if (shortHash(normalizeSource(source)) === hash) parsed = parsePromptSource(source, label);
    else if (source.includes('file://')) parsed = await parsePromptWithFiles(source, label, toolFilesAt(root, commit, repoPath)).catch(() => undefined);
    if (parsed?.hash !== hash) continue;
    return { prompt: { ...parsed, id: current.id, path: current.path }, short };
  }
  return undefined;
}
