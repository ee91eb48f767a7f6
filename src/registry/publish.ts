/**
 * `publish`: the working tree's prompt versions, each with its gate receipt, into a registry store.
 * Every check is made for every prompt before anything is written (no partial publish): the
 * prompts parse, each has a receipt (or `--force --reason`), and no id@version in the store holds
 * other content.
 */
import { join } from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { PromptgateError, inputError, isPromptgateError } from '../errors.js';
import { git, lookupRevision } from '../git/git.js';
import { listPromptFiles, loadPromptFile, toProjectPath } from '../prompts/load.js';
import { assertPromptId } from '../prompts/parse.js';
import type { PromptFile } from '../prompts/types.js';
import { resolveSuites } from '../runner/plan.js';
import { findReceipt, readRunHeaders, type ReceiptSearch } from './receipt.js';
import type { GateReceipt, PublishedVersion, RegistryStore } from './types.js';

export interface PublishRequest {
  config: ResolvedConfig;
  store: RegistryStore;
  /** `--force --reason`: publish versions without a receipt, recording the reason. */
  force?: { reason: string };
  by: string;
  /** @default now */
  at?: string;
}

/** One prompt version publish stored (or found already stored). */
export interface PublishedEntry {
  id: string;
  version: string;
  hash: string;
  path: string;
  /** `created`, or `unchanged` when the store already held this id@version with this hash. */
  result: 'created' | 'unchanged';
  receipt: GateReceipt | null;
  forced?: { reason: string };
  commit: string | null;
  dirty: boolean;
}

/** Reads the prompts publish is asked for: the ids given (each must be a file in the prompts folder), else all of them. */
export async function loadPublishPrompts(config: ResolvedConfig, ids: string[]): Promise<PromptFile[]> {
  const folder = toProjectPath(config.paths.prompts, config.rootDir) || '.';
  if (ids.length === 0) {
    const files = await listPromptFiles(config.paths.prompts);
    if (files.length === 0) throw inputError('FILE_MISSING', `no .prompt files in ${folder}/ to publish`, { file: folder });
    return Promise.all(files.map((file) => loadPromptFile(file, config.rootDir)));
  }
  const unique = [...new Set(ids)];
  for (const id of unique) assertPromptId(id, 'publish');
  const files = new Set(await listPromptFiles(config.paths.prompts));
  const missing = unique.filter((id) => !files.has(join(config.paths.prompts, `${id}.prompt`)));
  if (missing.length) throw inputError('FILE_MISSING', `no prompt ${missing.map((id) => JSON.stringify(id)).join(', ')} in ${folder}/ (publish takes prompt ids: the file names without .prompt)`, { file: 'publish' });
  return Promise.all(unique.map((id) => loadPromptFile(join(config.paths.prompts, `${id}.prompt`), config.rootDir)));
}

/** Publishes `prompts` (see the module comment). Throws REGISTRY_NO_RECEIPT / REGISTRY_IMMUTABLE (exit 1) before writing anything. */
export async function publishPrompts(request: PublishRequest, prompts: PromptFile[]): Promise<PublishedEntry[]> {
  const { config, store } = request;
  if (store.readOnly) throw readOnlyError(store, 'publish');
  // A stored version is its source alone: one whose tools come from a file could not be verified or served from the store.
  const withFiles = prompts.find((prompt) => prompt.toolFiles?.length);
  if (withFiles) {
    throw inputError('PROMPT_INVALID', `reads its tools from ${withFiles.toolFiles!.join(', ')}: a registry version is one file, so it cannot be published yet`, { file: withFiles.path }, 'inline the tool definitions in its front matter (tools: [{name, description, inputSchema}])');
  }
  // Immutability first: content changed under a published version needs a version bump before anything else.
  for (const prompt of prompts) {
    const stored = await existingVersion(store, prompt);
    if (stored && stored.hash !== prompt.hash) {
      throw new PromptgateError(
        'REGISTRY_IMMUTABLE',
        `${prompt.id}@${prompt.version} is already published in ${store.url} with hash ${stored.hash}; ${prompt.path} now has hash ${prompt.hash}`,
        { location: { file: prompt.path }, hint: 'a published version is immutable: bump `version` in the front matter, then run its gate and publish again', exitCode: 1 },
      );
    }
  }

  const runs = await readRunHeaders(config.paths.reports);
  const searches = new Map<string, ReceiptSearch>(prompts.map((p) => [p.id, findReceipt(runs, p.id, p.hash, config.rootDir)]));
  const lacking = prompts.filter((p) => !searches.get(p.id)!.found);
  if (lacking.length > 0 && !request.force) throw await noReceiptError(config, store, lacking, searches);

  const source = await sourceOf(config.rootDir, prompts);
  const at = request.at ?? new Date().toISOString();
  const entries: PublishedEntry[] = [];
  for (const prompt of prompts) {
    const search = searches.get(prompt.id)!;
    const receipt = search.found ? search.receipt : null;
    const { commit, dirty } = source.get(prompt.id)!;
    const version: PublishedVersion = {
      id: prompt.id,
      version: prompt.version,
      hash: prompt.hash,
      path: prompt.path,
      source: prompt.source,
      commit,
      dirty,
      publishedAt: at,
      publishedBy: request.by,
      receipt,
      ...(receipt === null && request.force ? { forced: { reason: request.force.reason } } : {}),
    };
    const result = await store.putVersion(version);
    entries.push({ id: prompt.id, version: prompt.version, hash: prompt.hash, path: prompt.path, result, receipt, ...(version.forced ? { forced: version.forced } : {}), commit, dirty });
  }
  return entries;
}

/**
 * The stored version publish would collide with. A file store nothing was published to yet has no
 * registry.json, which reads as STORE_UNREACHABLE: for publish that folder is empty, not an error
 * (the first write creates it; a folder that truly cannot be written fails on that first write).
 */
async function existingVersion(store: RegistryStore, prompt: PromptFile): Promise<PublishedVersion | undefined> {
  try {
    return await store.getVersion(prompt.id, prompt.version);
  } catch (error) {
    if (store.kind === 'file' && isPromptgateError(error) && error.code === 'STORE_UNREACHABLE') return undefined;
    throw error;
  }
}

/** STORE_READ_ONLY (exit 2) for a write to a read-only store. */
export function readOnlyError(store: RegistryStore, command: string): PromptgateError {
  return new PromptgateError('STORE_READ_ONLY', `${command}: the store ${store.url} is read-only`, {
    location: { file: '--store' },
    hint: 'https:// stores serve what `publish --store file:<dir>` wrote: write to that folder (or to PostgreSQL) and publish the folder again',
  });
}

/** One line naming each prompt without a receipt, its hash, and the command that would make one. */
async function noReceiptError(config: ResolvedConfig, store: RegistryStore, lacking: PromptFile[], searches: Map<string, ReceiptSearch>): Promise<PromptgateError> {
  const suites = await suitesByPrompt(config);
  // The baseline to suggest: the version production serves (found in git history by `@version`), else main.
  const live = new Map((await store.labels('production').catch(() => [])).map((s) => [s.id, s.version]));
  const reports = toProjectPath(config.paths.reports, config.rootDir) || '.';
  const parts = lacking.map((p) => {
    const suite = suites.get(p.id)?.[0];
    const search = searches.get(p.id)!;
    const nearest = !search.found && search.nearest ? ` (newest run of it, ${search.nearest.runFile}: ${search.nearest.reason})` : '';
    const baseline = live.has(p.id) && live.get(p.id) !== p.version ? `@${live.get(p.id)}` : 'main';
    const todo = suite
      ? `run \`promptgate compare ${suite} --baseline ${baseline}\`, or \`promptgate run ${suite}\` with gate.minPassRate set`
      : `no suite runs it: add its cases (evals/${p.id}.csv) and run \`promptgate compare ${p.id} --baseline ${baseline}\``;
    return `${p.id} ${p.version} (hash ${p.hash}) has no passing gate receipt in ${reports}/${nearest}: ${todo}`;
  });
  return new PromptgateError('REGISTRY_NO_RECEIPT', `publish refused: ${parts.join('; ')}`, {
    hint: 'or publish it anyway with --force --reason "…", which is recorded',
    exitCode: 1,
  });
}

/** Suite names per prompt id (empty when the suites cannot be resolved: the hint then names the id). */
async function suitesByPrompt(config: ResolvedConfig): Promise<Map<string, string[]>> {
  const byPrompt = new Map<string, string[]>();
  try {
    for (const plan of await resolveSuites(config)) byPrompt.set(plan.prompt.id, [...(byPrompt.get(plan.prompt.id) ?? []), plan.name]);
  } catch {
    // A broken suite is `check`'s to report; the message falls back to the prompt id.
  }
  return byPrompt;
}

/** The commit the working tree is at, and whether each prompt file differs from it (null / false outside git). */
async function sourceOf(rootDir: string, prompts: PromptFile[]): Promise<Map<string, { commit: string | null; dirty: boolean }>> {
  const commit = (await lookupRevision(rootDir, 'HEAD')).commit ?? null;
  const result = new Map<string, { commit: string | null; dirty: boolean }>();
  for (const prompt of prompts) {
    let dirty = false;
    if (commit) {
      const status = await git(rootDir, ['status', '--porcelain', '--untracked-files=all', '--', join(rootDir, prompt.path)]);
      dirty = !status.ok || status.stdout.trim() !== '';
    }
    result.set(prompt.id, { commit, dirty });
  }
  return result;
}
