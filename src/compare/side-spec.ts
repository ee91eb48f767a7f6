import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { notARepository, prefetchFilesAt, readFileAt } from '../git/git.js';
import { createGitLookups, type GitLookups } from '../git/lookups.js';
import { findPromptVersion } from '../git/prompt-history.js';
import { toolFilesAt } from '../git/tool-files.js';
import { type ToolFileReader, parsePromptWithFiles } from '../prompts/parse.js';
import type { PromptFile } from '../prompts/types.js';
import { upgradeSide } from '../run-record/status.js';
import type { RunFile, SideResult } from '../run-record/types.js';
import { readRunFile } from '../run-record/read.js';
import { displayPath, resolveStoredRunPath } from '../baseline/store.js';
import type { SuitePlan } from '../runner/plan.js';
import type { SideSource } from '../runner/sides.js';

/** A parsed `--baseline` / `--candidate` value (SPEC §5). */
export type SideSpec =
  | { kind: 'working-tree'; text: string }
  | { kind: 'git'; text: string; revision: string }
  | { kind: 'version'; text: string; version: string }
  | { kind: 'run'; text: string; path: string };

const WORKING_TREE = new Set(['', '.', 'working', 'worktree', 'working-tree', 'working tree']);

export function parseSideSpec(text: string): SideSpec {
  const trimmed = text.trim();
  if (WORKING_TREE.has(trimmed)) return { kind: 'working-tree', text: 'working tree' };
  if (trimmed.startsWith('run:')) return { kind: 'run', text: trimmed, path: trimmed.slice(4) };
  if (trimmed.startsWith('@')) return { kind: 'version', text: trimmed, version: trimmed.slice(1) };
  if (trimmed.startsWith('git:')) return { kind: 'git', text: trimmed, revision: trimmed.slice(4) };
  return { kind: 'git', text: trimmed, revision: trimmed };
}

/** Resolves a spec once for all suites (git lookups and stored runs are shared). */
export interface SideResolver {
  label: string;
  /** Full commit id every prompt of this side is read from (git revisions). */
  commit?: string;
  sourceFor(suite: SuitePlan): Promise<SideSource>;
  /** Reads ahead what sourceFor will read for these suites, in fewer processes (git revisions: their prompt files in one git call). */
  prefetch?(suites: SuitePlan[]): Promise<void>;
  /** Notes for the user, e.g. a prompt that did not exist at the revision (ci). */
  notes: string[];
}

export interface SideResolverOptions {
  /** The flag the spec came from, for messages. @default '--baseline' */
  flag?: string;
  /**
   * A selected suite whose prompt is not at the revision, or that the stored run lacks (or has
   * on other models only): `error` -- exit 2 naming the prompt and the side (`compare`, `drift`);
   * `absent` -- its cases have no baseline and the gate decides them by the floor only (`ci`, where
   * a pull request may add a prompt). An unknown revision, version or run path is always an error.
   * @default 'error'
   */
  missing?: 'error' | 'absent';
  /** Where the base branch of a pull request is read from (GITHUB_BASE_REF, …). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The command's git answers (shared with the other side and the session). @default a fresh one */
  git?: GitLookups;
}

export async function createSideResolver(spec: SideSpec, config: ResolvedConfig, options: SideResolverOptions = {}): Promise<SideResolver> {
  const notes: string[] = [];
  const flag = options.flag ?? '--baseline';
  const missing = options.missing ?? 'error';
  const git = options.git ?? createGitLookups();
  switch (spec.kind) {
    case 'working-tree':
      return { label: 'working tree', notes, sourceFor: async (suite) => ({ kind: 'prompt', prompt: suite.prompt, label: 'working tree' }) };
    case 'run':
      return storedRunResolver(spec, flag, missing, notes, config.rootDir, config.paths.reports);
    case 'git': {
      const found = await git.lookupRevision(config.rootDir, spec.revision);
      if (!found.root) throw notARepository(config.rootDir);
      if (!found.commit) throw inputError('GIT', `unknown git revision "${spec.revision}"`, { file: spec.text }, 'use a branch, tag, commit or HEAD~N');
      const { root, commit, short } = found;
      const label = commit.startsWith(spec.revision) ? `git ${short}` : `git ${short} (${spec.revision})`;
      /** A project file (absolute, or relative to the project root) as a path in the repository. */
      const repoPathOf = (file: string) => relative(root, resolve(config.rootDir, file)).split('\\').join('/');
      return {
        label,
        commit,
        notes,
        // The prompt files, and the tools files their working-tree versions name (most often the same
        // at the revision; one that is not is read by its own git call, as before): one git process.
        prefetch: (suites) => prefetchFilesAt(root, commit, suites.flatMap((s) => [s.promptPath, ...(s.prompt.toolFiles ?? [])].map(repoPathOf))),
        async sourceFor(suite) {
          const repoPath = repoPathOf(suite.promptPath);
          const source = await readFileAt(root, commit, repoPath);
          if (source === undefined) {
            if (missing === 'error') {
              throw inputError(
                'GIT',
                `does not exist at ${label} (${flag} ${spec.text}): there is nothing to compare its cases with`,
                { file: suite.prompt.path },
                `compare only the suites that exist there (promptgate compare <suite...> ${flag} ${spec.text}), or use \`promptgate run\` for a new prompt`,
              );
            }
            notes.push(`${suite.prompt.path}: new prompt, no baseline at ${label}: its cases are decided by the floor only`);
            return { kind: 'absent', label };
          }
          return { kind: 'prompt', prompt: await parseAt(source, `${spec.revision}:${repoPath}`, suite, toolFilesAt(root, commit, repoPath, spec.revision)), label, commit };
        },
      };
    }
    case 'version': {
      const root = await git.findRepoRoot(config.rootDir);
      if (root === undefined) throw notARepository(config.rootDir);
      return {
        label: `version ${spec.version}`,
        notes,
        async sourceFor(suite) {
          const repoPath = relative(root, suite.promptPath).split('\\').join('/');
          const parse = async (source: string, commit: string) => {
            try {
              return await parseAt(source, `${commit.slice(0, 7)}:${repoPath}`, suite, toolFilesAt(root, commit, repoPath));
            } catch {
              return undefined; // an old commit with an unparsable file cannot be that version
            }
          };
          const found = await findPromptVersion(root, repoPath, spec.version, parse, options.env);
          if (found.kind === 'missing') {
            const known = found.versions.length ? `versions in its git history: ${found.versions.join(', ')}` : 'the file has no committed version';
            throw inputError(
              'GIT',
              `no commit has version ${spec.version} (${flag} ${spec.text}; ${known})`,
              { file: suite.prompt.path },
              `use one of those versions, a git revision (${flag} HEAD~1), or compare only the suites that have ${spec.version}`,
            );
          }
          if (found.kind === 'ambiguous') {
            const listed = found.contents.map((c) => `${c.short} (hash ${c.hash})`);
            const why = found.base ? `and not exactly one of them is on ${found.base}` : 'and no base branch (origin/HEAD, main, master) to choose by';
            throw inputError(
              'GIT',
              `version ${spec.version} has ${found.contents.length} different contents in git history: ${listed.join(', ')}, ${why}`,
              { file: suite.prompt.path },
              `choose one: ${flag} git:<commit>`,
            );
          }
          const { short } = found;
          if (found.onBase) notes.push(`${suite.prompt.path}: version ${spec.version} has other contents on other branches; using the one on ${found.onBase} (git ${short}, hash ${found.prompt.hash})`);
          return { kind: 'prompt', prompt: found.prompt, label: `${suite.prompt.id}@${spec.version} (git ${short})`, commit: found.commit };
        },
      };
    }
  }
}

/** Parses a prompt read from git (its tools files read at the same commit); keeps the working-tree id and path so results line up. */
async function parseAt(source: string, label: string, suite: SuitePlan, toolFiles: ToolFileReader): Promise<PromptFile> {
  const parsed = await parsePromptWithFiles(source, label, toolFiles);
  return { ...parsed, id: suite.prompt.id, path: suite.prompt.path };
}

/** `run:<path>`: the path is relative to the project root (`rootDir`), like every path promptgate reads; `run:baseline` is the stored baseline. */
async function storedRunResolver(spec: Extract<SideSpec, { kind: 'run' }>, flag: string, missing: 'error' | 'absent', notes: string[], rootDir: string, reportsDir: string): Promise<SideResolver> {
  if (spec.path.trim() === '') throw inputError('USAGE', `${flag} run: needs a path`, { file: flag }, 'run:<run folder or its run.json>, e.g. run:reports/<run id>, or run:baseline');
  // `run:baseline`: the stored baseline (`promptgate baseline accept`).
  const path = await resolveStoredRunPath(spec.path, { rootDir, reportsDir });
  if (!existsSync(path)) throw inputError('FILE_MISSING', `no stored run at this path (${flag} ${spec.text})`, { file: spec.path }, 'give a run folder or its run.json, e.g. run:reports/<run id>');
  const { run, file } = await readRunFile(path);
  const stored = indexStoredRun(run);
  const where = displayPath(file, rootDir);
  const label = `run ${run.runId}`;
  return {
    label,
    notes,
    async sourceFor(suite) {
      const cases = stored.get(suite.name);
      const models = cases ? [...cases.models] : [];
      const lacking = suite.models.filter((model) => !models.includes(model));
      if (lacking.length > 0) {
        const what = cases ? `has suite "${suite.name}" on ${models.join(', ')} only, not on ${lacking.join(', ')}` : `has no suite "${suite.name}"`;
        if (missing === 'error') {
          const suites = [...stored.keys()];
          const hint = cases
            ? `use ${models.map((m) => `--model ${m}`).join(' ')}, or store a run on ${lacking.join(', ')}`
            : `it has ${suites.length ? suites.map((s) => `"${s}"`).join(', ') : 'no cases'}: compare only those, or store a run that includes "${suite.name}"`;
          throw inputError('RUN_INVALID', `the stored run ${what} (${flag} ${spec.text}): there is nothing to compare those cases with`, { file: where }, hint);
        }
        notes.push(`${where}: the stored run ${what}: those cases have no baseline and are decided by the floor only`);
        if (!cases) return { kind: 'absent', label };
      }
      const row = run.summary.find((r) => r.suite === suite.name);
      const refs = run.prompts.filter((p) => p.id === (row?.promptId ?? suite.prompt.id) && p.side === 'candidate');
      const ref = refs.find((p) => p.hash === row?.promptHash) ?? refs[0];
      return {
        kind: 'stored',
        label,
        prompt: ref ? { id: ref.id, version: ref.version, hash: ref.hash, path: ref.path } : undefined,
        lookup: (_suite, model, caseId) => cases!.results.get(`${model}\u0000${caseId}`),
      };
    },
  };
}

/** suite → its models, and (model, case id) → the stored candidate side (a format 1 run's read with today's statuses: upgradeSide). */
function indexStoredRun(run: RunFile): Map<string, { models: Set<string>; results: Map<string, SideResult> }> {
  const index = new Map<string, { models: Set<string>; results: Map<string, SideResult> }>();
  for (const c of run.cases) {
    let suite = index.get(c.suite);
    if (!suite) {
      suite = { models: new Set(), results: new Map() };
      index.set(c.suite, suite);
    }
    suite.models.add(c.model);
    const side: SideResult = {
      promptId: c.promptId,
      promptVersion: c.promptVersion,
      promptHash: c.promptHash,
      status: c.status,
      passRate: c.passRate,
      meanScore: c.meanScore,
      repeats: c.repeats,
    };
    suite.results.set(`${c.model}\u0000${c.caseId}`, upgradeSide(side, run.formatVersion));
  }
  return index;
}
