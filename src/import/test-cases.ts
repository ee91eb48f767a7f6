import { basename, dirname, extname, resolve } from 'node:path';
import { caseIdOf } from '../cases/case-build.js';
import { type AssertContext, type AssertEntry, convertAssertions } from './assertions.js';
import { convertCsv } from './csv-cases.js';
import { rewriteNote } from './rewrites.js';
import { type PathSegment, type Source, asRecord, at, readJsonlSource, readYamlSource, relativePath } from './source.js';
import type { Findings, Where } from './types.js';
import { expandVars, materializeVars, readVarsFiles } from './vars.js';

/** What defaultTest gives every case, besides its assertions (those become the suites' `assert`). */
export interface CaseDefaults {
  vars: Record<string, unknown>;
  threshold?: number;
  prefix?: string;
  suffix?: string;
  metadata: Record<string, unknown>;
  disableVarExpansion: boolean;
}

/** The config's defaultTest, read. */
export interface DefaultTest {
  defaults: CaseDefaults;
  /** Its `assert` list as written (converted by convertTests into the suites' `assert`). */
  assert?: { value: unknown; source: Source; path: PathSegment[] };
  /** `options.provider`: the grading provider, as written. */
  gradingProvider?: unknown;
  gradingProviderAt?: { source: Source; path: PathSegment[] };
}

/** Where promptfoo's tests come from, in order. */
type TestSource =
  | { kind: 'inline'; tests: Array<{ test: unknown; source: Source; path: PathSegment[] }> }
  | { kind: 'csv'; abs: string; where: Where }
  | { kind: 'list'; source: Source };

/** A case file to write: its name (without folder) and content. */
export interface CaseFileOut {
  stem: string;
  ext: 'csv' | 'jsonl';
  content: string | Buffer;
}

export interface TestsContext extends Omit<AssertContext, 'caseDir'> {
  root: string;
  /** The output's evals folder (absolute). */
  evalsDir: string;
  /** The case file's name when there is one file, the folder's when there are several (`evals/<base>…`). */
  base: string;
  promptVars: string[];
  defaultTest: DefaultTest;
}

/** Reads `defaultTest` (an object or a `file://` YAML): its variables, threshold, options and assertions. */
export async function readDefaultTest(config: Source, root: string, findings: Findings): Promise<DefaultTest> {
  const empty: DefaultTest = { defaults: { vars: {}, metadata: {}, disableVarExpansion: false } };
  let value = asRecord(config.data)?.defaultTest;
  let source = config;
  let path: PathSegment[] = ['defaultTest'];
  if (value === undefined || value === null) return empty;
  if (typeof value === 'string' && value.startsWith('file://')) {
    try {
      source = await readYamlSource(resolve(dirname(config.abs), value.slice(7)), root);
    } catch {
      findings.problem(at(config, path), `defaultTest file ${value.slice(7)} cannot be read; not converted`);
      return empty;
    }
    value = source.data;
    path = [];
  }
  const record = asRecord(value);
  if (!record) {
    findings.problem(at(source, path), '`defaultTest` must be an object; not converted');
    return empty;
  }
  const result: DefaultTest = { ...empty, defaults: { ...empty.defaults } };
  for (const key of Object.keys(record)) {
    const here = [...path, key];
    const item = record[key];
    if (key === 'vars') {
      const vars = typeof item === 'string' || Array.isArray(item) ? await readVarsFiles(item as string | string[], dirname(source.abs)) : asRecord(item);
      if (!vars || 'problem' in vars) findings.problem(at(source, here), `defaultTest vars not converted${vars && 'problem' in vars ? `: ${vars.problem}` : ''}`);
      else result.defaults.vars = vars as Record<string, unknown>;
    } else if (key === 'assert') {
      result.assert = { value: item, source, path: here };
    } else if (key === 'threshold' && typeof item === 'number') result.defaults.threshold = item;
    else if (key === 'metadata' && asRecord(item)) result.defaults.metadata = item as Record<string, unknown>;
    else if (key === 'options' && asRecord(item)) readOptions(item as Record<string, unknown>, source, here, findings, result);
    else if (key === 'description') continue;
    else findings.problem(at(source, here), `defaultTest key '${key}' is not converted`);
  }
  return result;
}

function readOptions(options: Record<string, unknown>, source: Source, path: PathSegment[], findings: Findings, result: DefaultTest): void {
  for (const [key, value] of Object.entries(options)) {
    if (key === 'provider') {
      result.gradingProvider = value;
      result.gradingProviderAt = { source, path: [...path, key] };
    } else if (key === 'prefix' && typeof value === 'string') result.defaults.prefix = value;
    else if (key === 'suffix' && typeof value === 'string') result.defaults.suffix = value;
    else if (key === 'disableVarExpansion') result.defaults.disableVarExpansion = value === true;
    else if (key === 'runSerially') continue;
    else findings.problem(at(source, [...path, key]), `defaultTest option '${key}' is not converted${OPTION_WHY[key] ?? ''}`);
  }
}

const OPTION_WHY: Record<string, string> = {
  transform: ': promptgate grades the output as the model gave it',
  postprocess: ': promptgate grades the output as the model gave it',
  transformVars: ': write the transformed variables in the cases',
  rubricPrompt: ': promptgate writes its own judge prompt',
  storeOutputAs: ': promptgate cases do not pass outputs to later cases',
  disableDefaultAsserts: ': the defaultTest assertions apply to every case of the suite',
};

/**
 * Converts `tests`: inline tests, and `file://` CSV / YAML / JSON / JSONL files and globs (CSV
 * files stay CSV, the rest become JSONL), each case with defaultTest's variables, threshold and
 * prefix / suffix, variables as promptfoo renders them (rewrites.ts), and its assertions.
 * Generators (`.js`, `.py`), spreadsheets and remote datasets are problems.
 */
export async function convertTests(config: Source, context: TestsContext): Promise<{ files: CaseFileOut[]; suiteAssert: AssertEntry[] }> {
  const sources = await collectSources(config, context);
  const single = sources.length === 1;
  const { defaultTest } = context;
  const suiteAssert = defaultTest.assert
    ? await convertAssertions(defaultTest.assert.value, defaultTest.assert.source, defaultTest.assert.path, { ...context, caseDir: context.outDir }, defaultTest.defaults.threshold)
    : [];
  const ids = new Set<string>();
  const taken = new Set<string>();
  const files: CaseFileOut[] = [];
  for (const source of sources) {
    const stem = single ? context.base : unique(source.kind === 'inline' ? 'inline' : basename(source.kind === 'csv' ? source.abs : source.source.abs, extname(source.kind === 'csv' ? source.abs : source.source.abs)), taken);
    const caseDir = single ? context.evalsDir : resolve(context.evalsDir, context.base);
    const here = { ...context, caseDir };
    if (source.kind === 'csv') {
      const content = await convertCsv(source.abs, { ...here, file: source.where.file, promptVars: context.promptVars, defaults: context.defaultTest.defaults, ids });
      if (content !== undefined) files.push({ stem, ext: 'csv', content });
      continue;
    }
    const tests = source.kind === 'inline' ? source.tests : listOf(source.source, context.findings);
    const lines: string[] = [];
    for (const { test, source: from, path } of tests) {
      for (const record of await convertTest(test, from, path, here, ids)) lines.push(JSON.stringify(record));
    }
    files.push({ stem, ext: 'jsonl', content: lines.length > 0 ? `${lines.join('\n')}\n` : '' });
  }
  return { files, suiteAssert };
}

function unique(stem: string, taken: Set<string>): string {
  let name = stem;
  for (let n = 2; taken.has(name); n++) name = `${stem}-${n}`;
  taken.add(name);
  return name;
}

function listOf(source: Source, findings: Findings): Array<{ test: unknown; source: Source; path: PathSegment[] }> {
  if (Array.isArray(source.data)) return source.data.map((test, index) => ({ test, source, path: [index] }));
  if (asRecord(source.data)) return [{ test: source.data, source, path: [] }];
  findings.problem({ file: source.file, line: 1 }, 'a tests file must hold a list of tests; not converted');
  return [];
}

async function collectSources(config: Source, context: TestsContext): Promise<TestSource[]> {
  const { findings } = context;
  const data = asRecord(config.data) ?? {};
  const configDir = dirname(config.abs);
  const sources: TestSource[] = [];
  const inline: Array<{ test: unknown; source: Source; path: PathSegment[] }> = [];
  if (data.scenarios !== undefined) findings.problem(at(config, ['scenarios']), '`scenarios` are not converted', 'write their combinations out as tests');
  const value = data.tests;
  if (value === undefined || value === null) {
    // promptfoo runs one empty test when there are none.
    if (data.scenarios === undefined) return [{ kind: 'inline', tests: [{ test: {}, source: config, path: [] }] }];
    return [];
  }
  const items = Array.isArray(value) ? value : [value];
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const path: PathSegment[] = Array.isArray(value) ? ['tests', index] : ['tests'];
    const where = at(config, path);
    const record = asRecord(item);
    const spec = typeof item === 'string' ? item : record && typeof record.path === 'string' ? record.path : undefined;
    if (spec === undefined) {
      if (record) inline.push({ test: item, source: config, path });
      else findings.problem(where, 'a test that is neither an object nor a file is not converted');
      continue;
    }
    if (record && record.config !== undefined) findings.problem(where, 'a tests file with `config` (a test generator\'s settings) is not converted');
    sources.push(...(await fileSources(spec, configDir, where, context)));
  }
  if (inline.length > 0) sources.unshift({ kind: 'inline', tests: inline });
  return sources;
}

async function fileSources(spec: string, configDir: string, where: Where, context: TestsContext): Promise<TestSource[]> {
  const { findings, root } = context;
  if (/^(https?:|huggingface:|langfuse:|az:)/.test(spec)) {
    findings.problem(where, `tests from ${spec} are not converted: promptgate reads local case files`, 'download them to a CSV or JSONL file first');
    return [];
  }
  const pattern = spec.replace(/^file:\/\//, '');
  if (/\.(?:js|cjs|mjs|ts|cts|mts|py)(?::[\w.$]+)?$/.test(pattern)) {
    findings.problem(where, `test generator ${pattern} is not converted: its tests are computed at run time`, 'run it once and save the tests to a JSONL file');
    return [];
  }
  const { glob, isDynamicPattern } = await import('tinyglobby');
  const files = isDynamicPattern(pattern) ? (await glob(pattern, { cwd: configDir, absolute: true })).sort() : [resolve(configDir, pattern)];
  if (files.length === 0) findings.problem(where, `no test files match ${pattern}`);
  const sources: TestSource[] = [];
  for (const file of files) {
    const ext = extname(file).toLowerCase();
    const fileWhere = { file: relativePath(root, file) };
    try {
      if (ext === '.csv') sources.push({ kind: 'csv', abs: file, where: fileWhere });
      else if (ext === '.jsonl') sources.push({ kind: 'list', source: await readJsonlSource(file, root) });
      else if (ext === '.yaml' || ext === '.yml' || ext === '.json') sources.push({ kind: 'list', source: await readYamlSource(file, root) });
      else findings.problem(where, `tests file ${relativePath(root, file)} is not converted: promptgate reads CSV, JSONL, YAML and JSON tests`);
    } catch (error) {
      findings.problem(where, `tests file ${relativePath(root, file)} cannot be read: ${(error as Error).message}`);
    }
  }
  return sources;
}

const SKIP_TEST_KEYS: Record<string, string> = {
  provider: 'it runs on its own provider',
  providers: 'it runs on some providers only',
  prompts: 'it runs on some prompts only',
  providerOutput: 'it grades a given output instead of calling a model',
};

/** One promptfoo test as JSONL records (one per combination of list variables). */
async function convertTest(test: unknown, source: Source, path: PathSegment[], context: TestsContext & { caseDir: string }, ids: Set<string>): Promise<Array<Record<string, unknown>>> {
  const { findings, defaultTest } = context;
  const where = at(source, path);
  const record = asRecord(test);
  if (!record) {
    findings.problem(where, 'a test that is not an object is not converted');
    return [];
  }
  const skip = Object.keys(record).find((key) => SKIP_TEST_KEYS[key]);
  if (skip) {
    findings.problem(at(source, [...path, skip]), `test not converted: ${SKIP_TEST_KEYS[skip]} (\`${skip}\`)`);
    return [];
  }
  const options = asRecord(record.options) ?? {};
  for (const key of Object.keys(record)) {
    if (!['description', 'vars', 'assert', 'threshold', 'metadata', 'options'].includes(key)) findings.problem(at(source, [...path, key]), `test key '${key}' is not converted`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (key === 'provider') {
      if (!context.isJudge(value)) findings.problem(at(source, [...path, 'options', key]), 'the test\'s grading provider is not converted: it differs from the judge (promptgate grades with one judge model)');
    } else if (!['prefix', 'suffix', 'disableVarExpansion', 'runSerially'].includes(key)) {
      findings.problem(at(source, [...path, 'options', key]), `test option '${key}' is not converted${OPTION_WHY[key] ?? ''}`);
    }
  }
  let ownVars: Record<string, unknown> = {};
  if (typeof record.vars === 'string' || Array.isArray(record.vars)) {
    const loaded = await readVarsFiles(record.vars as string | string[], dirname(source.abs));
    if ('problem' in loaded) {
      findings.problem(at(source, [...path, 'vars']), `test not converted: ${loaded.problem}`);
      return [];
    }
    ownVars = loaded;
  } else if (asRecord(record.vars)) ownVars = record.vars as Record<string, unknown>;
  const threshold = typeof record.threshold === 'number' ? record.threshold : defaultTest.defaults.threshold;
  const assert = await convertAssertions(record.assert, source, [...path, 'assert'], context, threshold);
  const disable = typeof options.disableVarExpansion === 'boolean' ? options.disableVarExpansion : defaultTest.defaults.disableVarExpansion;
  const expansion = await expandVars({ ...defaultTest.defaults.vars, ...ownVars }, context.configDir, disable);
  if ('problem' in expansion) {
    findings.problem(at(source, [...path, 'vars']), `test not converted: ${expansion.problem}`);
    return [];
  }
  if (expansion.expanded && expansion.combinations.length > 1) findings.note(where, rewriteNote('var-list'));
  const metadata = { ...defaultTest.defaults.metadata, ...(asRecord(record.metadata) ?? {}) };
  const out: Array<Record<string, unknown>> = [];
  for (const combination of expansion.combinations) {
    const materialized = await materializeVars(combination, context.configDir);
    if ('problem' in materialized) {
      findings.problem(at(source, [...path, 'vars']), `test not converted: ${materialized.problem}`, materialized.hint);
      return [];
    }
    for (const id of materialized.rewrites) findings.note(where, rewriteNote(id));
    const vars = { ...materialized.vars };
    const missing = context.promptVars.filter((name) => vars[name] === undefined);
    if (missing.length > 0) findings.note(where, rewriteNote('missing-var'));
    for (const name of missing) vars[name] = '';
    const line: Record<string, unknown> = {};
    let id = caseIdOf(vars);
    if (ids.has(id)) {
      let n = 2;
      while (ids.has(`${id}-${n}`)) n++;
      id = `${id}-${n}`;
      line.id = id;
      findings.note(where, rewriteNote('duplicate-case'));
    }
    ids.add(id);
    if (typeof record.description === 'string' && record.description !== '') line.description = record.description;
    line.vars = vars;
    if (assert.length > 0) line.assert = assert;
    if (threshold !== undefined) line.threshold = threshold;
    if (Object.keys(metadata).length > 0) line.metadata = Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
    const prefix = typeof options.prefix === 'string' ? options.prefix : defaultTest.defaults.prefix;
    const suffix = typeof options.suffix === 'string' ? options.suffix : defaultTest.defaults.suffix;
    if (prefix) line.prefix = prefix;
    if (suffix) line.suffix = suffix;
    out.push(line);
  }
  return out;
}
