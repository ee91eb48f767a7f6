import type { Environment, Template } from 'nunjucks';
import { roleMarker } from './handlebars-env.js';
import { loadNunjucks } from './lazy.js';

/**
 * Nunjucks, as promptfoo renders its prompts and assertion values: no autoescaping, promptfoo's
 * `load` filter (JSON.parse) and nunjucks' own filters and globals (`range`, `cycler`, `joiner`).
 * What differs, on purpose:
 * - strict: a variable output while undefined (`{{ missing }}`, `{{ missing | upper }}`) is an
 *   error naming the line, never an empty string (promptfoo renders ''); `{% if missing %}`,
 *   `missing is defined` and `missing | default(…)` still work;
 * - one file: `{% include %}`, `{% import %}`, `{% from %}` and `{% extends %}` are refused (the
 *   content hash covers the prompt file alone), and so is `env` (promptfoo exposes the process
 *   environment: promptgate keeps secrets out of prompts);
 * - no prototype access: `x.constructor`, `x.__proto__` … read as undefined (nunjucks has no
 *   sandbox; this closes the known escape from a template to JavaScript).
 */

/** A problem found in a template, with its 1-based line in the template text. */
export interface NunjucksProblem {
  message: string;
  line: number;
}

/** Shared by every caller that analyses the same text (see analyzeNunjucks): read only. */
export interface NunjucksAnalysis {
  /** Root-level variable names the template reads, in order of first use. */
  readonly variables: readonly string[];
  /** The lines (1-based) each of them is read on. */
  readonly lines: ReadonlyMap<string, ReadonlySet<number>>;
  readonly problems: readonly NunjucksProblem[];
}

/** Thrown when a template cannot render (strict undefined, a filter's error): message and 1-based line. */
export class NunjucksRenderError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

/** Filters and globals promptfoo's environment adds to nunjucks' own. */
const GLOBAL_FUNCTIONS = new Set(['range', 'cycler', 'joiner']);
/** Filters that take a missing value on purpose. */
const LENIENT_FILTERS = new Set(['default', 'd']);
/** Property names a template may not read (the way out of a nunjucks template into JavaScript). */
const BLOCKED_MEMBERS = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);
/** Tags that read other files. */
const FILE_TAGS: Record<string, string> = { Include: 'include', Import: 'import', FromImport: 'from … import', Extends: 'extends' };

type Kind = 'prompt' | 'value';
const environments = new Map<Kind, Environment>();
const templates = new Map<Kind, Map<string, Template>>();
const TEMPLATE_CACHE_LIMIT = 1000;

/**
 * The environment for prompts (`kind: 'prompt'`, with the `role(name)` global that splits
 * messages) or for assertion values (`'value'`). Created on first use; nunjucks is loaded then.
 */
export function nunjucksEnvironment(kind: Kind): Environment {
  let env = environments.get(kind);
  if (env) return env;
  const nunjucks = loadNunjucks();
  hardenRuntime(nunjucks.runtime as unknown as RuntimeModule);
  env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: true });
  env.addFilter('load', (text: string) => JSON.parse(text));
  const filters = (env as unknown as { filters: Record<string, (...args: unknown[]) => unknown> }).filters;
  for (const [name, filter] of Object.entries(filters)) {
    if (LENIENT_FILTERS.has(name)) continue;
    // An undefined input stays undefined (nunjucks' filters would make it ''), so the output it
    // reaches fails strict undefined with its line.
    filters[name] = function (this: unknown, ...args: unknown[]) {
      return args[0] === undefined ? undefined : filter.apply(this, args);
    };
  }
  if (kind === 'prompt') env.addGlobal('role', roleMarker);
  environments.set(kind, env);
  return env;
}

/** Names a template may call that are functions of the environment, never variables. */
function globalNames(kind: Kind): Set<string> {
  return kind === 'prompt' ? new Set([...GLOBAL_FUNCTIONS, 'role']) : GLOBAL_FUNCTIONS;
}

const analyses = new Map<string, NunjucksAnalysis>();

/**
 * Parses a template and walks it: the root variables it reads, and what cannot work (a syntax
 * error, an unknown filter, a tag that reads another file, `env`). Never throws. Kept per text:
 * an assertion value is analysed again for every output it grades.
 */
export function analyzeNunjucks(source: string, kind: Kind): NunjucksAnalysis {
  const key = `${kind}\u0000${source}`;
  const known = analyses.get(key);
  if (known) return known;
  const analysis = analyzeTemplate(source, kind);
  if (analyses.size >= TEMPLATE_CACHE_LIMIT) analyses.clear();
  analyses.set(key, analysis);
  return analysis;
}

function analyzeTemplate(source: string, kind: Kind): NunjucksAnalysis {
  const nunjucks = loadNunjucks();
  const problems: NunjucksProblem[] = [];
  let root: NjNode;
  try {
    root = (nunjucks as unknown as { parser: { parse(src: string): NjNode } }).parser.parse(source);
  } catch (error) {
    const { message, line } = describeNunjucksError(error, source);
    return { variables: [], lines: new Map(), problems: [{ message: `template syntax error: ${message}`, line: line ?? 1 }] };
  }
  const env = nunjucksEnvironment(kind);
  const filters = (env as unknown as { filters: Record<string, unknown> }).filters;
  const globals = globalNames(kind);
  const found: string[] = [];
  const lines = new Map<string, Set<number>>();

  const use = (name: string, line: number, scopes: Array<Set<string>>) => {
    if (scopes.some((scope) => scope.has(name))) return;
    if (name === 'env') {
      problems.push({ message: '`env` is not available in templates (promptgate keeps the environment out of prompts: pass the value as a variable)', line });
      return;
    }
    let at = lines.get(name);
    if (!at) {
      at = new Set();
      lines.set(name, at);
      found.push(name);
    }
    at.add(line);
  };
  const names = (node: NjNode | undefined): string[] => {
    if (!node) return [];
    if (node.typename === 'Symbol') return [String(node.value)];
    const out: string[] = [];
    for (const child of node.children ?? []) {
      if (child.typename === 'Symbol') out.push(String(child.value));
      else if (child.typename === 'KeywordArgs') for (const pair of child.children ?? []) if (pair.key?.typename === 'Symbol') out.push(String(pair.key.value));
    }
    return out;
  };

  const walk = (node: NjNode | NjNode[] | undefined | null, scopes: Array<Set<string>>, line: number): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) walk(child, scopes, line);
      return;
    }
    const here = typeof node.lineno === 'number' ? node.lineno + 1 : line;
    const current = scopes[scopes.length - 1];
    switch (node.typename) {
      case 'Symbol':
        use(String(node.value), here, scopes);
        return;
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll': {
        walk(node.arr, scopes, here);
        const inner = new Set([...names(node.name), 'loop']);
        walk(node.body, [...scopes, inner], here);
        walk(node.else_, scopes, here);
        return;
      }
      case 'Macro':
      case 'Caller': {
        if (node.typename === 'Macro' && node.name?.typename === 'Symbol') current.add(String(node.name.value));
        for (const arg of node.args?.children ?? []) if (arg.typename === 'KeywordArgs') for (const pair of arg.children ?? []) walk(pair.value as NjNode, scopes, here);
        walk(node.body, [...scopes, new Set([...names(node.args), 'caller'])], here);
        return;
      }
      case 'Set':
        walk(node.value as NjNode, scopes, here);
        walk(node.body, scopes, here);
        for (const target of node.targets ?? []) if (target.typename === 'Symbol') current.add(String(target.value));
        return;
      case 'Filter':
      case 'FilterAsync': {
        const name = node.name?.typename === 'Symbol' ? String(node.name.value) : undefined;
        if (name !== undefined && !Object.hasOwn(filters, name)) problems.push({ message: `unknown filter '${name}' (nunjucks' filters and promptfoo's \`load\` are available)`, line: here });
        walk(node.args, scopes, here);
        return;
      }
      case 'FunCall': {
        const name = node.name?.typename === 'Symbol' ? String(node.name.value) : undefined;
        if (name === undefined || !(globals.has(name) && !scopes.some((scope) => scope.has(name)))) walk(node.name, scopes, here);
        walk(node.args, scopes, here);
        return;
      }
      case 'Is':
        walk(node.left, scopes, here);
        if (node.right?.typename === 'FunCall') walk(node.right.args, scopes, here);
        return;
      case 'Pair':
        if (node.key?.typename !== 'Symbol') walk(node.key, scopes, here);
        walk(node.value as NjNode, scopes, here);
        return;
      case 'LookupVal':
        walk(node.target, scopes, here);
        if (node.val?.typename !== 'Literal') walk(node.val, scopes, here);
        return;
      default:
        if (Object.hasOwn(FILE_TAGS, node.typename)) {
          problems.push({ message: `{% ${FILE_TAGS[node.typename]} %} is not supported: a prompt is one file (its content hash covers everything it sends)`, line: here });
          return;
        }
        for (const field of node.fields ?? []) walk(node[field] as NjNode | NjNode[] | undefined, scopes, here);
    }
  };
  walk(root, [new Set()], 1);
  return { variables: found, lines, problems };
}

/**
 * Renders a template with `vars`. Compiled templates are kept per text. Throws NunjucksRenderError
 * (message, 1-based line) for anything that stops it: a syntax error, strict undefined, a filter's
 * error.
 */
export function renderNunjucks(source: string, vars: Record<string, unknown>, kind: Kind): string {
  const nunjucks = loadNunjucks();
  const env = nunjucksEnvironment(kind);
  let cache = templates.get(kind);
  if (!cache) {
    cache = new Map();
    templates.set(kind, cache);
  }
  try {
    let template = cache.get(source);
    if (!template) {
      template = new nunjucks.Template(source, env, undefined, true);
      if (cache.size >= TEMPLATE_CACHE_LIMIT) cache.clear();
      cache.set(source, template);
    }
    return template.render(vars);
  } catch (error) {
    const { message, line } = describeNunjucksError(error, source);
    throw new NunjucksRenderError(message, line);
  }
}

/** Whether text holds Nunjucks syntax (`{{`, `{%` or `{#`): only then is it rendered. */
export function hasNunjucksSyntax(text: string): boolean {
  return text.includes('{{') || text.includes('{%') || text.includes('{#');
}

/**
 * Text as a template that renders to exactly that text: `{% raw %}…{% endraw %}` around it when it
 * holds Nunjucks syntax (an `{% endraw %}` inside is written as a string), else the text itself.
 * For values that are data, not templates (a logged model output asserted with `equals`).
 */
export function literalTemplate(text: string): string {
  if (!hasNunjucksSyntax(text)) return text;
  const inner = text.replace(/\{%-?\s*endraw\s*-?%\}/g, (end) => `{% endraw %}{{ ${JSON.stringify(end)} }}{% raw %}`);
  return `{% raw %}${inner}{% endraw %}`;
}

/** A nunjucks error's message without its `(path) [Line n, Column m]` head, and the line (1-based) when known. */
export function describeNunjucksError(error: unknown, source?: string): { message: string; line?: number } {
  const text = error instanceof Error ? error.message : String(error);
  const position = /\[Line (\d+), Column \d+\]/.exec(text);
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !/^\(.*\)( \[Line \d+, Column \d+\])?$/.test(line) && !/^Template render error:/.test(line));
  const last = (lines[lines.length - 1] ?? text).replace(/^(?:Template render error|Error|TypeError|SyntaxError): /, '').replace(/^parse\w*: /, '');
  const message = last === 'attempted to output null or undefined value' ? 'a variable it outputs is undefined (a missing variable?)' : last;
  const lineno = (error as { lineno?: unknown }).lineno;
  let line = position ? Number(position[1]) : typeof lineno === 'number' ? lineno : undefined;
  // The parser names no line for an unclosed tag: it ends at the end of the template.
  if (line === undefined && source !== undefined && /end of file/.test(message)) line = source.split('\n').length;
  return { message, line };
}

interface NjNode {
  typename: string;
  lineno?: number;
  value?: unknown;
  fields?: string[];
  children?: NjNode[];
  [field: string]: unknown;
  name?: NjNode;
  args?: NjNode;
  body?: NjNode;
  arr?: NjNode;
  else_?: NjNode;
  targets?: NjNode[];
  key?: NjNode;
  left?: NjNode;
  right?: NjNode;
  target?: NjNode;
  val?: NjNode;
}

interface RuntimeModule {
  memberLookup(obj: unknown, val: unknown): unknown;
  contextOrFrameLookup(context: { ctx: object; env: { globals: object }; lookup(name: string): unknown }, frame: { lookup(name: string): unknown }, name: string): unknown;
  __promptgateHardened?: boolean;
}

/**
 * Member and name lookups never reach inherited object machinery: `x.constructor`,
 * `range["constructor"]` and a bare `{{ constructor }}` read as undefined. Patched once on the
 * nunjucks runtime (compiled templates call it through the module object).
 */
function hardenRuntime(runtime: RuntimeModule): void {
  if (runtime.__promptgateHardened) return;
  const memberLookup = runtime.memberLookup;
  runtime.memberLookup = (obj, val) => (typeof val === 'string' && BLOCKED_MEMBERS.has(val) ? undefined : memberLookup(obj, val));
  runtime.contextOrFrameLookup = (context, frame, name) => {
    const value = frame.lookup(name);
    if (value !== undefined) return value;
    if (!Object.hasOwn(context.ctx, name) && !Object.hasOwn(context.env.globals, name)) return undefined;
    return context.lookup(name);
  };
  runtime.__promptgateHardened = true;
}
