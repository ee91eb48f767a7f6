import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { loadYaml } from '../prompts/lazy.js';
import { type RewriteId, expandVariableLists, resolveVariableReferences, stripTrailingNewlines } from './rewrites.js';

/** A case's variables as promptfoo renders them, or why they cannot be converted. */
export type VarsOutcome = { vars: Record<string, unknown>; rewrites: RewriteId[] } | { problem: string; hint?: string };

const MEDIA = /\.(?:jpe?g|png|gif|bmp|webp|svg|tiff?|ico|avif|heic|heif|mp4|webm|ogg|mov|avi|wmv|mkv|m4v|mp3|wav|flac|m4a|aac|pdf)$/i;
const CODE = /\.(?:js|cjs|mjs|ts|cts|mts|py)(?::[\w.$]+)?$/i;

/**
 * promptfoo's generateVarCombinations: a `file://` glob value becomes one case per matching file,
 * a list of strings one case per item (every combination). Paths are relative to `baseDir` (the
 * config's folder). Returns the combinations (their `file://` values still unread).
 */
export async function expandVars(vars: Record<string, unknown>, baseDir: string, disabled: boolean): Promise<{ combinations: Array<Record<string, unknown>>; expanded: boolean } | { problem: string }> {
  if (disabled) return { combinations: [vars], expanded: false };
  const withFiles: Record<string, unknown> = {};
  let expanded = false;
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value === 'string' && value.startsWith('file://') && /[*?[\]{}]/.test(value)) {
      const { glob } = await import('tinyglobby');
      const files = (await glob(value.slice(7), { cwd: baseDir })).sort();
      if (files.length === 0) return { problem: `no files match variable '${key}' (${value})` };
      withFiles[key] = files.map((file) => `file://${file}`);
      expanded = true;
    } else {
      withFiles[key] = value;
      if (Array.isArray(value) && typeof value[0] === 'string') expanded = true;
    }
  }
  return { combinations: expandVariableLists(withFiles), expanded };
}

/**
 * The values promptfoo renders a prompt with: `file://` values read (text trimmed, YAML as JSON
 * text; code, media and PDFs are problems), one trailing newline removed, `{{other}}` references
 * substituted. A value that would still be rendered as a Nunjucks template is a problem.
 */
export async function materializeVars(vars: Record<string, unknown>, baseDir: string): Promise<VarsOutcome> {
  const rewrites = new Set<RewriteId>();
  const loaded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value !== 'string' || !value.startsWith('file://')) {
      loaded[key] = value;
      continue;
    }
    const path = value.slice(7);
    if (CODE.test(path)) return { problem: `variable '${key}' is computed by ${path} at run time`, hint: 'run it once and put its output in the case' };
    if (MEDIA.test(path)) return { problem: `variable '${key}' loads ${path} as an image, audio, video or PDF`, hint: 'promptgate variables are text' };
    let text: string;
    try {
      text = await readFile(resolve(baseDir, path), 'utf8');
    } catch {
      return { problem: `variable '${key}': ${path} cannot be read` };
    }
    const ext = extname(path).toLowerCase();
    if (ext === '.yaml' || ext === '.yml') {
      try {
        loaded[key] = JSON.stringify(loadYaml().parse(text));
      } catch {
        return { problem: `variable '${key}': ${path} is not valid YAML` };
      }
    } else {
      loaded[key] = text.trim();
    }
    rewrites.add('var-file');
  }
  const stripped = stripTrailingNewlines(loaded);
  if (stripped.changed) rewrites.add('var-newline');
  const resolved = resolveVariableReferences(stripped.vars);
  if (resolved.changed) rewrites.add('var-reference');
  for (const [key, value] of Object.entries(resolved.vars)) {
    if (typeof value === 'string' && rendersAsTemplate(value, resolved.vars)) {
      return { problem: `variable '${key}' holds a Nunjucks template, which promptfoo renders before the prompt`, hint: 'write the rendered text in the case' };
    }
  }
  return { vars: resolved.vars, rewrites: [...rewrites] };
}

/** Whether promptfoo renders a variable's value as a template: it has tags and every name it uses is defined. */
function rendersAsTemplate(value: string, vars: Record<string, unknown>): boolean {
  if (!/{{|{%/.test(value)) return false;
  const names = [...value.matchAll(/{{-?\s*([A-Za-z_]\w*)/g), ...value.matchAll(/{%-?\s*(?:if|for\s+\w+\s+in|elif)\s+([A-Za-z_]\w*)/g)].map((match) => match[1]);
  return names.every((name) => name === 'env' || vars[name] !== undefined);
}

/**
 * promptfoo's readTestFiles: `vars: vars.yaml` (or a list of paths and globs, relative to the test's
 * file) loads each YAML / JSON file and merges the objects, later files winning. Like promptfoo, a
 * path is resolved as written (a `file://` prefix is not stripped); one that matches no file is a
 * problem (promptfoo would run the test without its variables).
 */
export async function readVarsFiles(value: string | string[], baseDir: string): Promise<Record<string, unknown> | { problem: string }> {
  const { glob, isDynamicPattern } = await import('tinyglobby');
  const merged: Record<string, unknown> = {};
  for (const item of Array.isArray(value) ? value : [value]) {
    const full = resolve(baseDir, item);
    const files = isDynamicPattern(item) ? (await glob(full.split('\\').join('/'), { absolute: true })).sort() : existsSync(full) ? [full] : [];
    if (files.length === 0) return { problem: `variables file ${item} matches no file (promptfoo reads it relative to the test's file, as written)` };
    for (const file of files) {
      let parsed: unknown;
      try {
        parsed = loadYaml().parse(await readFile(file, 'utf8'));
      } catch {
        return { problem: `variables file ${item} cannot be read as YAML or JSON` };
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { problem: `variables file ${item} does not hold an object of variables` };
      Object.assign(merged, parsed);
    }
  }
  return merged;
}
