import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { attachCosts, createAnswerPricer, createCostTally } from '../compare/cost.js';
import { buildComparison, classifyChange, compareRows } from '../compare/index.js';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import type { Reporter } from '../reporters/types.js';
import { CALLS_FILE, CASES_PARTIAL_FILE, ensureRunDir, openLineLog, readLines, readRawLines, removeFile, writeRunFile } from '../run-record/writer.js';
import { upgradeCase } from '../run-record/status.js';
import { recordHistory } from '../history/record.js';
import { RUN_FORMAT_VERSION, type CallRecord, type CaseResult, type Comparison, type GateVerdict, type ModelRef, type RepeatOutcome, type RunHeader, type SelectionRecord } from '../run-record/types.js';
import { packageVersion } from './finalize.js';
import { decideRunFloor } from './floor.js';
import { agreedSelection, checkShards, mergeOrder, selectionKey, type CaseOrder } from './merge-check.js';
import { checkCompleteness } from './merge-complete.js';
import { openStoredRun, type StoredRun } from '../run-record/read.js';
import { mergeSampling } from './sampling.js';
import { newRunId } from './session.js';
import { createSummary } from './summary.js';

export interface MergeInput {
  /** Run folders (or run.json files) of the shards. */
  runs: string[];
  config: ResolvedConfig;
  /** Folder the merged run folder is made in. @default config.paths.reports */
  out?: string;
  reporters: Reporter[];
  /**
   * The config as the shards' flags (--concurrency, --no-cache, --repeat) would have resolved it:
   * flags change the digest, so a config is taken as unchanged when this one's digest matches.
   */
  configFor?(options: RunHeader['options']): Promise<ResolvedConfig>;
  /** Where notes go (a missing shard, a changed config). @default process.stderr */
  stderr?: NodeJS.WritableStream;
}

export interface MergeResult {
  header: RunHeader;
  runDir: string;
  files: string[];
}

/**
 * Combines the runs of `--shard i/n` into one run folder: cases in the order the unsharded run
 * writes them, calls.jsonl concatenated, summary and totals recomputed from them, and the gate
 * decided again on all cases (the floor for `run`; compareRows for compare / ci). Refuses shards
 * of different commands, configs or prompt versions, and overlapping cases (RUN_INVALID, exit 2),
 * and — when every shard of the split is there — a merged run that does not hold every selected
 * case exactly once (the shards record their selection: count and digest of the ids). With
 * shards missing, the merged run is incomplete: it never gets a passing verdict.
 * Format 1 shards are read with format 2's statuses (upgradeCase).
 * Cases are streamed from the shards' run.json files; memory holds a few numbers per case.
 */
export async function mergeRuns(input: MergeInput): Promise<MergeResult> {
  const { config } = input;
  const stderr = input.stderr ?? process.stderr;
  if (input.runs.length === 0) throw inputError('USAGE', 'merge needs at least one run folder', { file: 'merge' });
  const shards = await Promise.all(input.runs.map((path) => openStoredRun(resolve(config.rootDir, path))));
  const { notes, missingShards } = checkShards(shards);
  const selection = agreedSelection(shards);
  if (!selection) notes.push('the shards do not record what they selected (run format 1): that every case ran exactly once is not checked');
  if (config.digest !== shards[0].header.configDigest && (await input.configFor?.(shards[0].header.options))?.digest !== shards[0].header.configDigest) {
    notes.push(`the config (digest ${config.digest}) differs from the one the shards ran with (${shards[0].header.configDigest}), the gate rules and reporters come from the current config`);
  }
  for (const note of notes) stderr.write(`promptgate: note: ${note}\n`);
  const first = shards[0].header;
  const runId = newRunId();
  const runDir = await ensureRunDir(input.out ? resolve(config.rootDir, input.out) : config.paths.reports, runId);

  const summary = createSummary();
  const costs = createCostTally(createAnswerPricer(config));
  for (const row of first.summary) summary.declare(row.suite, row.model, { id: row.promptId, version: row.promptVersion, hash: row.promptHash });
  await concatenateCalls(shards, runId, join(runDir, CALLS_FILE), summary.addCall);

  const casesFile = join(runDir, CASES_PARTIAL_FILE);
  const caseLog = openLineLog<CaseResult>(casesFile, 'w');
  const slimCases: CaseResult[] = [];
  const seen = new Set<string>();
  /** Case ids per suite × model, for the completeness check. */
  const merged = new Map<string, string[]>();
  for await (const stored of mergeOrder(shards, orderOf(shards))) {
    const item = upgraded(stored, first.formatVersion);
    const key = JSON.stringify([item.suite, item.model, item.caseId]);
    if (seen.has(key)) {
      await caseLog.close();
      await removeFile(casesFile);
      throw inputError('RUN_INVALID', `the shards overlap: case "${item.caseId}" of suite "${item.suite}" on model "${item.model}" is in more than one of them (merge each shard of one sharded run once)`, { file: 'merge' });
    }
    seen.add(key);
    const group = selectionKey(item.suite, item.model);
    if (!merged.has(group)) merged.set(group, []);
    merged.get(group)!.push(item.caseId);
    caseLog.write(item);
    summary.addCase(item);
    costs.add(item);
    slimCases.push(slimCase(item));
  }
  await caseLog.close();
  const interrupted = shards.some((s) => s.header.status === 'interrupted');
  // A shard the cost budget stopped did not run all its cases: the merged run cannot be complete either.
  const budgetStopped = shards.filter((s) => s.header.status === 'budget_exhausted');
  if (selection && missingShards.length === 0 && !interrupted && budgetStopped.length === 0) {
    try {
      await checkCompleteness({ config, selection, merged, filter: first.options.filter });
    } catch (error) {
      await removeFile(casesFile);
      throw error;
    }
  }
  const totals = summary.finish();

  let comparison: Comparison | undefined;
  let gate: GateVerdict | undefined;
  if (first.comparison) {
    const rows = compareRows(slimCases, { repeat: first.options.repeat, gate: config.gate });
    comparison = buildComparison(rows, first.comparison.baseline, first.comparison.candidate, config.gate, totals.totals);
    const sampling = mergeSampling(shards.map((s) => s.header.comparison?.sampling));
    if (sampling) comparison.sampling = sampling;
    attachCosts(comparison, costs.finish());
    gate = comparison.gate;
  } else if (first.command === 'run') {
    gate = decideRunFloor(totals.rows, totals.totals, config.gate);
  }
  if (gate && missingShards.length > 0) {
    // Part of the cases never ran: a pass would be a pass on what was not run.
    const reason = `incomplete: shard${missingShards.length === 1 ? '' : 's'} ${missingShards.join(', ')} of the split ${missingShards.length === 1 ? 'is' : 'are'} missing, so their cases were not run`;
    // Not a pass, and not inconclusive either: the missing cases, not the noise, leave it undecided.
    const undecided = gate.verdict === 'pass' || gate.verdict === 'inconclusive';
    gate = { verdict: undecided ? 'error' : gate.verdict, reasons: gate.verdict === 'pass' ? [reason] : [...gate.reasons, reason] };
    if (comparison) comparison.gate = gate;
  }
  if (gate && budgetStopped.length > 0) {
    const reason = `incomplete: the cost budget stopped ${budgetStopped.length === 1 ? 'shard' : 'shards'} ${budgetStopped.map((s) => s.header.options.shard ?? s.header.runId).join(', ')} before all their cases were run`;
    gate = { verdict: 'error', reasons: [reason, ...(gate.verdict === 'pass' ? [] : gate.reasons)] };
    if (comparison) comparison.gate = gate;
  }
  const options: RunHeader['options'] = { ...first.options };
  delete options.shard;
  const header: RunHeader = {
    format: 'promptgate-run',
    formatVersion: RUN_FORMAT_VERSION,
    runId,
    command: first.command,
    status: interrupted ? 'interrupted' : budgetStopped.length > 0 ? 'budget_exhausted' : 'complete',
    startedAt: shards.map((s) => s.header.startedAt).sort()[0],
    finishedAt: shards.map((s) => s.header.finishedAt).sort().at(-1)!,
    ...(first.gitCommit ? { gitCommit: first.gitCommit } : {}),
    promptgateVersion: await packageVersion(),
    configDigest: first.configDigest,
    options,
    prompts: first.prompts,
    models: mergeModels(shards, totals.modelsReported),
    totals: totals.totals,
    summary: totals.rows,
    ...(selection ? { selection: mergedSelection(selection, merged) } : {}),
    ...(notes.length ? { notes } : {}),
    ...(comparison ? { comparison } : {}),
    ...(gate ? { gate } : {}),
  };
  const files = [await writeRunFile(runDir, header, readRawLines(casesFile))];
  const cases = () => readLines<CaseResult>(casesFile);
  for (const reporter of input.reporters) {
    const written = await reporter.onRunEnd?.(header, cases, runDir);
    if (written) files.push(...written);
  }
  await removeFile(casesFile);
  await recordHistory(runDir, stderr);
  return { header, runDir, files };
}

/** A shard's case as format 2 has it: format 1 statuses upgraded, and the change classified again from them. */
function upgraded(item: CaseResult, formatVersion: RunHeader['formatVersion']): CaseResult {
  if (formatVersion >= RUN_FORMAT_VERSION) return item;
  const result = upgradeCase(item, formatVersion);
  if (result.change && result.change !== 'new') result.change = classifyChange(result, result.baseline);
  return result;
}

/** The shards' selection, with what the merged run holds of it. */
function mergedSelection(selection: Map<string, SelectionRecord>, merged: Map<string, string[]>): SelectionRecord[] {
  return [...selection.entries()].map(([key, record]) => ({ ...record, inRun: merged.get(key)?.length ?? 0 }));
}

async function concatenateCalls(shards: StoredRun[], runId: string, file: string, add: (call: CallRecord) => void): Promise<void> {
  const log = openLineLog<CallRecord>(file, 'w');
  try {
    for (const shard of shards) {
      for await (const call of readCalls(shard)) {
        const record = { ...call, runId };
        log.write(record);
        add(record);
      }
    }
  } finally {
    await log.close();
  }
}

/** A shard's calls.jsonl; none when the file is missing (a run.json copied without it). */
async function* readCalls(shard: StoredRun): AsyncGenerator<CallRecord> {
  const file = join(shard.dir, CALLS_FILE);
  if (existsSync(file)) yield* readLines<CallRecord>(file);
}

/** Suite and model order as the unsharded run has them: the order of the summary rows. */
function orderOf(shards: StoredRun[]): CaseOrder {
  const suites = new Map<string, number>();
  const models = new Map<string, number>();
  for (const shard of shards) {
    for (const row of shard.header.summary) {
      if (!suites.has(row.suite)) suites.set(row.suite, suites.size);
      if (!models.has(row.model)) models.set(row.model, models.size);
    }
    for (const model of shard.header.models) if (!models.has(model.name)) models.set(model.name, models.size);
  }
  return { suites, models };
}

function mergeModels(shards: StoredRun[], reported: Map<string, Set<string>>): ModelRef[] {
  const byName = new Map<string, ModelRef>();
  for (const shard of shards) {
    for (const model of shard.header.models) {
      const known = byName.get(model.name);
      const versions = new Set([...(known?.reported ?? []), ...model.reported, ...(reported.get(model.name) ?? [])]);
      byName.set(model.name, { ...(known ?? model), reported: [...versions].sort() });
    }
  }
  return [...byName.values()];
}

/** What the gate reads of a case: statuses, rates, scores and repeat counts. */
function slimCase(result: CaseResult): CaseResult {
  const slim = (repeats: RepeatOutcome[]): RepeatOutcome[] =>
    repeats.map((r) => ({ ...r, output: null, grade: r.grade ? { pass: r.grade.pass, score: r.grade.score, reason: '', assertions: [] } : null }));
  return {
    ...result,
    vars: {},
    description: undefined,
    repeats: slim(result.repeats),
    baseline: result.baseline ? { ...result.baseline, repeats: slim(result.baseline.repeats) } : undefined,
  };
}
