import { inputError } from '../errors.js';
import { createReporters } from '../reporters/index.js';
import { resolveSuites } from '../runner/plan.js';
import { adaptiveChoice, checkAdaptiveFlags, checkSampling, runComparison } from '../workflows/comparison.js';
import { resolveContext, signalOf, type Context } from './context.js';
import { checkCommonOptions, loadConfigFor, type CommonOptions } from './options.js';
import { outcomeOf, settle, type RunResult } from './result.js';
import { resumeArgsOf } from './resume-args.js';

export interface CompareOptions extends CommonOptions {
  /** Suites to compare (positional arguments). @default every suite with cases */
  suites?: string[];
  /**
   * `--baseline <spec>` (required): a git revision (`main`, `HEAD~1`, `git:<rev>`), a prompt version
   * (`@1.2.0`) or a stored run (`run:<run folder or run.json>`, relative to the project root).
   */
  baseline: string;
  /** `--candidate <spec>`: same forms. @default the working tree */
  candidate?: string;
  /**
   * `--baseline-cache` (true) / `--no-baseline-cache` (false): reuse the baseline's cached answers
   * even when they are noisy. @default the config's `gate.baselineCache`
   */
  baselineCache?: boolean;
  /**
   * `--adaptive` (true) / `--no-adaptive` (false): more repeats, round by round, for the cases whose
   * draws disagree (docs/adaptive.md). Refused with `repeat`, `resume`, `shard` and a stored side. @default the config's `adaptive`
   */
  adaptive?: boolean;
}

/**
 * `promptgate compare`: runs candidate and baseline on the same cases and models and gates
 * regressions. `verdict`: pass, fail, inconclusive (exit 4) or error (no verdict, exit 3);
 * `run.comparison` holds the rows.
 */
export async function compare(options: CompareOptions, context: Context = {}): Promise<RunResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    checkCommonOptions(options);
    if (typeof options?.baseline !== 'string' || options.baseline.trim() === '') {
      throw inputError('USAGE', 'compare needs a baseline: a git revision, @version or run:<path>', { file: '--baseline' }, 'e.g. baseline: "main"');
    }
    checkSampling(options);
    checkAdaptiveFlags(options);
    const config = await loadConfigFor(options, ctx.cwd);
    const adaptive = adaptiveChoice(options, config);
    const plans = (await resolveSuites(config, { only: options.suites ?? [], models: options.models, repeat: adaptive?.startRepeats ?? options.repeat, orphans: true })).filter((plan) => plan.caseFiles.length > 0);
    if (plans.length === 0) throw inputError('SELECTION_EMPTY', 'no suite has cases to compare');
    const reporters = await createReporters(config.reporters, { rootDir: config.rootDir, stream: ctx.stdout, stderr: ctx.stderr, env: ctx.env });
    const result = await runComparison({ config, plans, options, reporters, signal: signalOf(ctx), command: 'compare', stderr: ctx.stderr, env: ctx.env, clock: ctx.clock, resumeArgs: resumeArgsOf(options) });
    return outcomeOf(result);
  });
}
