import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { inputError } from '../errors.js';
import { createGitLookups } from '../git/lookups.js';
import { createReporters } from '../reporters/index.js';
import { oneLine } from '../reporters/terminal-text.js';
import { openStoredRun, readRunFile } from '../run-record/read.js';
import { RUN_FILE } from '../run-record/writer.js';
import { whyNotBaseline } from '../baseline/eligibility.js';
import { displayPath, resolveStoredRunPath, STORED_BASELINE_SPEC_PATH } from '../baseline/store.js';
import { resolveSuites } from '../runner/plan.js';
import { renderRunAnnotations } from '../workflows/annotations.js';
import { runComparison } from '../workflows/comparison.js';
import { createDriftCollector, renderDriftText } from '../workflows/drift-report.js';
import { pinStoredPrompts } from '../workflows/drift-prompts.js';
import { selectStoredSuites } from '../workflows/drift-select.js';
import { appendStepSummary, formatAnnotation, isGithubActions, stopCommands, writeAnnotations } from '../workflows/github.js';
import { createRepoPaths } from '../workflows/repo-paths.js';
import { resolveContext, signalOf, type Context } from './context.js';
import { checkCommonOptions, loadConfigFor, type CommonOptions } from './options.js';
import { outcomeOf, settle, type Failure, type RunOutcome } from './result.js';
import { resumeArgsOf } from './resume-args.js';

export interface DriftOptions extends Omit<CommonOptions, 'noCache'> {
  /** Suites to check (positional arguments). @default every suite of the stored run */
  suites?: string[];
  /**
   * `--baseline run:<path to run.json or run folder>` (relative to the project root); `run:baseline`
   * is the stored baseline. @default the stored baseline (`promptgate baseline accept`; exit 2 when none)
   */
  baseline?: string;
  /**
   * `--save-baseline <path>`: copy the new run.json here when the run may be a baseline (complete, no
   * errored case, a verdict: the rule of `baseline accept`), for `--baseline run:<path>`. It does not
   * change the stored baseline: `promptgate baseline accept <run folder>` does, recording who and why.
   */
  saveBaseline?: string;
}

export interface DriftOutcome extends RunOutcome {
  /** The file the run was saved to as the next baseline (absolute), when `saveBaseline` was given and the run completed. */
  savedBaseline?: string;
}

export type DriftResult = DriftOutcome | Failure;

/**
 * `promptgate drift`: re-runs a stored run's prompt versions on today's models (never reading the
 * cache) and gates score regressions; `run.drift` holds changed outputs, new errors and changed
 * model versions. Exit codes as compare()'s.
 */
export async function drift(options: DriftOptions, context: Context = {}): Promise<DriftResult> {
  const ctx = resolveContext(context);
  const { env, stdout: out, stderr: err } = ctx;
  return settle(async (): Promise<DriftOutcome> => {
    checkCommonOptions(options);
    // No --baseline: the stored baseline (`promptgate baseline accept`), spelled run:baseline.
    const given = typeof options?.baseline === 'string' ? options.baseline.trim() : undefined;
    const spec = given === undefined || given === '' ? `run:${STORED_BASELINE_SPEC_PATH}` : given;
    if (!spec.startsWith('run:') || spec.length === 4) {
      throw inputError('USAGE', `drift compares with a stored run: --baseline run:<path to run.json>, or none for the accepted baseline (got "${options?.baseline}")`, { file: '--baseline' }, 'accept one with `promptgate baseline accept reports/<run id>`, or give run:<path>');
    }
    const config = await loadConfigFor(options, ctx.cwd);
    const storedPath = await resolveStoredRunPath(spec.slice(4), { rootDir: config.rootDir, reportsDir: config.paths.reports });
    const storedFile = displayPath(storedPath, config.rootDir);
    const { run: stored } = await readRunFile(storedPath);
    const only = options.suites ?? [];
    const plansHere = await resolveSuites(config, { only, models: options.models, repeat: options.repeat ?? stored.options.repeat, orphans: true });
    const selected = selectStoredSuites(plansHere, stored, { explicitModels: Boolean(options.models?.length), explicitSuites: only.length > 0, configured: config.models, storedFile }, err);
    if (selected.length === 0) throw inputError('RUN_INVALID', 'no suite of the stored run can be run here (suites or models were renamed or removed)', { file: storedFile });
    // The command's git answers (the root for pinned prompts and annotations, HEAD for run.json), asked once.
    const git = createGitLookups();
    const { plans, notes } = await pinStoredPrompts(selected, stored, config, git);
    for (const note of notes) err.write(`promptgate: note: ${note}\n`);

    const collector = createDriftCollector();
    const names = new Set([...config.reporters, 'junit' as const, 'markdown' as const]);
    const reporters = [...(await createReporters([...names], { rootDir: config.rootDir, stream: out, stderr: err, env })), collector.reporter];
    const github = isGithubActions(env);
    const resume = github ? stopCommands(out) : undefined;
    let result: Awaited<ReturnType<typeof runComparison>>;
    try {
      result = await runComparison({
        config,
        plans,
        // Drift must ask today's models: no cache reads (answers still warm the cache for ci).
        options: { ...options, noCache: true, baseline: spec },
        reporters,
        signal: signalOf(ctx),
        command: 'drift',
        stderr: err,
        env,
        clock: ctx.clock,
        resumeArgs: resumeArgsOf({ ...options, baseline: spec }),
        git,
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
      const root = await git.findRepoRoot(config.rootDir);
      const repo = root ? createRepoPaths(root, config.rootDir) : undefined;
      const promptFiles = new Map(plans.map((p) => [p.prompt.id, repo ? repo.toRepoPath(p.promptPath) : p.prompt.path]));
      const stored = await openStoredRun(runDir);
      writeAnnotations(out, await renderRunAnnotations(header, stored.cases(), (id) => promptFiles.get(id)));
    }
    let savedBaseline: string | undefined;
    if (options.saveBaseline) {
      // The same rule as `baseline accept`: only a whole, decided run may be a baseline.
      const why = whyNotBaseline(header);
      if (why) err.write(`promptgate: not saved as a baseline (${options.saveBaseline}): ${why}\n`);
      else {
        const target = resolve(config.rootDir, options.saveBaseline);
        await mkdir(dirname(target), { recursive: true });
        await copyFile(join(runDir, RUN_FILE), target);
        savedBaseline = target;
        out.write(`Saved this run as the baseline: ${options.saveBaseline}\n`);
      }
    }
    return { ...outcomeOf(result), ...(savedBaseline ? { savedBaseline } : {}) };
  });
}
