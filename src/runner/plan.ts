import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { Assertion } from '../cases/types.js';
import { assertionFromConfig, parseGraderSpec, resolveCaseFiles } from '../cases/index.js';
import { findOrphanCaseFiles, orphanCaseFileError, type OrphanCheckInput } from '../cases/orphans.js';
import { formatPath } from '../config/schema-errors.js';
import { findSecretParam } from '../config/secrets.js';
import { findLine, type PathSegment } from '../config/source-line.js';
import type { ResolvedConfig, SuiteConfig } from '../config/types.js';
import { inputError, isPromptgateError, type ErrorCode, type PromptgateError } from '../errors.js';
import { listPromptFiles, loadPromptFile } from '../prompts/index.js';
import type { PromptFile } from '../prompts/types.js';

/** One suite, resolved: its working-tree prompt, case files, models and settings. */
export interface SuitePlan {
  name: string;
  prompt: PromptFile;
  /** Absolute path of the prompt file. */
  promptPath: string;
  /** Absolute paths of its case files (may be empty: listed, never run). */
  caseFiles: string[];
  models: string[];
  repeat: number;
  concurrency?: number;
  /** Suite-level assertions applied to every case. */
  assert: Assertion[];
  /** The suite's config entry, when it came from `suites`. */
  config?: SuiteConfig;
}

export interface PlanOptions {
  /** Suite names (or prompt ids) to keep; all when empty. */
  only?: string[];
  /** `--model`: overrides every suite's models. */
  models?: string[];
  /** `--repeat` */
  repeat?: number;
  /**
   * Refuse (CASE_INVALID, exit 2) a case file under `evals` that no suite reads -- selected or
   * not -- unless `ignoreCases` lists it: its cases would silently never run. @default false
   */
  orphans?: boolean;
}

/** Resolves the suites: `suites` from the config, else the prompts/ ↔ evals/ convention. */
export async function resolveSuites(config: ResolvedConfig, options: PlanOptions = {}): Promise<SuitePlan[]> {
  const promptFiles = config.suites && !options.orphans ? [] : await listPromptFiles(config.paths.prompts);
  const entries: SuiteConfig[] = config.suites ?? promptFiles.map((file) => ({ prompt: file }));
  /** Case files some suite reads, selected or not, and the prompts that have a suite (for `orphans`). */
  const claimed = new Set<string>();
  const suitePrompts = new Set<string>();
  const where = config.configFile ? relative(config.rootDir, config.configFile) : 'config';
  const configError = configErrorFor(config, where);
  const plans: SuitePlan[] = [];
  const names = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const promptPath = resolvePromptPath(entry.prompt, config, (code, message) => configError(code, ['suites', index, 'prompt'], entry.prompt, message));
    if (!existsSync(promptPath)) {
      throw configError('FILE_MISSING', ['suites', index, 'prompt'], entry.prompt, `prompt file not found: ${relative(config.rootDir, promptPath)}`);
    }
    const prompt = await loadPromptFile(promptPath, config.rootDir);
    const secret = findSecretParam(prompt.config, ['config']);
    if (secret) {
      throw inputError('PROMPT_INVALID', `${formatPath(secret)} looks like a credential`, { file: prompt.path, line: frontMatterLine(prompt.source, 'config') }, 'API keys come from the environment only (the model\'s `apiKeyEnv`)');
    }
    const name = entry.name ?? prompt.id;
    if (names.has(name)) throw inputError('CONFIG_INVALID', `suites[${index}]: duplicate suite name "${name}"`, { file: where });
    names.add(name);
    suitePrompts.add(prompt.id);
    if (options.only?.length && !options.only.includes(name) && !options.only.includes(prompt.id)) {
      if (options.orphans) for (const file of await resolveCaseFiles(entry.cases, prompt.id, config.paths.evals, config.rootDir).catch(() => [])) claimed.add(file);
      continue;
    }
    const caseFiles = await resolveCaseFiles(entry.cases, prompt.id, config.paths.evals, config.rootDir).catch((error: unknown) => {
      // A `cases` path from the config: say where it was written.
      if (entry.cases === undefined || !isPromptgateError(error)) throw error;
      throw configError(error.code, ['suites', index, 'cases'], entry.cases, error.message, error.hint);
    });
    for (const file of caseFiles) claimed.add(file);
    const models = options.models?.length ? options.models : entry.models?.length ? entry.models : prompt.model ? [prompt.model] : config.defaultModel ? [config.defaultModel] : [];
    if (models.length === 0) {
      throw inputError('MODEL_UNKNOWN', `no model for suite "${name}": set \`model\` in the prompt's front matter, \`models\` on the suite, or \`defaultModel\``, { file: prompt.path });
    }
    for (const model of models) {
      if (!config.models[model]) {
        const known = Object.keys(config.models);
        const message = `unknown model "${model}" (known: ${known.length ? known.join(', ') : 'none configured'})`;
        if (options.models?.includes(model)) throw inputError('MODEL_UNKNOWN', message, { file: '--model' });
        if (entry.models?.includes(model)) throw configError('MODEL_UNKNOWN', ['suites', index, 'models'], model, message);
        throw inputError('MODEL_UNKNOWN', message, { file: prompt.path, line: frontMatterLine(prompt.source, 'model') });
      }
    }
    const assert = (entry.assert ?? []).map((spec, i) => {
      const source = { file: where, line: 0 };
      let assertion: Assertion;
      try {
        assertion = typeof spec === 'string' ? parseGraderSpec(spec, source) : assertionFromConfig(spec, source);
      } catch (error) {
        // Name the line of the config that holds the entry (a typo such as `startswith:` included).
        if (!isPromptgateError(error)) throw error;
        const value = typeof spec === 'string' ? spec : typeof spec?.type === 'string' ? spec.type : '';
        throw configError(error.code, ['suites', index, 'assert', i], value, error.message, error.hint);
      }
      return { ...assertion, source: { file: `${where} (suites[${index}].assert[${i}])` } };
    });
    assert.push(...outputAssertions(prompt));
    plans.push({
      name,
      prompt,
      promptPath,
      caseFiles,
      models,
      repeat: options.repeat ?? entry.repeat ?? config.repeat,
      concurrency: entry.concurrency,
      assert,
      config: config.suites ? entry : undefined,
    });
  }
  if (options.only?.length) {
    const missing = options.only.filter((name) => !plans.some((p) => p.name === name || p.prompt.id === name));
    if (missing.length) throw inputError('USAGE', `no suite named ${missing.map((m) => `"${m}"`).join(', ')}`, { file: where });
  }
  if (options.orphans) {
    const input: OrphanCheckInput = {
      rootDir: config.rootDir,
      evalsDir: config.paths.evals,
      promptsDir: config.paths.prompts,
      claimed,
      promptIds: promptFiles.map((file) => basename(file, '.prompt')),
      suitePrompts,
      ignore: config.ignoreCases,
      skip: [config.paths.reports, config.paths.fixtures, ...(config.paths.cache ? [config.paths.cache] : [])],
    };
    const orphans = await findOrphanCaseFiles(input);
    if (orphans.length > 0) throw orphanCaseFileError(orphans, input);
  }
  return plans;
}

function resolvePromptPath(spec: string, config: ResolvedConfig, fail: (code: ErrorCode, message: string) => PromptgateError): string {
  if (isAbsolute(spec)) return spec;
  if (spec.endsWith('.prompt') || spec.includes('/')) {
    const path = resolve(config.rootDir, spec);
    const rel = relative(config.rootDir, path);
    if (rel.startsWith('..')) throw fail('PATH_UNSAFE', `prompt path "${spec}" is outside the project`);
    return path;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(spec)) throw fail('PATH_UNSAFE', `prompt id "${spec}" is not a plain name`);
  return join(config.paths.prompts, `${basename(spec)}.prompt`);
}

/**
 * Errors about a suite entry name the config file, the line where the key's value is written
 * (found in the source when it can be) and the key path: `eval.config.ts:7: suites[0].cases: …`.
 */
function configErrorFor(config: ResolvedConfig, where: string) {
  let source: string | undefined | null = null;
  return (code: ErrorCode, path: PathSegment[], value: string, message: string, hint?: string): PromptgateError => {
    if (source === null) {
      try {
        source = config.configFile ? readFileSync(config.configFile, 'utf8') : undefined;
      } catch {
        source = undefined;
      }
    }
    const line = findLine(source, path, value);
    return inputError(code, `${formatPath(path)}: ${message}`, { file: where, line }, hint);
  };
}

/** File line of a front-matter key (`model:`) in a prompt's source, when present. */
function frontMatterLine(source: string, key: string): number | undefined {
  const index = source.split('\n').findIndex((line) => line.startsWith(`${key}:`));
  return index === -1 ? undefined : index + 1;
}

/** `output.schema` (or `output.format: json`) of a prompt grades every case of its suite. */
function outputAssertions(prompt: PromptFile): Assertion[] {
  const source = { file: prompt.path, line: 1 };
  if (prompt.outputSchema !== undefined) return [{ type: 'schema', negate: false, value: prompt.outputSchema, weight: 1, source, spec: 'schema (output.schema of the prompt)' }];
  if (prompt.outputFormat === 'json') return [{ type: 'is-json', negate: false, weight: 1, source, spec: 'is-json (output.format of the prompt)' }];
  return [];
}
