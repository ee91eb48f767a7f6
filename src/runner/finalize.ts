import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/types.js';
import { providerLabel } from '../providers/custom.js';
import type { Reporter } from '../reporters/types.js';
import { readLines, readRawLines, removeFile, writeRunFile } from '../run-record/writer.js';
import { RUN_FORMAT_VERSION, type CaseResult, type Comparison, type DriftReport, type GateVerdict, type ModelRef, type PromptRef, type RunHeader, type SelectionRecord } from '../run-record/types.js';
import type { EngineResult, SuiteRun } from './engine.js';
import { promptOf } from './sides.js';

export interface FinalizeInput {
  config: ResolvedConfig;
  suites: SuiteRun[];
  engine: EngineResult;
  runId: string;
  runDir: string;
  command: string;
  startedAt: string;
  options: RunHeader['options'];
  reporters: Reporter[];
  comparison?: Comparison;
  gate?: GateVerdict;
  /** drift's findings (run.json `drift`). */
  drift?: DriftReport;
  /** Per suite × model, the cases selected before sharding (run.json `selection`). */
  selection?: SelectionRecord[];
  /** Notes for the reader (run.json `notes`), e.g. an empty shard. */
  notes?: string[];
  /** Batch mode: the batches submitted (run.json `batches`). */
  batches?: RunHeader['batches'];
  /** The budget, the estimate checked before the first call, and what the run spent (run.json `budget`). */
  budget?: RunHeader['budget'];
  /** Why the run stopped short (run.json `stopped`): the batch timeout, the budget. */
  stopped?: RunHeader['stopped'];
  /** The commit checked out when the run started (run.json `gitCommit`). */
  gitCommit?: string;
}

/** Writes run.json (streamed from the case log), runs the reporters' end hooks, and tidies up. */
export async function finalizeRun(input: FinalizeInput): Promise<{ header: RunHeader; files: string[] }> {
  const { engine } = input;
  const header: RunHeader = {
    format: 'promptgate-run',
    formatVersion: RUN_FORMAT_VERSION,
    runId: input.runId,
    command: input.command,
    status: engine.interrupted ? 'interrupted' : engine.budget?.exhausted ? 'budget_exhausted' : 'complete',
    ...(input.stopped ? { stopped: input.stopped } : {}),
    ...(input.budget ? { budget: input.budget } : {}),
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    ...(input.gitCommit ? { gitCommit: input.gitCommit } : {}),
    promptgateVersion: await packageVersion(),
    configDigest: input.config.digest,
    options: input.options,
    prompts: promptRefs(input.suites),
    models: modelRefs(input.config, input.suites, engine.summary.modelsReported),
    totals: engine.summary.totals,
    summary: engine.summary.rows,
    ...(input.selection ? { selection: input.selection } : {}),
    ...(input.notes?.length ? { notes: input.notes } : {}),
    ...(input.comparison ? { comparison: input.comparison } : {}),
    ...(input.gate ? { gate: input.gate } : {}),
    ...(input.drift ? { drift: input.drift } : {}),
    ...(input.batches?.length ? { batches: input.batches } : {}),
  };
  const cases = () => readLines<CaseResult>(engine.casesFile);
  // The case log's lines are already the JSON of each case: copied into run.json as they are.
  const files = [await writeRunFile(input.runDir, header, readRawLines(engine.casesFile))];
  for (const reporter of input.reporters) {
    const written = await reporter.onRunEnd?.(header, cases, input.runDir);
    if (written) files.push(...written);
  }
  await removeFile(engine.casesFile);
  return { header, files };
}

function promptRefs(suites: SuiteRun[]): PromptRef[] {
  const refs = new Map<string, PromptRef>();
  for (const suite of suites) {
    for (const [side, source] of [['candidate', suite.candidate], ['baseline', suite.baseline]] as const) {
      const prompt = source && promptOf(source);
      if (prompt) refs.set(`${side}:${prompt.id}:${prompt.hash}`, { id: prompt.id, version: prompt.version, hash: prompt.hash, path: prompt.path, side });
    }
  }
  return [...refs.values()];
}

function modelRefs(config: ResolvedConfig, suites: SuiteRun[], reported: Map<string, Set<string>>): ModelRef[] {
  const names = new Set<string>();
  for (const suite of suites) for (const model of suite.plan.models) names.add(model);
  if (config.judge) names.add(config.judge);
  return [...names].map((name) => {
    const model = config.models[name];
    return {
      name,
      provider: providerLabel(model.provider),
      model: model.model,
      reported: [...(reported.get(name) ?? [])].sort(),
    };
  });
}

let version: string | undefined;
export async function packageVersion(): Promise<string> {
  if (!version) {
    const pkg = JSON.parse(await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
    version = pkg.version;
  }
  return version;
}
