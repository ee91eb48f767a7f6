import type { Command } from 'commander';
import { ci } from '../api/ci.js';
import { addAdaptiveFlags, addRunFlags, addSamplingFlags, commonOptionsOf, type CommonFlags } from './options.js';
import { exitOf, withInterrupt, type CliRuntime } from './runtime.js';

export interface CiFlags extends CommonFlags {
  /** The branch or commit the pull request goes into; the merge base with HEAD is the baseline. */
  base?: string;
}

/**
 * `promptgate ci` (SPEC §5). Exit codes: 0 pass or nothing changed · 1 a version-discipline
 * violation (no model is called), the gate failed, or a stale prompts.lock.json (after the evals
 * ran and were reported) · 2 bad input or no usable base · 3 no verdict. An inconclusive gate
 * follows `gate.inconclusive`: 1 (`fail`, the default), 0 (`pass`) or 4 (`neutral`).
 */
export function registerCi(program: Command, cli: CliRuntime): void {
  addAdaptiveFlags(addSamplingFlags(
    addRunFlags(
      program
        .command('ci')
        .description('pull-request gate: check version bumps, then compare the suites changed since the merge base with the base branch')
        .option('--base <rev>', 'base branch or commit (default: the PR base from the CI environment, else origin/main, else main)'),
    ),
  )).action(async (flags: CiFlags) => {
    cli.exit(
      await withInterrupt(cli.context, async (context) =>
        exitOf(await ci({ ...commonOptionsOf(flags), base: flags.base, baselineCache: flags.baselineCache, adaptive: flags.adaptive }, context), flags.debug, context.stderr),
      ),
    );
  });
}
