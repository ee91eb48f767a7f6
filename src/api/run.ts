import { inputError } from '../errors.js';
import { createReporters } from '../reporters/index.js';
import { decideRunFloor } from '../runner/floor.js';
import { resolveSuites } from '../runner/plan.js';
import { shardOption } from '../runner/select.js';
import { runSession } from '../runner/session.js';
import { resolveContext, signalOf, type Context } from './context.js';
import { checkCommonOptions, loadConfigFor, type CommonOptions } from './options.js';
import { outcomeOf, settle, type RunResult } from './result.js';

export interface RunOptions extends CommonOptions {
  /** Suites to run (positional arguments). @default every suite with cases */
  suites?: string[];
  /** Refused when true (USAGE): adaptive repeats need a baseline (compare(), ci()). */
  adaptive?: boolean;
}

/**
 * `promptgate run`: runs the cases of the working-tree prompts and writes a run folder. The verdict
 * is the run's floor (`gate.minPassRate`): `pass` or `fail`. Bad input: `{ ok: false }`, exit 2,
 * nothing run or written.
 */
export async function run(options: RunOptions = {}, context: Context = {}): Promise<RunResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    if (options.adaptive) {
      throw inputError('USAGE', 'adaptive repeats add repeats where a baseline and the candidate disagree, and run has no baseline', { file: '--adaptive' }, 'use `promptgate compare --baseline <rev> --adaptive`, or --repeat <n> for a fixed number of repeats');
    }
    checkCommonOptions(options);
    const config = await loadConfigFor(options, ctx.cwd);
    const plans = await resolveSuites(config, { only: options.suites ?? [], models: options.models, repeat: options.repeat, orphans: true });
    const runnable = plans.filter((plan) => plan.caseFiles.length > 0);
    if (runnable.length === 0) throw inputError('SELECTION_EMPTY', 'no suite has cases (put them in evals/<prompt id>.csv, .jsonl or evals/<prompt id>/)');
    const reporters = await createReporters(config.reporters, { rootDir: config.rootDir, stream: ctx.stdout, stderr: ctx.stderr, env: ctx.env });
    const result = await runSession({
      config,
      suites: runnable.map((plan) => ({ plan, candidate: { kind: 'prompt', prompt: plan.prompt } })),
      command: 'run',
      flags: { concurrency: config.concurrency, filter: options.filter, shard: shardOption(options.shard), noCache: options.noCache, record: options.record, resume: options.resume, out: options.out, models: options.models, maxCostUsd: options.maxCost, allowOverEstimate: options.allowOverEstimate },
      reporters,
      signal: signalOf(ctx),
      warn: (line) => ctx.stderr.write(`${line}\n`),
      stderr: ctx.stderr,
      env: ctx.env,
      clock: ctx.clock,
      decide: (engine) => ({ gate: decideRunFloor(engine.summary.rows, engine.summary.totals, config.gate) }),
    });
    return outcomeOf(result);
  });
}
