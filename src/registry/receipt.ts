/**
 * Gate receipts: the stored run that passed its gate for exactly one prompt content hash, found
 * among the project's run folders (the config's `reports`). Headers are read with the run-record
 * reader (run-record/read.ts: streamed, format and shape checked), never parsed here.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { toProjectPath } from '../prompts/load.js';
import { openStoredRun } from '../run-record/read.js';
import type { RunHeader } from '../run-record/types.js';
import { RUN_FILE } from '../run-record/writer.js';
import type { GateReceipt } from './types.js';

/** A stored run's header and its run.json (absolute). */
export interface StoredHeader {
  file: string;
  header: RunHeader;
}

/** The commands whose passing gate compares the prompt with a baseline. */
const COMPARING = new Set(['compare', 'ci', 'drift']);

/**
 * Why a run is no gate receipt for prompt `id` at content `hash`, or undefined when it is one. A
 * receipt is a complete run whose gate passed, that ran this hash as its candidate on every case
 * it selected (no `--shard`, no `--filter`, no missing shard of a merge) and graded at least one
 * case of each of its suite × model rows for it. A `run` counts only with a pass-rate floor: its
 * gate without one passes whatever the pass rate (a gate green against nothing); likewise a
 * `compare` / `ci` whose baseline was this same content.
 */
export function receiptRefusal(header: RunHeader, id: string, hash: string): string | undefined {
  if (!header.prompts.some((p) => p.id === id && p.hash === hash && p.side === 'candidate')) return `it did not run ${id} at ${hash} as its candidate`;
  if (header.status !== 'complete') return `it is ${header.status}`;
  const gate = header.gate;
  if (!gate) return 'it has no gate';
  if (gate.verdict !== 'pass') return `its gate verdict is ${gate.verdict}`;
  if (header.command === 'run') {
    if (!(typeof gate.floor === 'number' && gate.floor > 0)) return 'it is a `run` without a pass-rate floor (gate.minPassRate), whose gate passes on any pass rate';
  } else if (COMPARING.has(header.command)) {
    if (header.comparison?.gate.verdict !== 'pass') return 'its comparison did not pass';
    // A comparison with itself passes whatever the pass rate; drift compares one version with its own stored run by design.
    if (header.command !== 'drift' && header.prompts.some((p) => p.id === id && p.hash === hash && p.side === 'baseline')) {
      return `it compared ${id} at ${hash} with itself (the baseline held the same content)`;
    }
  } else {
    return `its command \`${header.command}\` has no gate`;
  }
  if (header.options.shard) return `it ran one shard (${header.options.shard}) of the cases`;
  if (header.options.filter !== undefined) return `it ran only the cases matching --filter ${JSON.stringify(header.options.filter)}`;
  const partial = (header.selection ?? []).find((s) => s.inRun < s.cases);
  if (partial) return `it holds ${partial.inRun} of the ${partial.cases} selected case(s) of ${partial.suite} › ${partial.model}`;
  const rows = header.summary.filter((row) => row.promptId === id && row.promptHash === hash);
  if (rows.length === 0) return `it has no result for ${id} at ${hash}`;
  const ungraded = rows.find((row) => row.passed + row.failed === 0);
  if (ungraded) return `no case of ${ungraded.suite} › ${ungraded.model} was graded`;
  return undefined;
}

/** The receipt a run gives prompt `id` at `hash`, or undefined when it gives none (receiptRefusal). */
export function receiptOf(stored: StoredHeader, id: string, hash: string, rootDir: string): GateReceipt | undefined {
  const { header } = stored;
  if (receiptRefusal(header, id, hash) !== undefined) return undefined;
  const baseline = header.comparison?.baseline.label;
  return {
    runId: header.runId,
    command: header.command,
    verdict: 'pass',
    models: header.models.map((m) => ({ name: m.name, model: m.model, reported: [...m.reported] })),
    date: header.finishedAt,
    runFile: toProjectPath(stored.file, rootDir),
    ...(baseline !== undefined ? { baseline } : {}),
  };
}

/**
 * The headers of the run folders directly in `reportsDir`, newest first (by finish time). A folder
 * without a readable, valid run.json is skipped: it is no receipt, and not this command's to judge.
 */
export async function readRunHeaders(reportsDir: string): Promise<StoredHeader[]> {
  let names: string[];
  try {
    names = (await readdir(reportsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
  const headers: StoredHeader[] = [];
  for (const name of names) {
    try {
      const stored = await openStoredRun(join(reportsDir, name, RUN_FILE));
      headers.push({ file: stored.file, header: stored.header });
    } catch {
      // A broken or foreign folder: skipped.
    }
  }
  return headers.sort((a, b) => b.header.finishedAt.localeCompare(a.header.finishedAt) || b.header.runId.localeCompare(a.header.runId));
}

export type ReceiptSearch =
  | { found: true; receipt: GateReceipt }
  /** `nearest`: the newest run that ran this hash as its candidate, and why it is no receipt. */
  | { found: false; nearest?: { runFile: string; reason: string } };

/** The newest receipt for `id` at `hash` among `runs` (newest first, as readRunHeaders returns them). */
export function findReceipt(runs: StoredHeader[], id: string, hash: string, rootDir: string): ReceiptSearch {
  let nearest: { runFile: string; reason: string } | undefined;
  for (const stored of runs) {
    const receipt = receiptOf(stored, id, hash, rootDir);
    if (receipt) return { found: true, receipt };
    if (!nearest && stored.header.prompts.some((p) => p.id === id && p.hash === hash && p.side === 'candidate')) {
      nearest = { runFile: toProjectPath(stored.file, rootDir), reason: receiptRefusal(stored.header, id, hash)! };
    }
  }
  return nearest ? { found: false, nearest } : { found: false };
}
