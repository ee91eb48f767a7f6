import type { RunHeader } from '../run-record/types.js';

/**
 * Why a stored run may not become a baseline, or undefined when it may. A baseline is what later
 * runs are judged against, so it must be a whole, decided run: a drift against a run that stopped
 * short, or whose cases errored, would report as "changed" or "new" what was never measured.
 */
export function whyNotBaseline(header: RunHeader): string | undefined {
  if (header.status === 'interrupted') return `it was interrupted${header.stopped ? ` (${header.stopped.reason}: ${header.stopped.message})` : ''}: finish it with --resume first`;
  if (header.status === 'budget_exhausted') return 'its cost budget ran out before every case ran';
  if (header.status !== 'complete') return `its status is "${String(header.status)}", not complete`;
  if (header.options.shard) return `it is one shard (${header.options.shard}) of a split: merge the shards and accept the merged run`;
  const partial = (header.selection ?? []).find((row) => row.inRun < row.cases);
  if (partial) return `it ran ${partial.inRun} of the ${partial.cases} selected case(s) of ${partial.suite} › ${partial.model} (an incomplete merge)`;
  if (header.totals.errored > 0) return `${header.totals.errored} case(s) errored in it (no verdict for them)`;
  const verdict = header.gate?.verdict;
  if (verdict === undefined || verdict === 'error') return 'it has no verdict';
  if (header.totals.passed + header.totals.failed === 0) return 'no case in it was graded';
  return undefined;
}
