import compareSemver from 'semver/functions/compare.js';
import validSemver from 'semver/functions/valid.js';
import { baseBranchMergeBase, commitsTouching, isAncestor, linesAtRevisions, prefetchFileAtCommits, readFileAt, revisionsContaining } from './git.js';

/** What a prompt file's history says about one version (`--baseline @1.2.0`). */
export type VersionLookup<P> =
  /** `commit`: the newest commit with the chosen content (`short`: git's short form); `onBase`: picked among several contents as the one on this base branch. */
  | { kind: 'found'; commit: string; short: string; prompt: P; onBase?: string }
  /** No commit has that version; `versions`: those that do occur in the file's history, newest first. */
  | { kind: 'missing'; versions: string[] }
  /** Several commits carry the version with different contents: one commit per content (with its short form), newest first. */
  | { kind: 'ambiguous'; contents: Array<{ commit: string; short: string; hash: string }>; base?: string };

/**
 * Finds `version` in the history of the prompt file at `repoPath` (relative to the repo root).
 * `parse` turns the file at a commit into a prompt (undefined when it does not parse there).
 *
 * The same version in several commits with the same content hash is one version (the newest
 * commit is used). With different contents the version is ambiguous unless exactly one content is
 * on the base branch (the commits reachable from the merge base of HEAD with the base branch,
 * see baseBranchMergeBase): a version edited on a feature branch without a bump does not hide the
 * released one. Otherwise the caller must ask for a commit.
 */
export async function findPromptVersion<P extends { version: string; hash: string }>(
  root: string,
  repoPath: string,
  version: string,
  parse: (source: string, commit: string) => P | undefined | Promise<P | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<VersionLookup<P>> {
  const history = await commitsTouching(root, repoPath);
  const commits = history.map((c) => c.commit);
  // Only commits whose file holds the version's text can have it: one `git grep`, not a read per commit.
  const containing = await revisionsContaining(root, commits, repoPath, version);
  // Their files in one `git cat-file`; the loop below reads them from readFileAt's cache.
  await prefetchFileAtCommits(root, commits.filter((commit) => containing.has(commit)), repoPath);
  const matches: Match<P>[] = [];
  for (const { commit, short } of history) {
    if (!containing.has(commit)) continue;
    const source = await readFileAt(root, commit, repoPath);
    const prompt = source === undefined ? undefined : await parse(source, commit);
    if (prompt?.version === version) matches.push({ commit, short, prompt });
  }
  if (matches.length === 0) return { kind: 'missing', versions: await versionsInHistory(root, repoPath, commits) };

  const contents = distinctContents(matches);
  if (contents.length === 1) return { kind: 'found', commit: matches[0].commit, short: matches[0].short, prompt: matches[0].prompt };
  const base = await baseBranchMergeBase(root, env);
  if (base) {
    const onBase: typeof matches = [];
    for (const match of matches) if (await isAncestor(root, match.commit, base.commit)) onBase.push(match);
    if (distinctContents(onBase).length === 1) return { kind: 'found', commit: onBase[0].commit, short: onBase[0].short, prompt: onBase[0].prompt, onBase: base.ref };
  }
  return { kind: 'ambiguous', contents, base: base?.ref };
}

type Match<P> = { commit: string; short: string; prompt: P };

/** One entry per content hash: its newest commit (matches are newest first). */
function distinctContents(matches: Array<Match<{ hash: string }>>): Array<{ commit: string; short: string; hash: string }> {
  const seen = new Map<string, Match<{ hash: string }>>();
  for (const match of matches) if (!seen.has(match.prompt.hash)) seen.set(match.prompt.hash, match);
  return [...seen].map(([hash, { commit, short }]) => ({ commit, short, hash }));
}

/** The `version:` values found in the file's history, highest first (for the error message). */
async function versionsInHistory(root: string, repoPath: string, commits: string[]): Promise<string[]> {
  const versions = new Set<string>();
  for (const line of await linesAtRevisions(root, commits, repoPath, '^version:')) {
    const value = line.slice('version:'.length).replace(/\s+#.*$/, '').trim().replace(/^(["'])(.*)\1$/, '$2');
    if (value !== '') versions.add(value);
  }
  const valid = [...versions].filter((v) => validSemver(v)).sort((a, b) => compareSemver(b, a));
  return [...valid, ...[...versions].filter((v) => !validSemver(v))];
}
