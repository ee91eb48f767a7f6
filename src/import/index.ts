import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { CONFIG_FILE_NAMES } from '../config/defaults.js';
import { inputError, isPromptgateError } from '../errors.js';
import { stableStringify } from '../util/hash.js';
import type { AssertContext } from './assertions.js';
import { PROMPTFOO_DEFAULT_GRADER, renderConfig, type EmittedSuite } from './emit-config.js';
import { renderPromptFile } from './emit-prompt.js';
import { filterMatches, convertPrompts, plainVariables } from './prompts.js';
import { convertGradingProvider, convertProviders } from './providers.js';
import { asRecord, at, readYamlSource, relativePath } from './source.js';
import { PROMPTFOO_DEFAULT_EMBEDDING, PROMPTFOO_DEFAULT_MODERATION } from './promptfoo-cells.js';
import { convertTests, readDefaultTest } from './test-cases.js';
import { Findings, type ImportNote, type ImportProblem, type ImportedModel, type OutputFile } from './types.js';


/** The config names promptfoo looks for, in its order (YAML and JSON: the forms `import` reads). */
export const PROMPTFOO_CONFIG_NAMES = ['promptfooconfig.yaml', 'promptfooconfig.yml', 'promptfooconfig.json'];

export interface ImportPromptfooOptions {
  /** The promptfoo config (relative to `cwd`). @default promptfooconfig.yaml|.yml|.json in `cwd` */
  config?: string;
  /** Folder to write the promptgate project into. @default the promptfoo config's folder */
  out?: string;
  /** Overwrite files the import writes that already exist. @default false */
  force?: boolean;
  /** Load the written project as `promptgate check` does; what it refuses becomes a problem. @default true */
  validate?: boolean;
  cwd: string;
}

export interface ImportPromptfooResult {
  /** Files written, relative to the output folder. */
  written: string[];
  /** Files that already held exactly what the import would write (left alone: importing twice changes nothing). */
  unchanged: string[];
  /** Things not converted (each a line of output; exit 1). */
  problems: ImportProblem[];
  /** Rewrites and differences worth knowing (exit code unchanged). */
  notes: ImportNote[];
  /** The output folder (absolute). */
  outDir: string;
  prompts: number;
  caseFiles: number;
  models: number;
}

/** promptfoo config keys that change nothing promptgate runs or grades: ignored without a word. */
const IGNORED_KEYS = new Set(['description', 'prompts', 'providers', 'targets', 'tests', 'defaultTest', 'scenarios', 'evaluateOptions', 'outputPath', 'sharing', 'tags', 'writeLatestResults', 'metadata', 'tracing', 'commandLineOptions', 'version']);

/**
 * `promptgate import promptfoo`: converts a promptfoo project (its YAML / JSON config and the files
 * it names) into a promptgate project: `prompts/<id>.prompt`, `evals/…` and `eval.config.ts`.
 * Throws PromptgateError (exit 2, nothing written) for a missing or unparsable config and for
 * files it would overwrite without `force`. What it cannot convert is listed in `problems`.
 */
export async function importPromptfoo(options: ImportPromptfooOptions): Promise<ImportPromptfooResult> {
  const configAbs = findConfig(options);
  const root = dirname(configAbs);
  const outDir = options.out ? resolve(options.cwd, options.out) : root;
  const config = await readYamlSource(configAbs, root);
  const data = asRecord(config.data);
  if (!data) throw inputError('CONFIG_INVALID', 'a promptfoo config must be a YAML mapping (prompts, providers, tests, …)', { file: config.file, line: 1 });
  const findings = new Findings();

  const prompts = await convertPrompts(config, root, findings);
  const models = await convertProviders(config, root, findings);
  for (const key of Object.keys(data)) {
    if (!IGNORED_KEYS.has(key)) findings.problem(at(config, [key]), `config key '${key}' is not converted${KEY_WHY[key] ?? ''}`);
  }
  const evaluate = asRecord(data.evaluateOptions) ?? {};
  const concurrency = typeof evaluate.maxConcurrency === 'number' ? evaluate.maxConcurrency : undefined;
  const repeat = typeof evaluate.repeat === 'number' && evaluate.repeat > 1 ? evaluate.repeat : undefined;

  const defaultTest = await readDefaultTest(config, root, findings);
  let judge: { model: ImportedModel; promptfooDefault: boolean } | undefined;
  if (defaultTest.gradingProvider !== undefined && defaultTest.gradingProviderAt) {
    const { source, path } = defaultTest.gradingProviderAt;
    const converted = await convertGradingProvider(defaultTest.gradingProvider, source, path, root, uniqueName('judge', models), findings);
    if (converted) judge = { model: models.find((model) => sameModel(model, converted)) ?? converted, promptfooDefault: false };
  }
  const judgeKey = defaultTest.gradingProvider === undefined ? undefined : providerKey(defaultTest.gradingProvider);

  const base = prompts.length === 1 ? prompts[0].id : 'tests';
  const referenced = new Set<string>();
  const modelGraded = { used: false };
  const endpoints = { embedding: false, moderation: false };
  const assertContext: Omit<AssertContext, 'caseDir'> = {
    findings,
    configDir: root,
    outDir,
    isJudge: (provider) => judgeKey !== undefined && providerKey(provider) === judgeKey,
    referenced,
    modelGraded,
    endpoints,
  };
  const promptVars = [...new Set(prompts.flatMap(plainVariables))];
  const { files: caseFiles, suiteAssert } = await convertTests(config, { ...assertContext, root, evalsDir: join(outDir, 'evals'), base, promptVars, defaultTest });
  if (modelGraded.used && !judge) {
    judge = { model: { name: uniqueName('judge', models), provider: 'openai', model: PROMPTFOO_DEFAULT_GRADER, params: {}, sourceId: `openai:${PROMPTFOO_DEFAULT_GRADER}`, origin: { file: config.file } }, promptfooDefault: true };
    findings.note({ file: config.file }, `no grading provider is named: the judge is promptfoo's default, openai:${PROMPTFOO_DEFAULT_GRADER} (set defaultTest.options.provider to choose another)`);
  }

  // promptfoo's embedding and moderation providers: the grading provider's `embedding` when named, else its defaults.
  const embedding = endpoints.embedding ? await endpointModel('embedding', PROMPTFOO_DEFAULT_EMBEDDING) : undefined;
  const moderation = endpoints.moderation ? await endpointModel('moderation', PROMPTFOO_DEFAULT_MODERATION) : undefined;
  async function endpointModel(kind: 'embedding' | 'moderation', fallback: string): Promise<ImportedModel | undefined> {
    const named = kind === 'embedding' ? asRecord(defaultTest.gradingProvider)?.embedding : undefined;
    const name = uniqueName(kind, [...models, ...(judge ? [judge.model] : [])]);
    if (named !== undefined && defaultTest.gradingProviderAt) {
      const { source, path } = defaultTest.gradingProviderAt;
      return convertGradingProvider(named, source, [...path, 'embedding'], root, name, findings, { endpoint: true });
    }
    findings.note({ file: config.file }, `${kind === 'embedding' ? 'similar / answer-relevance' : 'moderation'} grade with promptfoo's default ${kind} model, openai:${fallback}`);
    return { name, provider: 'openai', model: fallback, params: {}, sourceId: `openai:${kind}:${fallback}`, origin: { file: config.file } };
  }

  const files: OutputFile[] = [];
  const suites: EmittedSuite[] = [];
  const casesPath = caseFiles.length === 1 ? `evals/${caseFiles[0].stem}.${caseFiles[0].ext}` : caseFiles.length > 1 ? `evals/${base}/` : undefined;
  for (const file of caseFiles) files.push({ path: caseFiles.length === 1 ? `evals/${file.stem}.${file.ext}` : `evals/${base}/${file.stem}.${file.ext}`, content: file.content });
  for (const prompt of prompts) {
    const runOn = models.filter((model) => !model.promptFilter || model.promptFilter.some((filter) => filterMatches(filter, prompt)));
    if (runOn.length === 0) {
      findings.note(prompt.origin, `prompt '${prompt.id}' is not written: no provider runs it`);
      continue;
    }
    files.push({ path: `prompts/${prompt.id}.prompt`, content: renderPromptFile(prompt) });
    suites.push({ name: prompt.id, prompt: prompt.id, cases: casesPath, models: runOn.map((model) => model.name), assert: suiteAssert });
  }
  const ourCases = new Set(files.filter((file) => file.path.startsWith('evals/')).map((file) => file.path));
  const ignoreCases = outDir === root ? await strayCaseFiles(outDir, ourCases) : [];
  files.push({
    path: 'eval.config.ts',
    content: renderConfig({ configFile: config.file, description: typeof data.description === 'string' ? data.description : undefined, models, judge, embedding, moderation, defaultModel: models[0]?.name, suites, concurrency, repeat, ignoreCases }),
  });
  const copies = outDir === root ? [] : await plannedCopies(referenced, root, findings);
  const planned = [...files.map((file) => ({ path: file.path, content: () => Promise.resolve(Buffer.from(file.content)) })), ...copies.map((copy) => ({ path: copy.to, content: () => readFile(copy.from) }))];
  const unchanged = new Set<string>();
  for (const { path, content } of planned) {
    const target = join(outDir, path);
    if (existsSync(target) && (await readFile(target)).equals(await content())) unchanged.add(path);
  }
  await checkConflicts(planned.map((file) => file.path).filter((path) => !unchanged.has(path)), { outDir, cwd: options.cwd, force: options.force === true });

  const written: string[] = [];
  for (const { path, content } of planned) {
    if (unchanged.has(path)) continue;
    const target = join(outDir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await content());
    written.push(path);
  }
  if (options.validate !== false) await validateOutput(outDir, findings);
  const { problems, notes } = findings.sorted();
  return {
    written,
    unchanged: [...unchanged],
    problems,
    notes,
    outDir,
    prompts: suites.length,
    caseFiles: caseFiles.length,
    models: models.length,
  };
}

const KEY_WHY: Record<string, string> = {
  env: ': promptgate reads keys and settings from the environment it runs in',
  nunjucksFilters: ': promptgate templates have no custom filters',
  extensions: ': promptgate has no extension hooks',
  derivedMetrics: ': promptgate reports pass rates and scores per suite',
  redteam: ': red-team generation is promptfoo\'s',
  assertionTemplates: ': write the assertions out in the tests',
};

function findConfig(options: ImportPromptfooOptions): string {
  if (options.config) {
    const abs = resolve(options.cwd, options.config);
    if (!existsSync(abs)) throw inputError('FILE_MISSING', 'promptfoo config not found', { file: options.config });
    const ext = extname(abs).toLowerCase();
    if (!['.yaml', '.yml', '.json'].includes(ext)) {
      throw inputError('CONFIG_INVALID', 'only YAML and JSON promptfoo configs can be imported', { file: options.config }, 'save the config as promptfooconfig.yaml');
    }
    return abs;
  }
  const found = PROMPTFOO_CONFIG_NAMES.map((name) => join(options.cwd, name)).find((file) => existsSync(file));
  if (!found) {
    const script = ['promptfooconfig.js', 'promptfooconfig.ts', 'promptfooconfig.cjs', 'promptfooconfig.mjs'].find((name) => existsSync(join(options.cwd, name)));
    if (script) throw inputError('CONFIG_INVALID', 'only YAML and JSON promptfoo configs can be imported', { file: script }, 'save the config as promptfooconfig.yaml');
    throw inputError('FILE_MISSING', 'no promptfoo config here (promptfooconfig.yaml, .yml or .json)', { file: 'promptfooconfig.yaml' }, 'name the config: promptgate import promptfoo <file>');
  }
  return found;
}

function uniqueName(base: string, models: ImportedModel[]): string {
  let name = base;
  for (let n = 2; models.some((model) => model.name === name); n++) name = `${base}-${n}`;
  return name;
}

function sameModel(a: ImportedModel, b: ImportedModel): boolean {
  return a.provider === b.provider && a.model === b.model && a.baseURL === b.baseURL && a.apiKeyEnv === b.apiKeyEnv && stableStringify(a.params) === stableStringify(b.params);
}

/** A grading provider's identity: its id and config (a bare id and `{id}` are the same). */
function providerKey(provider: unknown): string {
  const record = asRecord(provider);
  if (typeof provider === 'string') return stableStringify({ id: provider, config: {} });
  if (record && typeof record.id === 'string') return stableStringify({ id: record.id, config: record.config ?? {} });
  if (record && record.text !== undefined) return providerKey(record.text);
  return stableStringify(provider);
}

/** Case files already under evals/ that the import does not write: listed in ignoreCases so promptgate does not refuse them as orphans. */
async function strayCaseFiles(outDir: string, ours: Set<string>): Promise<string[]> {
  if (!existsSync(join(outDir, 'evals'))) return [];
  const { glob } = await import('tinyglobby');
  const found = await glob('evals/**/*.{csv,jsonl}', { cwd: outDir });
  return found.filter((file) => !ours.has(file)).sort();
}

/** Files `file://` values name, copied to the same place under `--out`. */
async function plannedCopies(referenced: Set<string>, root: string, findings: Findings): Promise<Array<{ from: string; to: string }>> {
  const copies: Array<{ from: string; to: string }> = [];
  for (const file of [...referenced].sort()) {
    const rel = relativePath(root, file);
    if (rel.startsWith('..') || !existsSync(file)) {
      if (!existsSync(file)) findings.problem({ file: rel }, 'a file an assertion names does not exist');
      else findings.problem({ file: rel }, 'a file an assertion names lies outside the promptfoo project and is not copied to --out');
      continue;
    }
    copies.push({ from: file, to: rel });
  }
  return copies;
}

/** Refuses (exit 2, nothing written) when a file the import would change exists, unless `force`. */
async function checkConflicts(paths: string[], { outDir, cwd, force }: { outDir: string; cwd: string; force: boolean }): Promise<void> {
  if (force) return;
  const existing = paths.filter((path) => existsSync(join(outDir, path)));
  const config = CONFIG_FILE_NAMES.find((name) => name !== 'eval.config.ts' && existsSync(join(outDir, name)));
  if (config) existing.unshift(config);
  if (existing.length === 0) return;
  const more = existing.length > 1 ? ` (and ${existing.length - 1} more: ${existing.slice(1, 4).join(', ')}${existing.length > 4 ? ', …' : ''})` : '';
  throw inputError('FILE_EXISTS', `already exists${more}; nothing was written`, { file: relative(cwd, join(outDir, existing[0])).split('\\').join('/') }, 'use --force to overwrite the files the import writes, or --out <dir>');
}

/** Loads the written project as `promptgate check` does; what it refuses becomes a problem. */
async function validateOutput(outDir: string, findings: Findings): Promise<void> {
  try {
    const { loadConfig } = await import('../config/load.js');
    const { resolveSuites } = await import('../runner/plan.js');
    const { validateSuites } = await import('../runner/validate.js');
    const config = await loadConfig({ cwd: outDir });
    await validateSuites(config, await resolveSuites(config, { orphans: true }));
  } catch (error) {
    if (!isPromptgateError(error)) throw error;
    findings.problem(error.location ?? { file: 'eval.config.ts' }, `the imported project does not pass \`promptgate check\`: ${error.message}`, error.hint);
  }
}
