import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { inputError, isPromptgateError } from '../errors.js';
import { CONFIG_FILE_NAMES } from './defaults.js';
import { importProjectModule } from './import-module.js';
import { loadGraderModules } from './plugins.js';
import { resolveConfig } from './resolve.js';
import type { ConfigOverrides, ResolvedConfig, UserConfig } from './types.js';
import { validateUserConfig } from './validate.js';

export interface LoadConfigOptions {
  /** Where to look for eval.config.{ts,mts,js,mjs}; the project root when no file is found. */
  cwd: string;
  /** `--config <file>` (relative to `cwd`): must exist. */
  configFile?: string;
  /** Command-line flags; they win over the config. */
  overrides?: ConfigOverrides;
}

/**
 * Finds, loads, validates and resolves the config. With no config file the defaults apply
 * (convention mode). The project root is the config file's folder (else `cwd`): the config's
 * relative paths are relative to it.
 *
 * Throws PromptgateError: FILE_MISSING (a given `configFile` does not exist), CONFIG_LOAD (the file
 * throws or does not parse), CONFIG_INVALID / MODEL_UNKNOWN (see validateUserConfig).
 */
export async function loadConfig(options: LoadConfigOptions): Promise<ResolvedConfig> {
  const cwd = resolve(options.cwd);
  const file = findConfigFile(cwd, options.configFile);
  let config: ResolvedConfig;
  if (file === undefined) {
    config = resolveConfig({}, cwd, undefined, options.overrides);
  } else {
    const label = displayPath(cwd, file);
    const { config: user, source } = await loadUserConfigAndSource(file, label);
    config = resolveConfig(user, dirname(file), file, options.overrides, { label, source });
  }
  // Reporter modules are imported now, so a broken one is an input error before anything runs.
  for (const entry of config.reporters) if (typeof entry !== 'string') await entry.load?.();
  return config;
}

/** The config file's absolute path: `configFile` if given (it must exist), else the first of CONFIG_FILE_NAMES in `cwd`. */
export function findConfigFile(cwd: string, configFile?: string): string | undefined {
  if (configFile !== undefined) {
    const file = resolve(cwd, configFile);
    if (!existsSync(file)) throw inputError('FILE_MISSING', `${configFile}: config file not found`, { file: configFile });
    return file;
  }
  return CONFIG_FILE_NAMES.map((name) => join(cwd, name)).find((file) => existsSync(file));
}

/**
 * Imports a config module (TypeScript without a build step, via jiti) and validates its default
 * export: a config object, or a (possibly async) function returning one; with the file's text (for
 * the lines of later messages). `label` names the file in messages (a path relative to the working
 * directory). Module-path graders are imported here.
 */
async function loadUserConfigAndSource(file: string, label: string): Promise<{ config: UserConfig; source: string }> {
  const source = readFileSync(file, 'utf8');
  let exported: unknown;
  try {
    const module = await importProjectModule(file, source);
    if (!module || typeof module !== 'object' || !('default' in module)) {
      throw inputError('CONFIG_INVALID', `${label}: no default export (write \`export default defineConfig({ ... })\`)`, { file: label });
    }
    exported = module.default;
    if (typeof exported === 'function') exported = await (exported as () => unknown)();
  } catch (error) {
    if (isPromptgateError(error)) throw error;
    throw loadError(error, file, label);
  }
  if (!isPlainObject(exported)) {
    const line = lineOfDefaultExport(source);
    throw inputError('CONFIG_INVALID', `${label}${line ? `:${line}` : ''}: the default export must be a config object (\`export default defineConfig({ ... })\`), got ${kindOf(exported)}`, { file: label, line });
  }
  const config = await loadGraderModules(validateUserConfig(exported, label, source), dirname(file), { label, source });
  return { config, source };
}

/** CONFIG_LOAD with the first line of the error and the config's own line when the stack has it; never the stack. */
function loadError(error: unknown, file: string, label: string) {
  let message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name !== 'Error' && !message.startsWith(error.name)) message = `${error.name}: ${message}`;
  const firstLine = (message.split('\n').map((line) => line.trim()).find((line) => line.length > 0) ?? 'unknown error').slice(0, 300);
  const stack = `${message}\n${error instanceof Error ? (error.stack ?? '') : ''}`;
  // A natively imported .mjs shows as file:///…/eval.config.mjs?v=…:line.
  const at = new RegExp(`${escapeRegExp(file)}(?:\\?[^:\\s]*)?:(\\d+)(?::\\d+)?`).exec(stack);
  const line = at ? Number(at[1]) : undefined;
  return inputError('CONFIG_LOAD', `${label}${line ? `:${line}` : ''}: failed to load: ${firstLine}`, { file: label, line });
}

/** Line of `export default` in the config's text, when it is written there. */
function lineOfDefaultExport(source: string): number | undefined {
  const index = source.search(/^[ \t]*export\s+default\b/m);
  return index === -1 ? undefined : source.slice(0, index).split('\n').length;
}

function displayPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel && !isAbsolute(rel) ? rel.split('\\').join('/') : file;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!value || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object that is not a plain object' : `${/^[aeiou]/.test(typeof value) ? 'an' : 'a'} ${typeof value}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
