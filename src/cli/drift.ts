import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ReporterName } from '../config/types.js';
import { inputError } from '../errors.js';
import { findRepoRoot } from '../git/git.js';
import { createReporters } from '../reporters/index.js';
import { oneLine } from '../reporters/terminal-text.js';
import type { RunFile } from '../run-record/types.js';
import { RUN_FILE, readRunFile } from '../run-record/writer.js';
import { resolveSuites, type SuitePlan } from '../runner/plan.js';
import { exitCodeOf } from '../runner/session.js';
import { renderRunAnnotations } from '../workflows/annotations.js';
import { createDriftCollector, renderDriftText } from '../workflows/drift-report.js';
import { pinStoredPrompts } from '../workflows/drift-prompts.js';
import { createRepoPaths } from '../workflows/repo-paths.js';
import { appendStepSummary, formatAnnotation, isGithubActions, stopCommands, writeAnnotations } from '../workflows/github.js';
import { runComparison } from './compare.js';
import { reportError } from './errors.js';
import { addRunFlags, loadConfigWithFlags, type CommonFlags } from './options.js';
import { interruptSignal } from './signals.js';

export interface DriftFlags extends CommonFlags {
  /** `run:<path to run.json or run folder>` */
  baseline: string;
  /** Copy the new run.json here when the run completes (e.g. baselines/nightly.json). */
  saveBaseline?: string;
}

export function registerDrift(program: Command): void {
  addRunFlags(
    program
      .command('drift')
      .argument('[suite...]', 'suites to check (default: every suite of the stored run)')
      .description("nightly check: re-run the stored run's prompt versions on today's models (no cache) and report score regressions, changed outputs, new errors and changed model versions")
      .requiredOption('-b, --baseline <spec>', 'the stored run: run:<path to run.json>')
      .option('--save-baseline <path>', 'after the run, copy its run.json here as the next baseline (e.g. baselines/nightly.json)'),
  ).action(async (suites: string[], flags: DriftFlags) => {
    process.exitCode = await driftCommand(suites, flags);
  });
}

/** Exit codes: 0 no regression · 1 the gate failed · 2 bad input (or the stored versions cannot be found) · 3 no verdict. */
export async function driftCommand(only: string[], flags: DriftFlags, env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const interrupt = interruptSignal();
  try {
    const spec = flags.baseline.trim();
    if (!spec.startsWith('run:') || spec.length === 4) {
      throw inputError('USAGE', `drift compares with a stored run: --baseline run:<path to run.json> (got "${flags.baseline}")`, { file: '--baseline' }, 'make one with `promptgate run --no-cache` and keep its run.json, e.g. as baselines/nightly.json');
    }
    const storedFile = spec.slice(4);
    const config = await loadConfigWithFlags(flags);
    const { run: stored } = await readRunFile(resolve(process.cwd(), storedFile));
    const selected = selectStoredSuites(await resolveSuites(config, { only, models: flags.model, repeat: flags.repeat ?? stored.options.repeat, orphans: true }), stored, { explicitModels: Boolean(flags.model?.length), explicitSuites: only.length > 0, configured: config.models, storedFile }, err);
    if (selected.length === 0) throw inputError('RUN_INVALID', 'no suite of the stored run can be run here (suites or models were renamed or removed)', { file: storedFile });
    const { plans, notes } = await pinStoredPrompts(selected, stored, config);
    for (const note of notes) err.write(`promptgate: note: ${note}\n`);

    const collector = createDriftCollector();
    const names = new Set([...config.reporters, 'junit' as const, 'markdown' as const]);
    const reporters = [...(await createReporters([...names], { rootDir: config.rootDir })), collector.reporter];
    const github = isGithubActions(env);
    const resume = github ? stopCommands(out) : undefined;
    let result;
    try {
      result = await runComparison({
        config,
        plans,
        // Drift must ask today's models: no cache reads (answers still warm the cache for ci).
        flags: { ...flags, cache: false, baseline: spec },
        reporters,
        signal: interrupt.signal,
        command: 'drift',
        stderr: err,
        extend: (engine) => ({ drift: collector.report({ stored, storedFile, reported: engine.summary.modelsReported }) }),
      });
    } finally {
      resume?.();
    }
    const { header, runDir } = result;
    if (header.drift) for (const line of renderDriftText(header.drift, oneLine)) out.write(`${line}\n`);

    const summary = await readFile(join(runDir, 'summary.md'), 'utf8').catch(() => undefined);
    if (summary !== undefined) await appendStepSummary(summary, env);
    if (github) {
      writeAnnotations(
        out,
        (header.drift?.modelChanges ?? []).map((change) =>
          formatAnnotation('warning', { title: `promptgate drift: model ${change.model} changed version` }, `${change.model}: ${change.before.join(', ')} → ${change.after.join(', ')}`),
        ),
      );
      const root = await findRepoRoot(config.rootDir);
      const repo = root ? createRepoPaths(root, config.rootDir) : undefined;
      const promptFiles = new Map(plans.map((p) => [p.prompt.id, repo ? repo.toRepoPath(p.promptPath) : p.prompt.path]));
      const { run } = await readRunFile(runDir);
      writeAnnotations(out, await renderRunAnnotations(header, run.cases, (id) => promptFiles.get(id)));
    }
    if (flags.saveBaseline) {
      if (header.status !== 'complete') err.write('promptgate: the run was interrupted: not saved as a baseline\n');
      else {
        const target = resolve(process.cwd(), flags.saveBaseline);
        await mkdir(dirname(target), { recursive: true });
        await copyFile(join(runDir, RUN_FILE), target);
        out.write(`Saved this run as the baseline: ${flags.saveBaseline}${header.totals.errored ? ` (note: ${header.totals.errored} case(s) errored in it)` : ''}\n`);
      }
    }
    return exitCodeOf(header);
  } catch (error) {
    return reportError(error, Boolean(flags.debug), err);
  } finally {
    interrupt.dispose();
  }
}

/**
 * The suites and models of the stored run that still exist here. With `--model`, the given models
 * are used as they are (their cases then show as new where the stored run had other models).
 */
function selectStoredSuites(
  plans: SuitePlan[],
  stored: RunFile,
  options: { explicitModels: boolean; explicitSuites: boolean; configured: Record<string, unknown>; storedFile: string },
  err: NodeJS.WritableStream,
): SuitePlan[] {
  const storedModels = new Map<string, Set<string>>();
  for (const row of stored.summary) {
    if (!storedModels.has(row.suite)) storedModels.set(row.suite, new Set());
    storedModels.get(row.suite)!.add(row.model);
  }
  const out: SuitePlan[] = [];
  for (const plan of plans) {
    const models = storedModels.get(plan.name);
    if (!models) {
      // A suite the stored run lacks has no baseline: drift could only report its cases as new.
      if (options.explicitSuites) {
        const has = [...storedModels.keys()].map((s) => `"${s}"`).join(', ') || 'no suites';
        throw inputError('RUN_INVALID', `the stored run has no suite "${plan.name}": there is nothing to compare its cases with`, { file: options.storedFile }, `it has ${has}; make a baseline that includes it with \`promptgate drift --save-baseline\` or \`promptgate run\``);
      }
      if (plan.caseFiles.length > 0) err.write(`promptgate: note: suite "${plan.name}" is not in the stored run (${options.storedFile}): not checked for drift; make a new baseline to include it\n`);
      continue;
    }
    if (plan.caseFiles.length === 0) continue;
    if (options.explicitModels) {
      out.push(plan);
      continue;
    }
    const kept = [...models].filter((m) => Object.hasOwn(options.configured, m));
    if (kept.length === 0) {
      err.write(`promptgate: note: suite "${plan.name}": the stored run's models (${[...models].join(', ')}) are not configured any more; skipped\n`);
      continue;
    }
    out.push({ ...plan, models: kept });
  }
  for (const suite of storedModels.keys()) {
    if (!plans.some((p) => p.name === suite)) err.write(`promptgate: note: the stored run's suite "${suite}" is not in this project (or not selected); skipped\n`);
  }
  return out;
}
