import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { inputError, isPromptgateError, type PromptgateError, type SourceLocation } from '../errors.js';
import type { JsGraderFunction } from '../graders/types.js';
import type { Reporter, ReporterEntry, ReporterOptions, ReporterPlugin } from '../reporters/types.js';
import { importProjectModule, resolveProjectPackage } from './import-module.js';
import { REPORTER_NAMES } from './schema.js';
import { findLine, type PathSegment } from './source-line.js';
import { closestMatch, didYouMean } from './suggest.js';
import type { ReporterName, ReporterSpec, UserConfig } from './types.js';

/**
 * Plug-ins the config names by module: custom reporters (`reporters`, `--reporter`) and named
 * graders (`graders`). A module is a path relative to the project root (`./`, `../`, or absolute)
 * or a package name resolved from there; its default export is the plug-in. Every problem is an
 * input error (exit 2) naming the config file and line (or `--reporter`), found when the config
 * loads, before anything runs.
 */

/** The config file as the user sees it: its name in messages and its text (for lines). */
export interface ConfigSite {
  label: string;
  source?: string;
}

const HOOKS = ['onRunStart', 'onCallDone', 'onNotice', 'onCaseResult', 'onRunEnd'] as const;
const BUILTIN_HINT = `built-in reporters: ${REPORTER_NAMES.join(', ')}; a module path starts with ./ or ../ and is relative to the project root`;

export function isBuiltinReporter(name: string): name is ReporterName {
  return (REPORTER_NAMES as readonly string[]).includes(name);
}

/** `./x`, `../x`, `/abs/x`, `C:\x`: a file; anything else not built in is a package name. */
function isPathSpecifier(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('.\\') || spec.startsWith('..\\') || isAbsolute(spec);
}

/**
 * The resolved `reporters`: built-in names kept, Reporter objects and modules as ReporterPlugins
 * (modules imported on `load()` or first `create`). `fromFlags`: the specs are `--reporter` values.
 */
export function reporterEntries(specs: readonly ReporterSpec[], rootDir: string, site: ConfigSite | undefined, fromFlags: boolean): ReporterEntry[] {
  const entries: ReporterEntry[] = [];
  const seen = new Set<unknown>();
  specs.forEach((spec, index) => {
    if (seen.has(spec)) return;
    seen.add(spec);
    const path: PathSegment[] = ['reporters', index];
    const locate = (value?: string, key: PathSegment[] = []): Located =>
      fromFlags ? { where: { file: '--reporter' }, name: JSON.stringify(value ?? '') } : { where: locationOf(site, [...path, ...key], value), name: `reporters[${index}]` };
    if (typeof spec === 'string') {
      entries.push(isBuiltinReporter(spec) ? spec : moduleReporter(spec, {}, rootDir, locate(spec)));
    } else if (Array.isArray(spec)) {
      const [module, options = {}] = spec;
      const at = locate(typeof module === 'string' ? module : undefined);
      if (typeof module !== 'string' || !isPlainObject(options)) throw pluginError(at, 'must be [module, options]: a module path or package name, then an options object');
      entries.push(isBuiltinReporter(module) && Object.keys(options).length === 0 ? module : moduleReporter(module, options, rootDir, at));
    } else {
      const problem = reporterProblem(spec);
      if (problem) throw pluginError(locate(typeof spec.name === 'string' ? spec.name : undefined, ['name']), problem.text, problem.hint);
      entries.push({ label: spec.name, create: async () => spec });
    }
  });
  return entries;
}

export interface Located {
  where: SourceLocation;
  /** `reporters[1]`, `graders.wordCount`, or the flag's value. */
  name: string;
}

/** A reporter module: imported once (on `load()` or the first `create`), its default export checked. */
export function moduleReporter(specifier: string, options: Record<string, unknown>, rootDir: string, at: Located): ReporterPlugin {
  let loaded: Promise<unknown> | undefined;
  const load = () => (loaded ??= importPlugin(specifier, rootDir, at, 'reporter').then((exported) => checkReporterExport(exported, specifier, at)));
  return {
    label: specifier,
    load: async () => {
      await load();
    },
    async create(context: ReporterOptions): Promise<Reporter> {
      const exported = await load();
      if (typeof exported !== 'function') return exported as Reporter;
      const made: unknown = await (exported as (o: object, c: ReporterOptions) => unknown)(options, context);
      const problem = reporterProblem(made);
      if (problem) throw pluginError(at, `the factory exported by "${specifier}" returned ${problem.text.replace(/^is /, '')}`, problem.hint);
      return made as Reporter;
    },
  };
}

function checkReporterExport(exported: unknown, specifier: string, at: Located): unknown {
  if (typeof exported === 'function') return exported;
  const problem = reporterProblem(exported);
  if (problem) throw pluginError(at, `"${specifier}" does not export a reporter: its default export ${problem.text}`, problem.hint);
  return exported;
}

/** Why a value is not a Reporter (a name, at least one hook, hooks as functions, no misspelt hook), or undefined. */
export function reporterProblem(value: unknown): { text: string; hint: string } | undefined {
  const hint = 'export default defineReporter({ name, onRunEnd(run, cases, runDir) { ... } }), or a factory (options) => reporter';
  if (!isObject(value)) return { text: `is ${kindOf(value)}`, hint };
  const reporter = value as Record<string, unknown>;
  if (typeof reporter.name !== 'string' || reporter.name === '') return { text: 'has no "name"', hint };
  for (const key of Object.keys(reporter)) {
    if (/^on[A-Z]/.test(key) && !(HOOKS as readonly string[]).includes(key)) {
      return { text: `has an unknown hook "${key}"${didYouMean(key, HOOKS)}`, hint: `hooks: ${HOOKS.join(', ')}` };
    }
  }
  for (const hook of HOOKS) {
    if (reporter[hook] !== undefined && typeof reporter[hook] !== 'function') return { text: `has a "${hook}" that is not a function`, hint };
  }
  if (!HOOKS.some((hook) => typeof reporter[hook] === 'function')) return { text: 'has none of the hooks', hint: `hooks: ${HOOKS.join(', ')}` };
  return undefined;
}

/** Imports every module-path grader of `graders` (relative to `rootDir`): each default export must be a function. */
export async function loadGraderModules(config: UserConfig, rootDir: string, site: ConfigSite): Promise<UserConfig> {
  const graders = config.graders;
  if (!graders || !Object.values(graders).some((value) => typeof value === 'string')) return config;
  const loaded: Record<string, JsGraderFunction> = {};
  for (const [name, value] of Object.entries(graders)) {
    if (typeof value !== 'string') {
      loaded[name] = value;
      continue;
    }
    const at: Located = { where: locationOf(site, ['graders', name], value), name: `graders.${name}` };
    const exported = await importPlugin(value, rootDir, at, 'grader');
    if (typeof exported !== 'function') {
      throw pluginError(at, `"${value}" does not export a grader: its default export is ${kindOf(exported)}`, 'export default defineGrader((output, context) => ({ pass, score, reason }))');
    }
    loaded[name] = exported as JsGraderFunction;
  }
  return { ...config, graders: loaded };
}

/** The default export of a plug-in module, or an input error saying what went wrong where. */
async function importPlugin(specifier: string, rootDir: string, at: Located, kind: 'reporter' | 'grader'): Promise<unknown> {
  let file: string | undefined;
  if (isPathSpecifier(specifier)) {
    file = resolve(rootDir, specifier);
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw pluginError(at, `${kind} module "${specifier}" not found`, `module paths are relative to the project root, ${rootDir}`);
    }
  } else {
    file = await resolveProjectPackage(specifier, rootDir);
    if (file === undefined) {
      if (kind === 'reporter') {
        const match = closestMatch(specifier, REPORTER_NAMES);
        const guess = match ? ` (did you mean "${match}"?)` : '';
        throw pluginError(at, `"${specifier}" is not a built-in reporter, and no package of that name is installed${guess}`, BUILTIN_HINT);
      }
      throw pluginError(at, `no package "${specifier}" is installed`, 'a module path starts with ./ or ../ and is relative to the project root');
    }
  }
  let module: Record<string, unknown>;
  try {
    module = await importProjectModule(file, readFileSync(file, 'utf8'));
  } catch (error) {
    if (isPromptgateError(error)) throw error;
    const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
    throw pluginError(at, `${kind} module "${specifier}" failed to load: ${message.split('\n')[0].slice(0, 300)}`, undefined, 'CONFIG_LOAD');
  }
  if (!module || !('default' in module)) {
    throw pluginError(at, `${kind} module "${specifier}" has no default export`, kind === 'reporter' ? 'export default defineReporter({ ... })' : 'export default defineGrader((output, context) => ...)');
  }
  return module.default;
}

function pluginError(at: Located, text: string, hint?: string, code: 'CONFIG_INVALID' | 'CONFIG_LOAD' = 'CONFIG_INVALID'): PromptgateError {
  const prefix = at.where.file === '--reporter' ? '' : `${at.name}: `;
  return inputError(code, `${prefix}${text}`, at.where, hint);
}

function locationOf(site: ConfigSite | undefined, path: PathSegment[], value?: string): SourceLocation {
  if (!site) return { file: 'config' };
  const line = findLine(site.source, path, value);
  return line === undefined ? { file: site.label } : { file: site.label, line };
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `${/^[aeiou]/.test(typeof value) ? 'an' : 'a'} ${typeof value}`;
}
