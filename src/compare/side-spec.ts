import { relative, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { commitsTouching, readFileAt, repoRoot, resolveRevision, shortCommit } from '../git/git.js';
import { parsePromptSource } from '../prompts/index.js';
import type { PromptFile } from '../prompts/types.js';
import { upgradeSide } from '../run-record/status.js';
import type { RunFile, SideResult } from '../run-record/types.js';
import { readRunFile } from '../run-record/writer.js';
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
  sourceFor(suite: SuitePlan): Promise<SideSource>;
  /** Notes for the user, e.g. a prompt that had no commit with the asked version. */
  notes: string[];
}

export async function createSideResolver(spec: SideSpec, config: ResolvedConfig): Promise<SideResolver> {
  const notes: string[] = [];
  switch (spec.kind) {
    case 'working-tree':
      return { label: 'working tree', notes, sourceFor: async (suite) => ({ kind: 'prompt', prompt: suite.prompt, label: 'working tree' }) };
    case 'run':
      return storedRunResolver(spec, config, notes);
    case 'git': {
      const root = await repoRoot(config.rootDir);
      const commit = await resolveRevision(config.rootDir, spec.revision);
      if (!commit) throw inputError('GIT', `unknown git revision "${spec.revision}"`, { file: spec.text }, 'use a branch, tag, commit or HEAD~N');
      const label = `git ${await shortCommit(config.rootDir, commit)} (${spec.revision})`;
      return {
        label,
        notes,
        async sourceFor(suite) {
          const repoPath = relative(root, suite.promptPath).split('\\').join('/');
          const source = await readFileAt(root, commit, repoPath);
          if (source === undefined) return { kind: 'absent', label };
          return { kind: 'prompt', prompt: parseAt(source, `${spec.revision}:${repoPath}`, suite), label };
        },
      };
    }
    case 'version': {
      const root = await repoRoot(config.rootDir);
      return {
        label: `version ${spec.version}`,
        notes,
        async sourceFor(suite) {
          const repoPath = relative(root, suite.promptPath).split('\\').join('/');
          const found = await findVersion(root, repoPath, spec.version, suite);
          if (!found) {
            notes.push(`${suite.prompt.path}: no commit has version ${spec.version}; its cases are reported as new`);
            return { kind: 'absent', label: `version ${spec.version}` };
          }
          return { kind: 'prompt', prompt: found.prompt, label: `${suite.prompt.id}@${spec.version} (git ${found.short})` };
        },
      };
    }
  }
}

/** The newest commit in which the prompt file's front matter had `version`. */
async function findVersion(root: string, repoPath: string, version: string, suite: SuitePlan): Promise<{ prompt: PromptFile; short: string } | undefined> {
  for (const commit of await commitsTouching(root, repoPath)) {
    const source = await readFileAt(root, commit, repoPath);
    if (source === undefined) continue;
    let prompt: PromptFile;
    try {
      prompt = parseAt(source, `${commit.slice(0, 7)}:${repoPath}`, suite);
    } catch {
      continue; // an old commit with an unparsable file cannot be that version
    }
    if (prompt.version === version) return { prompt, short: await shortCommit(root, commit) };
  }
  return undefined;
}

/** Parses a prompt read from git; keeps the working-tree id and path so results line up. */
function parseAt(source: string, label: string, suite: SuitePlan): PromptFile {
  const parsed = parsePromptSource(source, label);
  return { ...parsed, id: suite.prompt.id, path: suite.prompt.path };
}

async function storedRunResolver(spec: Extract<SideSpec, { kind: 'run' }>, _config: ResolvedConfig, notes: string[]): Promise<SideResolver> {
  const { run, file } = await readRunFile(resolve(process.cwd(), spec.path));
  const bySuite = indexStoredRun(run);
  const label = `run ${run.runId}`;
  return {
    label,
    notes,
    async sourceFor(suite) {
      const cases = bySuite.get(suite.name);
      if (!cases) {
        notes.push(`${file}: has no suite "${suite.name}"; its cases are reported as new`);
        return { kind: 'absent', label };
      }
      const ref = run.prompts.find((p) => p.id === suite.prompt.id && p.side === 'candidate');
      return {
        kind: 'stored',
        label,
        prompt: ref ? { id: ref.id, version: ref.version, hash: ref.hash, path: ref.path } : undefined,
        lookup: (suiteName, model, caseId) => cases.get(`${model}\u0000${caseId}`),
      };
    },
  };
}

/** suite → (model, case id) → the stored candidate side (a format 1 run's read with today's statuses: upgradeSide). */
function indexStoredRun(run: RunFile): Map<string, Map<string, SideResult>> {
  const index = new Map<string, Map<string, SideResult>>();
  for (const c of run.cases) {
    let suite = index.get(c.suite);
    if (!suite) index.set(c.suite, (suite = new Map()));
    const side: SideResult = {
      promptId: c.promptId,
      promptVersion: c.promptVersion,
      promptHash: c.promptHash,
      status: c.status,
      passRate: c.passRate,
      meanScore: c.meanScore,
      repeats: c.repeats,
    };
    suite.set(`${c.model}\u0000${c.caseId}`, upgradeSide(side, run.formatVersion));
  }
  return index;
}
