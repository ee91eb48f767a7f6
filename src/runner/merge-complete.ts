import { readCases } from '../cases/index.js';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import type { SelectionRecord } from '../run-record/types.js';
import { resolveSuites } from './plan.js';
import { digestIds, matchesFilter } from './select.js';

export interface CompletenessInput {
  config: ResolvedConfig;
  /** What the shards selected, per selectionKey(suite, model). */
  selection: Map<string, SelectionRecord>;
  /** The case ids the merged run holds, per selectionKey(suite, model) (each once: overlaps are refused before). */
  merged: Map<string, string[]>;
  /** The shards' --filter. */
  filter?: string;
}

const refuse = (message: string) => inputError('RUN_INVALID', message, { file: 'merge' }, 'merge every shard of one `--shard i/n` split, each complete');

/**
 * Checks that the merged run holds every case the shards selected, exactly once: per suite × model
 * the count and the digest of the ids must be what the shards recorded. Throws RUN_INVALID naming
 * a missing (or unexpected) case; the ids of the selection are read again from the working tree's
 * case files to name it, when those still hold the same cases.
 */
export async function checkCompleteness(input: CompletenessInput): Promise<void> {
  for (const [key, ids] of input.merged) {
    if (!input.selection.has(key)) {
      const [suite, model] = JSON.parse(key) as [string, string];
      throw refuse(`case "${ids[0]}" of suite "${suite}" on model "${model}" is in the shards, but the shards did not select that suite × model`);
    }
  }
  const working = workingTreeIds(input.config, input.filter);
  for (const [key, record] of input.selection) {
    const ids = input.merged.get(key) ?? [];
    if (ids.length === record.cases && digestIds(ids) === record.idsDigest) continue;
    const where = `suite "${record.suite}" on model "${record.model}"`;
    const counts = `${ids.length} of the ${record.cases} selected case(s) merged`;
    const expected = await working(record);
    if (!expected) {
      throw refuse(`the merged run does not hold exactly the cases the shards selected for ${where} (${counts}; the case files changed since the shards ran, so the difference cannot be named)`);
    }
    const have = new Set(ids);
    const missing = [...expected.keys()].filter((id) => !have.has(id));
    if (missing.length > 0) {
      const more = missing.length > 1 ? ` and ${missing.length - 1} more` : '';
      throw refuse(`the merged run is incomplete: case "${missing[0]}" (${expected.get(missing[0])}) of ${where} was run by no shard${more} (${counts})`);
    }
    const extra = ids.find((id) => !expected.has(id));
    throw refuse(`case "${extra ?? ids[0]}" of ${where} is in the shards but was not selected (${counts})`);
  }
}

/**
 * The ids (→ `file:line`) the working tree's case files select for a suite, when they are exactly
 * the ids a selection record describes; undefined when they differ (or cannot be read).
 */
function workingTreeIds(config: ResolvedConfig, filter: string | undefined): (record: SelectionRecord) => Promise<Map<string, string> | undefined> {
  let plans: ReturnType<typeof resolveSuites> | undefined;
  return async (record) => {
    try {
      plans ??= resolveSuites(config);
      const plan = (await plans).find((p) => p.name === record.suite);
      if (!plan) return undefined;
      const ids = new Map<string, string>();
      for await (const testCase of readCases(plan.caseFiles, { rootDir: config.rootDir, suiteAssert: plan.assert })) {
        if (matchesFilter(testCase, plan.name, filter)) ids.set(testCase.id, `${testCase.source.file}:${testCase.source.line}`);
      }
      return digestIds(ids.keys()) === record.idsDigest ? ids : undefined;
    } catch {
      return undefined;
    }
  };
}
