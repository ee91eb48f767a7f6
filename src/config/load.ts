import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inputError, isPromptgateError } from '../errors.js';
import { CONFIG_FILE_NAMES } from './defaults.js';
import { resolveConfig } from './resolve.js';
import type { ConfigOverrides, ResolvedConfig, UserConfig } from './types.js';
import { validateUserConfig } from './validate.js';

export { resolveConfig } from './resolve.js';

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
  if (file === undefined) return resolveConfig({}, cwd, undefined, options.overrides);
  const user = await loadUserConfig(file, displayPath(cwd, file));
  return resolveConfig(user, dirname(file), file, options.overrides);
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
 * export: a config object, or a (possibly async) function returning one. `label` names the file
 * in messages (a path relative to the working directory).
 */
export async function loadUserConfig(file: string, label = file): Promise<UserConfig> {
  const source = readFileSync(file, 'utf8');
  let exported: unknown;
  try {
    const module = await importConfigModule(file, source);
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
  return validateUserConfig(exported, label, source);
}

/**
 * A plain `.mjs` config that does not import promptgate is imported by Node itself (jiti costs
 * 20-60 ms of start-up); anything else goes through jiti, which compiles TypeScript and resolves
 * `promptgate` to this very package, so a config imports defineConfig even where promptgate is
 * not installed in the project (our own repo, a temp dir, a global install).
 */
async function importConfigModule(file: string, source: string): Promise<Record<string, unknown>> {
  if (file.endsWith('.mjs') && !/['"]promptgate['"]/.test(source)) {
    // The query makes an edited file a new module (Node caches modules by URL).
    const { mtimeMs, size } = statSync(file);
    try {
      return (await import(`${pathToFileURL(file).href}?v=${mtimeMs}-${size}`)) as Record<string, unknown>;
    } catch (error) {
      // Node's parse errors carry no line; jiti parses the file again and tells where.
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url, { interopDefault: true, moduleCache: false, alias: { promptgate: ownEntry() } });
  return jiti.import<Record<string, unknown>>(file);
}

/** This package's entry: dist/index.js when built, src/index.ts when running from source (tests). */
function ownEntry(): string {
  const built = fileURLToPath(new URL('../index.js', import.meta.url));
  return existsSync(built) ? built : fileURLToPath(new URL('../index.ts', import.meta.url));
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
