import { oneLine } from './terminal-text.js';
import type { Reporter, RunNotice } from './types.js';

/**
 * A progress bar on stderr, only on an interactive terminal and never under CI (CI logs are files:
 * a bar there is noise). Loaded lazily so non-TTY runs never import cli-progress.
 */
export function wantsProgress(env: NodeJS.ProcessEnv = process.env, stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stream.isTTY) && !env.CI && env.TERM !== 'dumb';
}

/** A wait at least this long gets its own stderr line without a bar; shorter ones only when capped. */
export const LONG_WAIT_MS = 5_000;

export async function createProgressReporter(stream: NodeJS.WritableStream = process.stderr): Promise<Reporter> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} calls | {cached} cached | {errors} errors | ETA {eta_formatted}{status}', hideCursor: true, clearOnComplete: true, stream: stream as NodeJS.WriteStream },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let cached = 0;
  let errors = 0;
  let total = 0;
  let round = '';
  const waits = createWaitBook();
  // The adaptive round, and the longest wait in progress: "round 2 | waiting 60 s: m 429 Retry-After".
  const status = () => {
    const wait = waits.longest();
    return `${round}${wait ? ` | waiting ${seconds(wait.ms)}: ${oneLine(wait.model, 40)} ${wait.reason}` : ''}`;
  };
  return {
    name: 'progress',
    onRunStart(plan) {
      total = plan.totalCalls ?? 0;
      bar.start(total, 0, { cached, errors, status: '' });
      started = true;
    },
    onCallDone(info) {
      if (!started) return;
      if (info.cached) cached++;
      if (info.error) errors++;
      // Adaptive rounds add to the calls planned.
      if (info.total && info.total > total) {
        total = info.total;
        bar.setTotal(total);
      }
      if (info.total && info.done > info.total) bar.setTotal(info.done);
      bar.update(info.done, { cached, errors, status: status() });
    },
    onNotice(notice) {
      if (notice.kind === 'round') {
        round = ` | adaptive round ${notice.round}: ${notice.cases} cases → ${notice.repeats} repeats`;
        if (started) bar.update({ status: status() });
        return;
      }
      if (notice.kind === 'model-stopped' || notice.kind === 'batch' || notice.kind === 'budget-exhausted') {
        // Above the bar: clear its line, print, and let the bar redraw below.
        stream.write(`\r\u001b[2K${noticeLine(notice)}\n`);
        if (started) bar.update({ status: status() });
        return;
      }
      waits.note(notice);
      if (started) bar.update({ status: status() });
    },
    onRunEnd() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/**
 * Without a bar (CI, a pipe): a stderr line when a wait before a retry starts that is long
 * (LONG_WAIT_MS) or was capped (the server asked for more than maxRetryWaitMs), one per model
 * while such a wait is in progress; and the line of a model entry that was stopped.
 */
export function createNoticeReporter(stream: NodeJS.WritableStream = process.stderr): Reporter {
  const waits = createWaitBook();
  const announced = new Map<string, number>();
  return {
    name: 'notices',
    onNotice(notice) {
      if (notice.kind === 'model-stopped' || notice.kind === 'round' || notice.kind === 'batch' || notice.kind === 'budget-exhausted') {
        stream.write(`${noticeLine(notice)}\n`);
        return;
      }
      waits.note(notice);
      if (notice.kind === 'wait-end') {
        for (const [model, id] of announced) if (id === notice.id) announced.delete(model);
        return;
      }
      const capped = notice.requestedMs !== undefined;
      if ((notice.ms < LONG_WAIT_MS && !capped) || announced.has(notice.model)) return;
      announced.set(notice.model, notice.id);
      stream.write(`${noticeLine(notice)}\n`);
    },
  };
}

/** The line a notice prints (untrusted parts made terminal-safe). */
export function noticeLine(notice: Exclude<RunNotice, { kind: 'wait-end' }>): string {
  if (notice.kind === 'model-stopped') return `promptgate: ${oneLine(notice.message, 600)}`;
  if (notice.kind === 'round') {
    const n = (x: number) => x.toLocaleString('en-US');
    return `promptgate: adaptive round ${notice.round}: ${n(notice.cases)} case${notice.cases === 1 ? '' : 's'} whose draws disagree get up to ${notice.repeats} repeats a side (${n(notice.calls)} more calls; ${n(notice.spent)} of the budget's ${n(notice.budget)} made so far)`;
  }
  if (notice.kind === 'batch') {
    const { total, succeeded, failed } = notice.counts;
    return `promptgate: batch ${oneLine(notice.id, 80)} (${oneLine(notice.model, 60)}): ${notice.state.replace('_', ' ')}, ${succeeded}/${total} done, ${failed} failed, ${seconds(notice.elapsedMs)} since submitted`;
  }
  if (notice.kind === 'budget-exhausted') return `promptgate: cost budget reached: $${notice.spentUsd.toFixed(4)} spent of $${notice.maxCostUsd}; no new calls are made, the ones in flight finish`;
  const asked = notice.requestedMs !== undefined ? ` (the server asked for ${seconds(notice.requestedMs)}; waits are capped by maxRetryWaitMs)` : '';
  return `promptgate: waiting ${seconds(notice.ms)} before retrying ${oneLine(notice.model, 60)}: ${notice.reason}${asked}`;
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 100) / 10} s`;
}

/** The waits in progress. */
function createWaitBook() {
  const active = new Map<number, Extract<RunNotice, { kind: 'wait' }>>();
  return {
    note(notice: Extract<RunNotice, { kind: 'wait' | 'wait-end' }>) {
      if (notice.kind === 'wait') active.set(notice.id, notice);
      else active.delete(notice.id);
    },
    longest() {
      let best: Extract<RunNotice, { kind: 'wait' }> | undefined;
      for (const wait of active.values()) if (!best || wait.ms > best.ms) best = wait;
      return best;
    },
  };
}
