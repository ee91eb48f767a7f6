import { dirname } from 'node:path';
import { acceptBaseline } from '../baseline/accept.js';
import { displayPath, noStoredBaseline, readStoredBaseline, type BaselineMeta } from '../baseline/store.js';
import { loadConfig } from '../config/load.js';
import { inputError } from '../errors.js';
import { oneLine } from '../reporters/terminal-text.js';
import type { ModelRef, PromptRef, RunTotals } from '../run-record/types.js';
import { resolveContext, type Context } from './context.js';
import { settle, type Failure, type Verdict } from './result.js';

export interface BaselineOptions {
  /** `--config <file>` (relative to the context's `cwd`): where the reports folder is. */
  config?: string;
}

export interface BaselineAcceptOptions extends BaselineOptions {
  /** The run folder or its run.json (relative to the project root). */
  run: string;
  /** `--reason <text>`: why this run is the new baseline (kept in baseline.json). */
  reason?: string;
}

/** What the stored baseline is: its metadata, and what its run ran. */
export interface BaselineInfo {
  meta: BaselineMeta;
  /** The baseline's folder (absolute): `<reports>/baseline`. */
  dir: string;
  prompts: PromptRef[];
  models: ModelRef[];
  totals: RunTotals;
  verdict: Verdict | null;
}

export interface BaselineOutcome {
  ok: true;
  exitCode: 0;
  baseline: BaselineInfo;
}

export type BaselineResult = BaselineOutcome | Failure;

/**
 * `promptgate baseline accept <run>`: stores a finished, decided run as the baseline `drift` uses
 * with no `--baseline` (and `run:baseline` names). Refuses (exit 2, one line, nothing written) runs
 * that were interrupted, ran out of budget, had errored cases, have no verdict, or are a shard.
 */
export async function baselineAccept(options: BaselineAcceptOptions, context: Context = {}): Promise<BaselineResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    if (typeof options?.run !== 'string') throw inputError('USAGE', 'baseline accept needs a run: a run folder or its run.json', { file: 'baseline accept' });
    const config = await loadConfig({ cwd: ctx.cwd, configFile: options.config });
    const { meta, run, dir } = await acceptBaseline({ run: options.run, reason: options.reason, rootDir: config.rootDir, reportsDir: config.paths.reports, env: ctx.env });
    const info: BaselineInfo = { meta, dir, prompts: run.prompts.filter((p) => p.side === 'candidate'), models: run.models, totals: run.totals, verdict: run.gate?.verdict ?? null };
    const where = displayPath(dir, config.rootDir);
    ctx.stdout.write(`Accepted run ${oneLine(meta.runId)} as the baseline (${where}/)${meta.previous ? `, replacing run ${oneLine(meta.previous.runId)}` : ''}\n`);
    for (const line of describeBaseline(info)) ctx.stdout.write(`  ${line}\n`);
    return { ok: true as const, exitCode: 0 as const, baseline: info };
  });
}

/** `promptgate baseline show`: what the stored baseline is; exit 2 (one line) when none was accepted. */
export async function baselineShow(options: BaselineOptions = {}, context: Context = {}): Promise<BaselineResult> {
  const ctx = resolveContext(context);
  return settle(async () => {
    const config = await loadConfig({ cwd: ctx.cwd, configFile: options.config });
    const stored = await readStoredBaseline(config.paths.reports, config.rootDir);
    if (!stored) throw noStoredBaseline(config.paths.reports, config.rootDir);
    const { meta, run } = stored;
    const info: BaselineInfo = { meta, dir: dirname(stored.file), prompts: run.prompts.filter((p) => p.side === 'candidate'), models: run.models, totals: run.totals, verdict: run.gate?.verdict ?? null };
    ctx.stdout.write(`Baseline: run ${oneLine(meta.runId)} (${displayPath(info.dir, config.rootDir)}/)\n`);
    for (const line of describeBaseline(info)) ctx.stdout.write(`  ${line}\n`);
    return { ok: true as const, exitCode: 0 as const, baseline: info };
  });
}

/** The lines `baseline show` (and `accept`) print under the run id. Untrusted text is made one terminal-safe line. */
function describeBaseline(info: BaselineInfo): string[] {
  const { meta } = info;
  const lines = [
    `accepted ${meta.acceptedAt} by ${meta.acceptedBy ? oneLine(meta.acceptedBy, 120) : 'someone unknown'}`,
    `reason: ${meta.reason ? oneLine(meta.reason, 200) : '(none given)'}`,
    `from: ${oneLine(meta.source, 200)} (a ${oneLine(meta.command)} run: ${info.totals.cases} case(s), ${info.totals.passed} passed, ${info.totals.failed} failed; verdict ${info.verdict ?? 'none'})`,
    `prompts: ${info.prompts.map((p) => `${oneLine(p.id)}@${oneLine(p.version)} (${oneLine(p.hash)})`).join(', ') || 'none'}`,
    `models: ${info.models.map((m) => `${oneLine(m.name)} = ${oneLine(m.provider)} ${oneLine(m.model)} (reported ${m.reported.length ? m.reported.map((r) => oneLine(r)).join(', ') : 'no version'})`).join('; ') || 'none'}`,
  ];
  if (meta.previous) lines.push(`previous: run ${oneLine(meta.previous.runId)} (accepted ${meta.previous.acceptedAt}${meta.previous.reason ? `: ${oneLine(meta.previous.reason, 120)}` : ''})`);
  return lines;
}
