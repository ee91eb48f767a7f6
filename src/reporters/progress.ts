import type { Reporter } from './types.js';

/**
 * A progress bar on stderr, only on an interactive terminal and never under CI (CI logs are files:
 * a bar there is noise). Loaded lazily so non-TTY runs never import cli-progress.
 */
export function wantsProgress(env: NodeJS.ProcessEnv = process.env, stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !env.CI && env.TERM !== 'dumb';
}

export async function createProgressReporter(): Promise<Reporter> {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} calls | {cached} cached | {errors} errors | ETA {eta_formatted}', hideCursor: true, clearOnComplete: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let cached = 0;
  let errors = 0;
  return {
    name: 'progress',
    onRunStart(plan) {
      bar.start(plan.totalCalls ?? 0, 0, { cached, errors });
      started = true;
    },
    onCallDone(info) {
      if (!started) return;
      if (info.cached) cached++;
      if (info.error) errors++;
      if (info.total && info.done > info.total) bar.setTotal(info.done);
      bar.update(info.done, { cached, errors });
    },
    onRunEnd() {
      if (started) bar.stop();
      started = false;
    },
  };
}
