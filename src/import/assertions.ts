import { isAbsolute, relative, resolve } from 'node:path';
import { assertionFromConfig } from '../cases/grader-spec.js';
import { isPromptgateError } from '../errors.js';
import { MODEL_GRADED_TYPES, PROMPTFOO_SPECIAL_TYPES } from './promptfoo-cells.js';
import { type PathSegment, type Source, asRecord, at } from './source.js';
import type { Findings } from './types.js';

/** An assertion as promptgate's JSONL `assert` and the config's suite `assert` take it. */
export interface AssertEntry {
  type: string;
  value?: unknown;
  weight?: number;
  threshold?: number;
  metric?: string;
}

/** What converting assertions needs to know. */
export interface AssertContext {
  findings: Findings;
  /** The promptfoo project's folder: promptfoo reads `file://` values relative to it. */
  configDir: string;
  /** The folder the converted case file lives in (absolute, under the output folder). */
  caseDir: string;
  /** The output folder, when it is not the promptfoo project's folder (files referenced are copied there). */
  outDir: string;
  /** Whether a grading provider given on an assertion or a test is the judge the config uses. */
  isJudge: (provider: unknown) => boolean;
  /** Files `file://` values name (absolute), for `--out` to copy along. */
  referenced: Set<string>;
  /** Set when a model-graded type is used (the config then needs a judge). */
  modelGraded: { used: boolean };
}

/**
 * Converts a promptfoo `assert` list (of a test or defaultTest) to promptgate's entries: the same
 * types and values (promptgate reads promptfoo's spellings), `file://` paths re-pointed at the
 * case file's folder, `assert-set`s flattened when that keeps the verdict (no threshold on the set
 * or the case). Anything promptgate cannot hold (a per-assertion provider other than the judge,
 * `rubricPrompt`, `transform`, `select-best` …) is a problem and left out.
 */
export function convertAssertions(list: unknown, source: Source, path: PathSegment[], context: AssertContext, caseThreshold: number | undefined): AssertEntry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    context.findings.problem(at(source, path), '`assert` must be a list; not converted');
    return [];
  }
  const out: AssertEntry[] = [];
  list.forEach((item, index) => {
    const itemPath = [...path, index];
    const record = asRecord(item);
    if (!record || typeof record.type !== 'string') {
      context.findings.problem(at(source, itemPath), 'an assertion without a `type` is not converted');
      return;
    }
    if (record.type === 'assert-set') {
      if (record.threshold !== undefined || caseThreshold !== undefined) {
        context.findings.problem(at(source, itemPath), 'an `assert-set` with a threshold (or in a test with one) is not converted: promptgate has no nested assertion groups', 'list its assertions in the test');
        return;
      }
      context.findings.note(at(source, itemPath), 'an `assert-set` is flattened into the test\'s assertions (without thresholds, every assertion must pass either way)');
      out.push(...convertAssertions(record.assert, source, [...itemPath, 'assert'], context, undefined));
      return;
    }
    const entry = convertOne(record, source, itemPath, context);
    if (entry) out.push(entry);
  });
  return out;
}

function convertOne(record: Record<string, unknown>, source: Source, path: PathSegment[], context: AssertContext): AssertEntry | undefined {
  const where = at(source, path);
  const type = record.type as string;
  const bare = type.replace(/^not-/, '');
  if (PROMPTFOO_SPECIAL_TYPES.includes(bare)) {
    context.findings.problem(where, `assertion '${type}' is not converted: it compares the outputs of several prompts or providers, or waits for a person`);
    return undefined;
  }
  let unconvertible = false;
  for (const key of Object.keys(record)) {
    if (['type', 'value', 'threshold', 'weight', 'metric'].includes(key)) continue;
    if (key === 'provider' && context.isJudge(record.provider)) continue;
    if (key === 'config' && asRecord(record.config) && Object.keys(record.config as object).length === 0) continue;
    const why: Record<string, string> = {
      provider: 'its grading provider differs from the judge (promptgate grades with one judge model)',
      rubricPrompt: 'promptgate writes its own judge prompt',
      transform: 'promptgate grades the output as it is',
      contextTransform: 'promptgate grades the output as it is',
    };
    context.findings.problem(at(source, [...path, key]), `assertion '${type}': key '${key}' is not converted${why[key] ? `: ${why[key]}` : ''}`);
    unconvertible = true;
  }
  if (unconvertible) return undefined;
  const entry: AssertEntry = { type };
  if (record.value !== undefined) entry.value = repointFiles(record.value, context);
  for (const key of ['threshold', 'weight'] as const) if (record[key] !== undefined) entry[key] = record[key] as number;
  if (typeof record.metric === 'string') entry.metric = record.metric;
  try {
    assertionFromConfig(entry, where);
  } catch (error) {
    if (!isPromptgateError(error)) throw error;
    context.findings.problem(where, `assertion '${type}' is not converted: ${error.message}`, error.hint);
    return undefined;
  }
  if (MODEL_GRADED_TYPES.has(bare)) context.modelGraded.used = true;
  return entry;
}

/**
 * A value with its `file://` paths (promptfoo reads them relative to the config's folder) named
 * relative to the case file's folder; the files are recorded for `--out` to copy. Objects and
 * lists are walked.
 */
export function repointFiles(value: unknown, context: Pick<AssertContext, 'configDir' | 'caseDir' | 'outDir' | 'referenced'>): unknown {
  if (typeof value === 'string') return repointText(value, context);
  if (Array.isArray(value)) return value.map((item) => repointFiles(item, context));
  const record = asRecord(value);
  if (record) return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, repointFiles(item, context)]));
  return value;
}

/** Every `file://<path>` in a text, re-pointed (see repointFiles). */
export function repointText(text: string, context: Pick<AssertContext, 'configDir' | 'caseDir' | 'outDir' | 'referenced'>): string {
  return text.replace(/file:\/\/([^\s,"'`]+)/g, (whole, target: string) => {
    const fnMatch = /^(.*\.(?:js|cjs|mjs|ts|cts|mts|py)):([\w.$]+)$/.exec(target);
    const pathPart = fnMatch ? fnMatch[1] : target;
    if (isAbsolute(pathPart)) return whole;
    const original = resolve(context.configDir, pathPart);
    context.referenced.add(original);
    const inOut = resolve(context.outDir, relative(context.configDir, original));
    let rel = relative(context.caseDir, inOut).split('\\').join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `file://${rel}${fnMatch ? `:${fnMatch[2]}` : ''}`;
  });
}
