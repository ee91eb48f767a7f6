import compareSemver from 'semver/functions/compare.js';
import validSemver from 'semver/functions/valid.js';
import { prefetchFilesAt, readFileAt } from '../git/git.js';
import { toolFilesAt } from '../git/tool-files.js';
import { readFrontMatter, splitFrontMatter } from '../prompts/front-matter.js';
import { type ToolFileReader, normalizeSource, promptHashOf } from '../prompts/parse.js';
import { toolFileRefs } from '../prompts/prompt-tools.js';
import type { PromptFile } from '../prompts/types.js';
import type { RepoPaths } from './repo-paths.js';

/**
 * Version discipline (SPEC §5, `check` and `ci`): a prompt whose content changed against a base
 * revision must carry a higher semver than it had there. Otherwise two different texts would share
 * one `id@version`, and `--baseline @1.2.0` could no longer say which one it means.
 */

/** A prompt's identity: its version and content hash. */
export interface PromptIdentity {
  version: string;
  hash: string;
}

export interface VersionViolation {
  promptId: string;
  /** Project path (relative to the project root), as users see it. */
  file: string;
  /** Repository path, for annotations. */
  repoPath: string;
  /** Line of `version:` in the working-tree file (1 when not found). */
  line: number;
  kind: 'not-bumped' | 'downgraded';
  before: PromptIdentity;
  after: PromptIdentity;
  /** One line naming the file: `prompts/x.prompt: content changed but version is still 1.2.0 (bump it)`. */
  message: string;
}

/**
 * The rule on one prompt. `before` is undefined for a prompt that did not exist at the base (no
 * constraint) or could not be read there. Returns the violation's kind and message, or undefined.
 */
export function judgeVersionChange(
  file: string,
  before: PromptIdentity | undefined,
  after: PromptIdentity,
  baseLabel: string,
  /** The prompt file's own text is unchanged: what changed is a tools file it reads (named here). */
  changedToolFiles?: string[],
): Pick<VersionViolation, 'kind' | 'message'> | undefined {
  if (!before || before.hash === after.hash) return undefined;
  if (!validSemver(before.version) || !validSemver(after.version)) return undefined; // the base's file was not a valid prompt: nothing to compare with
  const order = compareSemver(after.version, before.version);
  if (order === 0) {
    const what = changedToolFiles?.length ? `its tools file changed (${changedToolFiles.join(', ')})` : 'content changed';
    return { kind: 'not-bumped', message: `${file}: ${what} but version is still ${after.version} (bump it; compared with ${baseLabel})` };
  }
  if (order < 0) {
    return { kind: 'downgraded', message: `${file}: version went down from ${before.version} to ${after.version} (compared with ${baseLabel}); a changed prompt needs a version above ${before.version}` };
  }
  return undefined;
}

/**
 * Version and hash of a prompt's source (the hash covers the tools files it names, read with
 * `toolFiles`; a file that cannot be read counts as missing), or undefined when its front matter
 * does not parse. Only the front matter is read: a base whose template no longer parses still has
 * an identity.
 */
export async function identityOfSource(source: string, file: string, toolFiles?: ToolFileReader): Promise<PromptIdentity | undefined> {
  const normalized = normalizeSource(source);
  let front: ReturnType<typeof readFrontMatter>;
  try {
    front = readFrontMatter(splitFrontMatter(normalized, file).yaml, file);
  } catch {
    return undefined;
  }
  const texts = await Promise.all(
    toolFileRefs(front.tools).map(async (ref) => {
      const content = toolFiles ? await toolFiles(ref) : undefined;
      return content && 'text' in content ? content.text : undefined;
    }),
  );
  return { version: front.version, hash: promptHashOf(normalized, texts) };
}

/** 1-based line of the front matter's `version:` key. */
export function versionLineOf(source: string): number {
  const lines = source.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trimEnd() === '---') break;
    if (/^version\s*:/.test(lines[i])) return i + 1;
  }
  return 1;
}

/**
 * Checks every prompt against its file at `baseCommit`. `prompts` are the working-tree files
 * (duplicates by path are checked once). Prompts absent at the base are new: no constraint.
 */
export async function checkVersionDiscipline(input: {
  prompts: Array<{ prompt: PromptFile; absPath: string }>;
  repo: RepoPaths;
  baseCommit: string;
  /** How the base is named in messages, e.g. `HEAD` or `merge base 3f2a1b0 with origin/main`. */
  baseLabel: string;
}): Promise<VersionViolation[]> {
  const seen = new Set<string>();
  const violations: VersionViolation[] = [];
  // Every prompt file at the base, and the tools files the working tree's prompts name, in one git
  // call (readFileAt below then reads from its cache; a tools file named otherwise there is read by itself).
  const files = input.prompts.flatMap(({ prompt, absPath }) => [absPath, ...(prompt.toolFiles ?? [])]);
  await prefetchFilesAt(input.repo.root, input.baseCommit, files.map((file) => input.repo.toRepoPath(file)));
  for (const { prompt, absPath } of input.prompts) {
    const repoPath = input.repo.toRepoPath(absPath);
    if (seen.has(repoPath)) continue;
    seen.add(repoPath);
    const source = await readFileAt(input.repo.root, input.baseCommit, repoPath);
    const before = source === undefined ? undefined : await identityOfSource(source, `${input.baseLabel}:${repoPath}`, toolFilesAt(input.repo.root, input.baseCommit, repoPath));
    const after = { version: prompt.version, hash: prompt.hash };
    const sameText = source !== undefined && normalizeSource(source) === prompt.source;
    const verdict = judgeVersionChange(prompt.path, before, after, input.baseLabel, sameText ? prompt.toolFiles : undefined);
    if (verdict && before) {
      violations.push({ promptId: prompt.id, file: prompt.path, repoPath, line: versionLineOf(prompt.source), before, after, ...verdict });
    }
  }
  return violations;
}
