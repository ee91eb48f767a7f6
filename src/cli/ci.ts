import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ReporterName, ResolvedGate } from '../config/types.js';
import { changedSince, readFileAt, repoRoot } from '../git/git.js';
import { createReporters } from '../reporters/index.js';
import { oneLine } from '../reporters/terminal-text.js';
import type { RunHeader } from '../run-record/types.js';
import { readRunFile } from '../run-record/writer.js';
import { resolveSuites } from '../runner/plan.js';
import { exitCodeOf } from '../runner/session.js';
import { renderRunAnnotations } from '../workflows/annotations.js';
import { selectChangedSuites } from '../workflows/changed-suites.js';
import { resolveCiBase } from '../workflows/ci-base.js';
import { checkDiscipline, renderDisciplineMarkdown, renderStaleLockMarkdown } from '../workflows/discipline.js';
import { appendStepSummary, isGithubActions, stopCommands, writeAnnotations } from '../workflows/github.js';
import { createRepoPaths } from '../workflows/repo-paths.js';
import { adaptiveChoice, runComparison } from './compare.js';
import { reportError } from './errors.js';
import { addAdaptiveFlags, addRunFlags, addSamplingFlags, checkSamplingFlags, loadConfigWithFlags, type CommonFlags } from './options.js';
import { interruptSignal } from './signals.js';

export interface CiFlags extends CommonFlags {
  /** The branch or commit the pull request goes into; the merge base with HEAD is the baseline. */
  base?: string;
}

export function registerCi(program: Command): void {
  addAdaptiveFlags(addSamplingFlags(
    addRunFlags(
      program
        .command('ci')
        .description('pull-request gate: check version bumps, then compare the suites changed since the merge base with the base branch')
        .option('--base <rev>', 'base branch or commit (default: the PR base from the CI environment, else origin/main, else main)'),
    ),
  )).action(async (flags: CiFlags) => {
    process.exitCode = await ciCommand(flags);
  });
}

/**
 * `promptgate ci` (SPEC §5). Exit codes: 0 pass or nothing changed · 1 a version-discipline
 * violation (no model is called), the gate failed, or a stale prompts.lock.json (after the evals
 * ran and were reported) · 2 bad input or no usable base · 3 no verdict. An inconclusive gate
 * follows `gate.inconclusive`: 1 (`fail`, the default), 0 (`pass`) or 4 (`neutral`).
 */
export async function ciCommand(flags: CiFlags, env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const interrupt = interruptSignal();
  const github = isGithubActions(env);
  try {
    checkSamplingFlags(flags);
    const config = await loadConfigWithFlags(flags);
    const adaptive = adaptiveChoice(flags, config);
    const root = await repoRoot(config.rootDir);
    const repo = createRepoPaths(root, config.rootDir);
    const base = await resolveCiBase(root, flags.base, env);
    const plans = await resolveSuites(config, { models: flags.model, repeat: adaptive?.startRepeats ?? flags.repeat, orphans: true });

    // 1. Policy first: a prompt whose text changed must bump its version, or nothing runs. A stale
    //    lock does not stop the evals (their results say whether `promptgate lock` is safe to run):
    //    they run and are published, then the job fails on the lock, naming the command that fixes it.
    const discipline = await checkDiscipline(config, plans, { repo, commit: base.commit, label: base.label });
    if (discipline.violations.length > 0) {
      for (const message of discipline.messages) err.write(`promptgate: ${message}\n`);
      if (github) writeAnnotations(out, discipline.annotations);
      await appendStepSummary(renderDisciplineMarkdown(discipline), env);
      return 1;
    }
    const finish = async (code: number): Promise<number> => {
      if (discipline.messages.length === 0) return code;
      for (const message of discipline.messages) err.write(`promptgate: ${message}\n`);
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
      return finish(0);
    }
    out.write(`promptgate ci: comparing ${runnable.length} of ${plans.length} suite(s) with the ${base.label}\n`);
    for (const s of runnable) {
      // A prompt the pull request adds has no baseline: it runs, and the gate decides it by the floor only.
      const isNew = (await readFileAt(root, base.commit, repo.toRepoPath(s.plan.promptPath))) === undefined;
      out.write(`  ${s.plan.name}: ${s.reasons.join('; ')}${isNew ? '; new prompt, no baseline: decided by the floor only' : ''}\n`);
    }
    if (selection.configChanged) out.write(`  (the config changed, so every suite is compared)\n`);

    // 3. Compare them; the summary and JUnit reporters always run in ci.
    const names = new Set<ReporterName>([...config.reporters, 'junit', 'markdown']);
    const reporters = await createReporters([...names], { rootDir: config.rootDir });
    // Model outputs are printed by the console reporter: GitHub must not read them as workflow commands.
    const resume = github ? stopCommands(out) : undefined;
    let result;
    try {
      result = await runComparison({
        config,
        plans: runnable.map((s) => s.plan),
        flags: { ...flags, baseline: `git:${base.commit}` },
        reporters,
        signal: interrupt.signal,
        command: 'ci',
        stderr: err,
        missingBaseline: 'absent',
      });
    } finally {
      resume?.();
    }

    // 4. GitHub outputs: the step summary and annotations.
    const summary = await readFile(join(result.runDir, 'summary.md'), 'utf8').catch(() => undefined);
    if (summary !== undefined) await appendStepSummary(summary, env);
    if (github) {
      const promptFiles = new Map(runnable.map((s) => [s.plan.prompt.id, repo.toRepoPath(s.plan.promptPath)]));
      const { run } = await readRunFile(result.runDir);
      writeAnnotations(out, await renderRunAnnotations(result.header, run.cases, (id) => promptFiles.get(id)));
    }
    return finish(inconclusivePolicy(exitCodeOf(result.header), result.header, config.gate.inconclusive, err));
  } catch (error) {
    return reportError(error, Boolean(flags.debug), err);
  } finally {
    interrupt.dispose();
  }
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
