import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedGate } from '../config/types.js';
import { changedSince, readFileAt } from '../git/git.js';
import { createGitLookups } from '../git/lookups.js';
import { createReporters } from '../reporters/index.js';
import { oneLine } from '../reporters/terminal-text.js';
import type { RunHeader } from '../run-record/types.js';
import { openStoredRun } from '../run-record/read.js';
import { resolveSuites } from '../runner/plan.js';
import { exitCodeOf } from '../runner/session.js';
import { renderRunAnnotations } from '../workflows/annotations.js';
import { selectChangedSuites } from '../workflows/changed-suites.js';
import { resolveCiBase } from '../workflows/ci-base.js';
import { adaptiveChoice, checkAdaptiveFlags, checkSampling, runComparison } from '../workflows/comparison.js';
import { checkDiscipline, renderDisciplineMarkdown, renderStaleLockMarkdown } from '../workflows/discipline.js';
import { appendStepSummary, isGithubActions, stopCommands, writeAnnotations } from '../workflows/github.js';
import { createRepoPaths } from '../workflows/repo-paths.js';
import { resolveContext, signalOf, type Context } from './context.js';
import { checkCommonOptions, loadConfigFor, type CommonOptions } from './options.js';
import { settle, type Failure, type Verdict } from './result.js';

export interface CiOptions extends CommonOptions {
  /** `--base <rev>`: the branch the pull request goes into. @default the PR base from the CI environment, else origin/main, else main */
  base?: string;
  /** `--baseline-cache` / `--no-baseline-cache`, as for compare(). */
  baselineCache?: boolean;
  /** `--adaptive` / `--no-adaptive`, as for compare(). */
  adaptive?: boolean;
}

export interface CiOutcome {
  ok: true;
  /** 0 pass or nothing changed · 1 a version not bumped, the gate failed, or a stale lock · 3 no verdict · 4 inconclusive with gate.inconclusive "neutral" · 130 interrupted. */
  exitCode: number;
  /** The gate's verdict when suites were compared; `fail` for a version-discipline violation (nothing ran); `pass` when nothing changed. */
  verdict: Verdict;
  /** The suites compared (changed since the merge base). */
  compared: string[];
  /** Version-discipline and lock problems, one line each (also printed to stderr). */
  problems: string[];
  /** The comparison's run.json header and folder, when suites were compared. */
  run?: RunHeader;
  runDir?: string;
}

export type CiResult = CiOutcome | Failure;

/**
 * `promptgate ci` (SPEC §5): version discipline first (nothing runs when a changed prompt kept its
 * version), then the suites changed since the merge base are compared with it. GitHub Actions
 * outputs (annotations on stdout, the step summary) follow the context's env.
 */
export async function ci(options: CiOptions = {}, context: Context = {}): Promise<CiResult> {
  const ctx = resolveContext(context);
  const { env, stdout: out, stderr: err } = ctx;
  const github = isGithubActions(env);
  return settle(async (): Promise<CiOutcome> => {
    checkCommonOptions(options);
    checkSampling(options);
    checkAdaptiveFlags(options);
    const config = await loadConfigFor(options, ctx.cwd);
    const adaptive = adaptiveChoice(options, config);
    // The command's git answers: HEAD and the merge base, asked once for the base, the baseline and run.json.
    const git = createGitLookups();
    const base = await resolveCiBase(config.rootDir, options.base, env, git);
    const root = base.root;
    const repo = createRepoPaths(root, config.rootDir);
    const plans = await resolveSuites(config, { models: options.models, repeat: adaptive?.startRepeats ?? options.repeat, orphans: true });

    // 1. Policy first: a prompt whose text changed must bump its version, or nothing runs. A stale
    //    lock does not stop the evals (their results say whether `promptgate lock` is safe to run):
    //    they run and are published, then the job fails on the lock, naming the command that fixes it.
    const discipline = await checkDiscipline(config, plans, { repo, commit: base.commit, label: base.label });
    const problems = discipline.messages;
    if (discipline.violations.length > 0) {
      for (const message of problems) err.write(`promptgate: ${message}\n`);
      if (github) writeAnnotations(out, discipline.annotations);
      await appendStepSummary(renderDisciplineMarkdown(discipline), env);
      return { ok: true, exitCode: 1, verdict: 'fail', compared: [], problems };
    }
    const finish = async (code: number): Promise<number> => {
      if (problems.length === 0) return code;
      for (const message of problems) err.write(`promptgate: ${message}\n`);
      if (github) writeAnnotations(out, discipline.annotations);
      await appendStepSummary(renderStaleLockMarkdown(discipline), env);
      return code === 0 ? 1 : code;
    };

    // 2. The suites this change touches.
    const selection = selectChangedSuites(plans, await changedSince(root, base.commit), { config, repo });
    const runnable = selection.suites.filter((s) => s.plan.caseFiles.length > 0);
    for (const s of selection.suites) if (s.plan.caseFiles.length === 0) err.write(`promptgate: note: suite "${s.plan.name}" changed but has no cases; not compared\n`);
    if (runnable.length === 0) {
      const message = `no prompt suites changed since the ${base.label}: nothing to compare`;
      out.write(`promptgate ci: ${message}\n`);
      await appendStepSummary(`# ✅ promptgate ci: no prompt suites changed\n\nNothing to compare since the ${base.label}.\n`, env);
      return { ok: true, exitCode: await finish(0), verdict: 'pass', compared: [], problems };
    }
    out.write(`promptgate ci: comparing ${runnable.length} of ${plans.length} suite(s) with the ${base.label}\n`);
    for (const s of runnable) {
      // A prompt the pull request adds has no baseline: it runs, and the gate decides it by the floor only.
      const isNew = (await readFileAt(root, base.commit, repo.toRepoPath(s.plan.promptPath))) === undefined;
      out.write(`  ${s.plan.name}: ${s.reasons.join('; ')}${isNew ? '; new prompt, no baseline: decided by the floor only' : ''}\n`);
    }
    if (selection.configChanged) out.write(`  (the config changed, so every suite is compared)\n`);

    // 3. Compare them; the summary and JUnit reporters always run in ci.
    const names = new Set([...config.reporters, 'junit' as const, 'markdown' as const]);
    const reporters = await createReporters([...names], { rootDir: config.rootDir, stream: out, stderr: err, env });
    // Model outputs are printed by the console reporter: GitHub must not read them as workflow commands.
    const resume = github ? stopCommands(out) : undefined;
    let result: Awaited<ReturnType<typeof runComparison>>;
    try {
      result = await runComparison({
        config,
        plans: runnable.map((s) => s.plan),
        options: { ...options, baseline: `git:${base.commit}` },
        reporters,
        signal: signalOf(ctx),
        command: 'ci',
        stderr: err,
        env,
        clock: ctx.clock,
        missingBaseline: 'absent',
        git,
      });
    } finally {
      resume?.();
    }

    // 4. GitHub outputs: the step summary and annotations.
    const summary = await readFile(join(result.runDir, 'summary.md'), 'utf8').catch(() => undefined);
    if (summary !== undefined) await appendStepSummary(summary, env);
    if (github) {
      const promptFiles = new Map(runnable.map((s) => [s.plan.prompt.id, repo.toRepoPath(s.plan.promptPath)]));
      const stored = await openStoredRun(result.runDir);
      writeAnnotations(out, await renderRunAnnotations(result.header, stored.cases(), (id) => promptFiles.get(id)));
    }
    const exitCode = await finish(inconclusivePolicy(exitCodeOf(result.header), result.header, config.gate.inconclusive, err));
    return { ok: true, exitCode, verdict: result.header.gate?.verdict ?? 'error', compared: runnable.map((s) => s.plan.name), problems, run: result.header, runDir: result.runDir };
  });
}

/**
 * What `ci` does with an inconclusive gate (exit 4 from the session): `fail` exits 1 and says what
 * would decide it, `pass` exits 0 and `neutral` keeps 4. The reports say inconclusive either way.
 */
function inconclusivePolicy(code: number, header: RunHeader, policy: ResolvedGate['inconclusive'], err: NodeJS.WritableStream): number {
  if (code !== 4) return code;
  const why = header.gate?.reasons.find((r) => r.includes('would likely decide it')) ?? header.gate?.reasons[0] ?? 'the gate is inconclusive';
  if (policy === 'pass') {
    err.write(`promptgate: note: the gate is inconclusive (gate.inconclusive is "pass", so ci passes): ${oneLine(why, 500)}\n`);
    return 0;
  }
  if (policy === 'neutral') return 4;
  err.write(`promptgate: the gate is inconclusive, which fails ci (gate.inconclusive: "fail"): ${oneLine(why, 500)}; set gate.inconclusive to "neutral" (exit 4) or "pass" to let it through\n`);
  return 1;
}
