import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { readBatchLog } from '../batch/batch-log.js';
import { checkBudgetPrices, resolveBudget, type BudgetSetting } from '../budget/guard.js';
import { checkBudgetBeforeRun } from '../budget/preflight.js';
import type { AdaptiveGate } from '../compare/adaptive.js';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { headCommit } from '../git/git.js';
import type { GitLookups } from '../git/lookups.js';
import { recordHistory } from '../history/record.js';
import { preloadSdks } from '../providers/preload.js';
import type { Reporter } from '../reporters/types.js';
import type { Comparison, DriftReport, GateVerdict, RunHeader, SelectionRecord } from '../run-record/types.js';
import { ensureRunDir } from '../run-record/writer.js';
import type { Clock } from '../util/clock.js';
import { batchModeOf, commandLine, durationText, type BatchMode } from './batch-mode.js';
import { runEngine, type EngineResult, type SuiteRun } from './engine.js';
import { createProviders } from './providers.js';
import { finalizeRun } from './finalize.js';
import { loadResumeState } from './resume.js';
import { buildRunIdentity, checkResumable, writeRunIdentity } from './run-identity.js';
import type { Shard } from './select.js';
import { validateSuites, type SuiteCheck } from './validate.js';

export interface SessionFlags {
  concurrency: number;
  filter?: string;
  shard?: Shard;
  /** --no-cache */
  noCache?: boolean;
  record?: boolean;
  /** --resume <run folder> */
  resume?: string;
  /** --batch: every model's calls through its Batch API (a model entry's `batch: true` does it for that model). */
  batch?: boolean;
  /** --batch-timeout, ms. */
  batchTimeoutMs?: number;
  /** --max-cost, USD (without it: the config's budget.maxCostUsd; see budget/guard.ts resolveBudget). */
  maxCostUsd?: number;
  /** --allow-over-estimate */
  allowOverEstimate?: boolean;
  /** --out <dir>: where run folders go. @default config.paths.reports */
  out?: string;
  models?: string[];
}

export interface SessionInput {
  config: ResolvedConfig;
  suites: SuiteRun[];
  command: string;
  flags: SessionFlags;
  /** compare / ci / drift: the baseline and candidate specs as given (part of the run's identity, checked by --resume). */
  specs?: { baseline?: string; candidate?: string };
  reporters: Reporter[];
  signal: AbortSignal;
  /** Where warnings go (one line each, e.g. a CSV column no template uses). @default stderr */
  warn?: (line: string) => void;
  /**
   * compare / ci / drift: noisy sides are drawn fresh, the baseline's cache is reused only when
   * chosen (runner/sampling.ts); EngineResult.sampling says what each side used.
   */
  sampling?: { baselineCache: boolean; by?: string };
  /** compare / ci with adaptive repeats: the gate that plans the rounds (compare/adaptive.ts). */
  adaptive?: AdaptiveGate;
  /** Turns the finished cases into a verdict (and, for compare, a comparison). */
  decide(engine: EngineResult): { comparison?: Comparison; gate?: GateVerdict; drift?: DriftReport };
  /** Where notes go (an empty shard). @default process.stderr */
  stderr?: NodeJS.WritableStream;
  /** Where API keys are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The time rate limits and retry waits run on (Context.clock). @default systemClock */
  clock?: Clock;
  /** The command's git answers: run.json's `gitCommit` is HEAD as the command found it. @default git is asked */
  git?: GitLookups;
  /**
   * The arguments after the command that resume this run, given its run folder as the project
   * sees it (e.g. `['--baseline', 'main', '--resume', 'reports/…']`): printed when the batch
   * timeout stops the run. @default ['--resume', runFolder]
   */
  resumeArgs?: (runFolder: string) => string[];
}

export interface SessionResult {
  header: RunHeader;
  runDir: string;
  files: string[];
}

/**
 * A whole run: validate every input first (nothing is written when one is bad), then make the run
 * folder, stream the cases through the engine, decide, and write run.json and the reports.
 */
export async function runSession(input: SessionInput): Promise<SessionResult> {
  const { config, flags } = input;
  // Validate what will actually run: the candidate's prompt version against today's cases (a stored
  // candidate renders nothing: its cases are only counted).
  const plans = input.suites.map((s) => (s.candidate.kind === 'prompt' ? { ...s.plan, prompt: s.candidate.prompt } : { ...s.plan, checkPrompt: false }));
  preloadSdks(config.models, [...input.suites.flatMap((s) => s.plan.models), ...(config.judge ? [config.judge] : [])]);
  const checks = await validateSuites(config, plans, { filter: flags.filter, shard: flags.shard, env: input.env, adaptive: input.adaptive !== undefined });
  if (flags.filter !== undefined && flags.filter !== '' && checks.every((c) => c.selected === 0)) throw filterMatchesNothing(flags.filter, checks);
  // Printed once every input is known to be valid, so a bad input stays one line.
  const warn = input.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  for (const check of checks) for (const warning of check.warnings ?? []) warn(`promptgate: warning: ${warning}`);
  const casesBySuite = new Map(checks.map((c) => [c.suite, c.cases]));
  const notes: string[] = [];
  const inRun = checks.reduce((sum, c) => sum + c.cases, 0);
  if (flags.shard && inRun === 0) {
    const selected = checks.reduce((sum, c) => sum + c.selected, 0);
    notes.push(`shard ${flags.shard.index}/${flags.shard.count} is empty: none of the ${selected} selected case(s) falls in it (more shards than cases?), so nothing was run; \`promptgate merge\` of all the shards decides the gate`);
  }
  // A budget needs a price for every model the run calls: refused before anything is written.
  const budget = resolveBudget(flags.maxCostUsd, config);
  if (budget) checkBudgetPrices(config, input.suites.filter((s) => s.candidate.kind === 'prompt' || s.baseline?.kind === 'prompt').flatMap((s) => s.plan.models), budget);
  for (const note of notes) (input.stderr ?? process.stderr).write(`promptgate: note: ${note}\n`);
  let totalCalls = 0;
  for (const suite of input.suites) {
    const sides = (suite.candidate.kind === 'prompt' ? 1 : 0) + (suite.baseline?.kind === 'prompt' ? 1 : 0);
    totalCalls += (casesBySuite.get(suite.plan.name) ?? 0) * suite.plan.models.length * suite.plan.repeat * sides;
  }

  // Batch mode: a batched model entry whose provider has no Batch API is bad input, before anything is written.
  const wantsBatch = flags.batch || Object.values(config.models).some((model) => model.batch);
  const providers = wantsBatch ? createProviders(config, { record: flags.record ?? false, env: input.env }) : undefined;
  const batchMode: BatchMode | undefined = providers ? batchModeOf(config, input.suites, flags, providers) : undefined;
  // A budget: the estimate is checked before anything is written (over it: exit 2, nothing run).
  const preflight = budget
    ? await checkBudgetBeforeRun({
        config, suites: input.suites, budget, allowOverEstimate: flags.allowOverEstimate, filter: flags.filter, shard: flags.shard,
        batch: flags.batch, reportsDir: flags.out ? resolve(config.rootDir, flags.out) : undefined, adaptive: input.adaptive !== undefined,
      })
    : undefined;

  let runDir: string;
  let runId: string;
  let resumed: Awaited<ReturnType<typeof loadResumeState>> | undefined;
  const shard = flags.shard ? `${flags.shard.index}/${flags.shard.count}` : undefined;
  const identityOf = (id: string) =>
    buildRunIdentity({ config, suites: input.suites, runId: id, command: input.command, filter: flags.filter, shard, models: flags.models, specs: input.specs });
  if (flags.resume) {
    runDir = resolve(config.rootDir, flags.resume);
    if (!existsSync(runDir)) throw inputError('FILE_MISSING', 'run folder to resume not found', { file: flags.resume });
    runId = basename(runDir);
    // Refuse before anything is touched when the run is complete or its settings changed.
    await checkResumable(runDir, flags.resume, await identityOf(runId));
    resumed = await loadResumeState(runDir);
    // Calls already in a submitted batch wait for that batch (never sent again).
    if (batchMode) batchMode.resumed = await readBatchLog(runDir);
  } else {
    runId = newRunId();
    const identity = await identityOf(runId);
    runDir = await ensureRunDir(flags.out ? resolve(config.rootDir, flags.out) : config.paths.reports, runId);
    // Recorded first, so even a run killed before its run.json can be resumed safely.
    await writeRunIdentity(runDir, identity);
  }

  const startedAt = new Date().toISOString();
  const gitCommit = await (input.git ? input.git.headCommit(config.rootDir) : headCommit(config.rootDir));
  for (const reporter of input.reporters) {
    await reporter.onRunStart?.({ runId, command: input.command, runDir, totalCalls, suites: input.suites.map((s) => ({ suite: s.plan.name, promptId: s.plan.prompt.id, models: s.plan.models })) });
  }
  const engine = await runEngine({
    config,
    suites: input.suites,
    runId,
    runDir,
    signal: input.signal,
    concurrency: flags.concurrency,
    readCache: !flags.noCache && config.paths.cache !== false,
    ...(input.sampling ? { sampling: input.sampling } : {}),
    record: flags.record,
    filter: flags.filter,
    shard: flags.shard,
    resumed,
    reporters: input.reporters,
    totalCalls,
    env: input.env,
    clock: input.clock,
    ...(input.adaptive ? { adaptive: input.adaptive } : {}),
    ...(batchMode ? { batch: batchMode } : {}),
    ...(providers ? { providers } : {}),
    ...(budget ? { budget } : {}),
  });
  const { comparison, drift, gate: decided } = input.decide(engine);
  let stopped: RunHeader['stopped'];
  if (engine.batchTimedOut && batchMode) {
    const shown = relative(config.rootDir, runDir);
    const folder = shown === '' || shown.startsWith('..') || isAbsolute(shown) ? runDir : shown;
    const resume = commandLine(input.command, input.resumeArgs?.(folder) ?? ['--resume', folder]);
    const message = `the batch timeout (${durationText(batchMode.config.timeoutMs)}) passed while batches were still running: stopped waiting; the batches go on at the provider and the run folder is resumable`;
    stopped = { reason: 'batch_timeout', message, resume };
    (input.stderr ?? process.stderr).write(`promptgate: ${message}\npromptgate: resume with: ${resume}\n`);
  }
  // An empty shard passes (the merged run decides), and says why.
  let gate = decided && decided.verdict === 'pass' && notes.length && inRun === 0 ? { ...decided, reasons: notes } : decided;
  // Stopped by the budget: the cases not run have no result, so no verdict (exit 3), whatever the rest did.
  const stop = budget && engine.budget?.exhausted && !engine.interrupted ? budgetStop(budget, engine, input, casesBySuite, relative(config.rootDir, runDir) || '.') : undefined;
  if (stop) gate = stop.gate(gate, comparison);
  if (comparison && gate && comparison.gate === decided) comparison.gate = gate;
  const { header, files } = await finalizeRun({
    config,
    suites: input.suites,
    engine,
    runId,
    runDir,
    command: input.command,
    startedAt,
    options: {
      repeat: Math.max(1, ...input.suites.map((s) => s.plan.repeat)),
      concurrency: flags.concurrency,
      models: flags.models,
      filter: flags.filter,
      shard,
      cache: !flags.noCache && config.paths.cache !== false,
    },
    reporters: input.reporters,
    comparison,
    gate,
    drift,
    selection: selectionOf(input.suites, checks),
    notes,
    ...(engine.batches ? { batches: engine.batches } : {}),
    // Spent: what this run's calls cost (the guard's count: cached and resumed calls cost nothing).
    ...(budget && preflight ? { budget: { maxCostUsd: budget.maxCostUsd, estimateUsd: preflight.estimateUsd, spentUsd: engine.budget?.spentUsd ?? 0 } } : {}),
    ...(stop ? { stopped: stop.stopped } : stopped ? { stopped } : {}),
    gitCommit,
  });
  await recordHistory(runDir, input.stderr ?? process.stderr);
  return { header, runDir, files };
}

/**
 * The run the budget stopped: why (run.json `stopped`) and its gate: `error` (no verdict; exit 3)
 * naming what was not run, keeping the reasons the cases that did run gave. Comparison rows that
 * did not get every case cannot pass either.
 */
function budgetStop(budget: BudgetSetting, engine: EngineResult, input: SessionInput, casesBySuite: Map<string, number>, shownDir: string) {
  const finished = new Map(engine.summary.rows.map((row) => [`${row.suite}\u0000${row.model}`, row.cases]));
  let planned = 0;
  for (const suite of input.suites) planned += (casesBySuite.get(suite.plan.name) ?? 0) * suite.plan.models.length;
  const notRun = Math.max(0, planned - engine.summary.totals.cases);
  const usd = (x: number) => `$${x.toFixed(4)}`;
  const spent = engine.budget?.spentUsd ?? 0;
  const message = `the cost budget of $${Number(budget.maxCostUsd.toPrecision(6))} (${budget.by}) stopped the run: ${usd(spent)} spent; no call was started that could pass it, the calls in flight finished; ${notRun} of ${planned} case(s) were not run, so there is no verdict`;
  const reason = `incomplete: ${message}`;
  return {
    stopped: { reason: 'budget' as const, message, resume: `promptgate ${input.command} --resume ${shownDir} --max-cost <more>` },
    gate(decided: GateVerdict | undefined, comparison: Comparison | undefined): GateVerdict {
      for (const row of comparison?.rows ?? []) {
        const expected = casesBySuite.get(row.suite) ?? 0;
        const done = finished.get(`${row.suite}\u0000${row.model}`) ?? 0;
        if (done < expected && (row.verdict === 'pass' || row.verdict === 'inconclusive')) {
          row.verdict = 'error';
          row.reasons = [`incomplete: the cost budget stopped the run before ${expected - done} of its ${expected} case(s)`, ...row.reasons];
        }
      }
      return { verdict: 'error', reasons: [reason, ...(decided && decided.verdict !== 'pass' ? decided.reasons : [])] };
    },
  };
}

/** What each suite × model selected before sharding: merge checks the shards cover it exactly. */
function selectionOf(suites: SuiteRun[], checks: SuiteCheck[]): SelectionRecord[] {
  const bySuite = new Map(checks.map((c) => [c.suite, c]));
  return suites.flatMap((s) => {
    const check = bySuite.get(s.plan.name);
    return check ? s.plan.models.map((model) => ({ suite: s.plan.name, model, cases: check.selected, idsDigest: check.idsDigest, inRun: check.cases })) : [];
  });
}

/** `--filter` that selects nothing: exit 2 naming it, never a gate that passes on no case. */
function filterMatchesNothing(filter: string, checks: SuiteCheck[]) {
  const total = checks.reduce((sum, c) => sum + c.total, 0);
  const suites = checks.map((c) => c.suite).join(', ');
  return inputError(
    'SELECTION_EMPTY',
    `${JSON.stringify(filter)} matches none of the ${total} case(s) of ${checks.length === 1 ? 'suite' : 'suites'} ${suites}`,
    { file: '--filter' },
    'it keeps the cases whose id, description or tags, or whose suite name, contain the text (ignoring case)',
  );
}

/** Sortable (to the millisecond: runs a second apart are common in scripts) and unique: `2026-11-25T04-30-12-345-3f9a1c`. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().slice(0, 23).replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
}

/** Exit code of SPEC §7 for a finished session, and 4 for an inconclusive gate (README: "Exit codes"). */
export function exitCodeOf(header: RunHeader): number {
  // The batch timeout is no interrupt: the run stopped waiting and has no verdict yet (resumable).
  if (header.status === 'interrupted') return header.stopped?.reason === 'batch_timeout' ? 3 : 130;
  // The budget stopped the run: no verdict on the cases it did not run.
  if (header.status === 'budget_exhausted') return 3;
  if (header.gate?.verdict === 'fail') return 1;
  if (header.gate?.verdict === 'error') return 3;
  if (header.gate?.verdict === 'inconclusive') return 4;
  return 0;
}
