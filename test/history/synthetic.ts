/**
 * A generated history for the page's tests: 60 nightly runs of suite `support` on two models, 30
 * cases each, where
 * - gpt-4o-mini's reported version changes at run 40 (2024-07-18 → 2026-11-20),
 * - the prompt goes 1.0.0 → 1.1.0 at run 20 (both models),
 * - `case-07` (gpt-4o-mini) flips every run and `case-13` (claude-haiku) every third run: the two flaky cases,
 * - `case-21` (gpt-4o-mini) passes until run 56 and fails from run 57 on: newly failing,
 * - `case-02` (claude-haiku) fails in every run,
 * - a third suite × model with hostile names, versions and case ids joins at run 50.
 * Everything else passes, except an errored case now and then.
 */
import type { HistoryEntry, HistoryRow } from '../../src/history/types.js';

export const RUNS = 60;
export const MODEL_CHANGE_RUN = 40;
export const PROMPT_CHANGE_RUN = 20;
export const NEWLY_FAILING_FROM = 57;
export const OLD_VERSION = 'gpt-4o-mini-2024-07-18';
export const NEW_VERSION = 'gpt-4o-mini-2026-11-20';

/** Text that would run or inject markup if any of it were parsed as HTML (it sets window.__pwned). */
export const HOSTILE = {
  suite: '</script><script>window.__pwned="suite"</script>',
  model: '"><svg onload="window.__pwned=\'model\'">',
  caseId: '<img src=x onerror="window.__pwned=\'case\'">',
  version: 'v1 <iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
  prompt: "1.0.0'><a href=javascript:window.__pwned=1>x</a>",
  runId: '<b onmouseover=window.__pwned=1>run</b>',
} as const;

function outcome(model: string, caseId: string, run: number): 'p' | 'f' | 'e' {
  if (model === 'gpt-4o-mini' && caseId === 'case-07') return run % 2 === 0 ? 'p' : 'f';
  if (model === 'claude-haiku' && caseId === 'case-13') return run % 3 === 0 ? 'f' : 'p';
  if (model === 'gpt-4o-mini' && caseId === 'case-21') return run >= NEWLY_FAILING_FROM ? 'f' : 'p';
  if (model === 'claude-haiku' && caseId === 'case-02') return 'f';
  if (caseId === 'case-29' && run % 17 === 5) return 'e';
  return 'p';
}

function row(suite: string, model: string, run: number, caseIds: string[], versions: string[], prompt: string): HistoryRow {
  const outcomes: HistoryRow['outcomes'] = {};
  for (const id of caseIds) outcomes[id] = outcome(model, id, run);
  const values = Object.values(outcomes);
  const passed = values.filter((o) => o === 'p').length;
  const failed = values.filter((o) => o === 'f').length;
  return {
    suite, model, promptId: 'support', promptVersion: prompt, promptHash: `hash-${prompt}`, modelsReported: versions,
    cases: caseIds.length, passed, failed, errored: caseIds.length - passed - failed,
    passRate: passed + failed ? passed / (passed + failed) : null, meanScore: null,
    costUsd: 0.01 + run * 0.0001 + (model === 'claude-haiku' ? 0.005 : 0), latencyP50: 400 + (run % 7) * 10, latencyP95: 900 + (run % 5) * 40,
    outcomes,
  };
}

/** The run folder of run `i` (also its report's folder). */
export const runDir = (i: number) => `nightly-${String(i).padStart(2, '0')}`;

export function makeHistory(): HistoryEntry[] {
  const ids = Array.from({ length: 30 }, (_, i) => `case-${String(i).padStart(2, '0')}`);
  const entries: HistoryEntry[] = [];
  for (let i = 0; i < RUNS; i++) {
    const startedAt = new Date(Date.UTC(2026, 8, 1 + i, 2, 0, 0)).toISOString();
    const prompt = i < PROMPT_CHANGE_RUN ? '1.0.0' : '1.1.0';
    const rows = [
      row('support', 'gpt-4o-mini', i, ids, [i < MODEL_CHANGE_RUN ? OLD_VERSION : NEW_VERSION], prompt),
      row('support', 'claude-haiku', i, ids, ['claude-haiku-20250101'], prompt),
    ];
    if (i >= 50) rows.push(row(HOSTILE.suite, HOSTILE.model, i, ['case-00', HOSTILE.caseId], [i < 55 ? 'x-1' : HOSTILE.version], i < 53 ? '1.0.0' : HOSTILE.prompt));
    entries.push({
      v: 1, runId: i === 59 ? HOSTILE.runId : `run-${String(i).padStart(2, '0')}`, command: 'drift', status: 'complete',
      startedAt, finishedAt: startedAt, gitCommit: 'abc1234', runDir: runDir(i), verdict: 'pass', rows,
    });
  }
  return entries;
}
