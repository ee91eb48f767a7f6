import { inputError } from '../errors.js';
import { lookupHeadAndResolve, mergeBase, notARepository, resolveRevision, shortCommit } from '../git/git.js';
import type { GitLookups } from '../git/lookups.js';

/** What `ci` compares against. */
export interface CiBase {
  /** The repository's top folder. */
  root: string;
  /** The revision the base came from, e.g. `origin/main`. */
  ref: string;
  /** Full commit id of the merge base of `ref` and HEAD. */
  commit: string;
  /** `merge base 3f2a1b0 with origin/main` */
  label: string;
}

/**
 * Base candidates in order: `--base`; on a pull request the base branch from the CI environment
 * (GitHub's GITHUB_BASE_REF, GitLab's CI_MERGE_REQUEST_TARGET_BRANCH_NAME) as `origin/<ref>`,
 * then `<ref>`; else `origin/main`, then `main`.
 */
export function baseCandidates(base: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (base) return [base];
  const prBase = env.GITHUB_BASE_REF || env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME;
  const fromPr = prBase ? [`origin/${prBase}`, prBase] : [];
  return [...fromPr, 'origin/main', 'main'];
}

/**
 * Resolves the base and its merge base with HEAD. Errors (exit 2) when no candidate exists or the
 * history is too shallow to hold a merge base (a CI checkout needs `fetch-depth: 0`). HEAD and the
 * first candidate are read in one git call; `lookups` (the command's) learns HEAD and the merge
 * base, so the comparison that follows does not ask git again.
 */
export async function resolveCiBase(cwd: string, base: string | undefined, env: NodeJS.ProcessEnv = process.env, lookups?: GitLookups): Promise<CiBase> {
  const candidates = baseCandidates(base, env);
  const { root, head, resolved } = await lookupHeadAndResolve(cwd, candidates[0]);
  if (!root) throw notARepository(cwd);
  if (!head) throw inputError('GIT', 'the repository has no commit yet (HEAD does not resolve)', { file: cwd });
  lookups?.remember(cwd, { head });
  for (const [i, ref] of candidates.entries()) {
    const commit = i === 0 ? resolved : await resolveRevision(cwd, ref);
    if (!commit) continue;
    const common = await mergeBase(cwd, commit, head);
    if (!common) {
      throw inputError('GIT', `no merge base between ${ref} and HEAD`, { file: cwd }, 'the clone is probably shallow: check out with `fetch-depth: 0` (actions/checkout) or run `git fetch --unshallow`');
    }
    const short = await shortCommit(cwd, common);
    lookups?.remember(cwd, { revision: { name: common, found: { root, commit: common, short } } });
    return { root, ref, commit: common, label: `merge base ${short} with ${ref}` };
  }
  const tried = candidates.map((c) => `"${c}"`).join(', ');
  throw inputError('GIT', base ? `unknown git revision "${base}"` : `no base branch found (tried ${tried})`, { file: base ? '--base' : cwd }, 'pass --base <branch or commit>');
}
