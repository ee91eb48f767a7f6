import { join } from 'node:path';
import { sideSummary, tallySide, type AdaptiveGate, type AdaptiveUnit, type LookResult, type SideTally } from '../compare/adaptive.js';
import { classifyChange } from '../compare/classify.js';
import type { RunNotice } from '../reporters/types.js';
import { summariseRepeats } from '../run-record/status.js';
import type { CaseResult, ComparisonAdaptive, SideResult } from '../run-record/types.js';
import { openLineLog, readLines, removeFile } from '../run-record/writer.js';
import type { ChooseRepeats } from './engine.js';
import { repeatsOfLength, slimCase } from './slim.js';

/** What an adaptive run did: its last look (the verdict) and run.json's `comparison.adaptive`. */
export interface AdaptiveOutcome {
  /** The last look; undefined when round 1 did not finish (interrupted). */
  last?: LookResult;
  record: ComparisonAdaptive;
}

export interface AdaptiveRoundsInput {
  gate: AdaptiveGate;
  runDir: string;
  signal: AbortSignal;
  /** Whether the run stopped short otherwise (the cost budget refused a call): no further round, as when interrupted. */
  halted?: () => boolean;
  /** One pass over the units (engine.ts streamUnits): the chosen repeats of each, results in plan order. */
  stream(choose: ChooseRepeats, onResult: (result: CaseResult, ordinal: number) => Promise<void>): Promise<void>;
  /** A whole case (every round merged): into the case log, the totals and the reporters. */
  finished(result: CaseResult): Promise<void>;
  notify(notice: RunNotice): void;
  /** Progress: a round adds this many calls to those planned. */
  addPlannedCalls(calls: number): void;
}

/** One round's case results (only that round's repeats), in plan order; merged at the end. */
export function roundFile(runDir: string, round: number): string {
  return join(runDir, `cases.round-${round}.partial.jsonl`);
}

/**
 * Adaptive repeats (compare/adaptive.ts): round 1 runs every unit (case × model) at its plan's
 * repeat (the design's startRepeats); after each round the gate looks and plans the next one, whose
 * units run the added repeats only, their indices continuing where they stopped (the cache key and
 * fresh draws include the repeat index, so every repeat is a draw of its own; `--resume` finds them
 * by the same index). Each round's results go to a file of their own; at the end the files are
 * merged in one pass into whole cases (every repeat, the statuses and the change recomputed), which
 * go to the case log, the totals and the reporters. Memory: a few numbers per unit (tallies and the
 * slim round-1 copy the gate reads), never outputs.
 */
export async function runAdaptiveRounds(input: AdaptiveRoundsInput): Promise<AdaptiveOutcome> {
  const { gate } = input;
  const settings = gate.design.settings;
  const units: AdaptiveUnit[] = [];
  const firstRound: CaseResult[] = [];
  const unitOf = new Map<number, number>();
  const rounds: ComparisonAdaptive['rounds'] = [];
  const files: string[] = [];
  let last: LookResult | undefined;
  let stoppedBy: ComparisonAdaptive['stoppedBy'] | undefined;
  let calls = 0;
  let mismatch: string | undefined;

  /** Runs one round into its own file; returns the draws it made (one per repeat per side). */
  const runRound = async (choose: ChooseRepeats, onResult: (result: CaseResult, ordinal: number) => void): Promise<number> => {
    const file = roundFile(input.runDir, files.length + 1);
    files.push(file);
    const log = openLineLog<CaseResult>(file, 'w');
    let draws = 0;
    try {
      await input.stream(choose, async (result, ordinal) => {
        log.write(result);
        draws += result.repeats.length + (result.baseline?.repeats.length ?? 0);
        onResult(result, ordinal);
      });
    } finally {
      await log.close();
    }
    calls += draws;
    return draws;
  };

  let roundInfo = { repeats: settings.startRepeats, cases: 0 };
  let draws = await runRound(
    (_ordinal, suite) => ({ from: 0, to: suite.plan.repeat }),
    (result, ordinal) => {
      unitOf.set(ordinal, units.length);
      const candidate = tallySide(result);
      const baseline = result.baseline ? tallySide(result.baseline) : undefined;
      units.push({ suite: result.suite, model: result.model, caseId: result.caseId, candidate, baseline, firstPasses: candidate.passes + (baseline?.passes ?? 0), firstRepeats: settings.startRepeats });
      firstRound.push(slimCase(result));
    },
  );
  roundInfo.cases = units.length;

  for (;;) {
    if (input.signal.aborted || input.halted?.()) {
      stoppedBy = 'interrupted';
      rounds.push({ round: rounds.length + 1, ...roundInfo, calls: draws, verdict: null, alphaCase: 0 });
      break;
    }
    const merged = units.map((unit, i) => mergedSlim(firstRound[i], unit));
    last = gate.look(units, merged, firstRound, draws);
    rounds.push({ round: last.look, ...roundInfo, calls: draws, verdict: last.verdict, alphaCase: round4(last.alphaCase) });
    const next = last.next;
    if (!next) {
      stoppedBy = last.stoppedBy;
      break;
    }
    input.notify({ kind: 'round', round: last.look + 1, cases: next.extra.size, repeats: next.target, calls: next.draws, spent: gate.drawn, budget: gate.budgetDraws ?? 0 });
    input.addPlannedCalls(next.draws);
    roundInfo = { repeats: next.target, cases: next.extra.size };
    draws = await runRound(
      (ordinal, suite, model, testCase) => {
        const i = unitOf.get(ordinal);
        const extra = i === undefined ? undefined : next.extra.get(i);
        if (i === undefined || !extra) return undefined;
        const unit = units[i];
        if (unit.caseId !== testCase.id || unit.suite !== suite.plan.name || unit.model !== model) {
          mismatch ??= `case ${testCase.id} of suite ${suite.plan.name} is not where round 1 had it (the case files changed during the run?)`;
          return undefined;
        }
        return { from: unit.candidate.repeats, to: unit.candidate.repeats + extra };
      },
      (result, ordinal) => {
        const unit = units[unitOf.get(ordinal)!];
        tallySide(result, unit.candidate);
        if (result.baseline && unit.baseline) tallySide(result.baseline, unit.baseline);
      },
    );
    if (mismatch) throw new Error(`adaptive repeats: ${mismatch}`);
  }

  await mergeRounds(files, input.finished);
  for (const file of files) await removeFile(file);
  const { design } = gate;
  return {
    ...(last ? { last } : {}),
    record: {
      startRepeats: settings.startRepeats,
      maxRepeats: settings.maxRepeats,
      budget: settings.budget,
      budgetCalls: gate.budgetDraws ?? 0,
      calls,
      looks: design.looks,
      rounds,
      stoppedBy: stoppedBy ?? 'interrupted',
      alphaMean: round4(design.alphaMean),
      alphaCase: round4(design.alphaCase),
    },
  };
}

function round4(value: number): number {
  return Number(value.toPrecision(4));
}

/** A unit's result over all its repeats so far, as the gate reads it (slim: counts, no outputs). */
function mergedSlim(first: CaseResult, unit: AdaptiveUnit): CaseResult {
  const side = (from: SideResult, tally: SideTally): SideResult => ({ ...from, ...sideSummary(tally), repeats: repeatsOfLength(tally.repeats) });
  const candidate = side(first, unit.candidate);
  return { ...first, ...candidate, ...(first.baseline && unit.baseline ? { baseline: side(first.baseline, unit.baseline) } : {}) };
}

/**
 * Merges the round files into whole cases, in one pass: round 1 holds every unit in plan order and
 * each later round a subsequence of it in the same order, so each later file is read alongside.
 */
async function mergeRounds(files: string[], finished: (result: CaseResult) => Promise<void>): Promise<void> {
  const later = files.slice(1).map((file) => peekable(readLines<CaseResult>(file)));
  for await (const first of readLines<CaseResult>(files[0])) {
    let merged = first;
    for (const reader of later) {
      const head = await reader.peek();
      if (head && head.suite === first.suite && head.model === first.model && head.caseId === first.caseId) {
        await reader.next();
        merged = appendRound(merged, head);
      }
    }
    await finished(merged);
  }
  for (const reader of later) {
    const left = await reader.peek();
    if (left) throw new Error(`adaptive repeats: round results of case ${left.caseId} (${left.suite} \u00d7 ${left.model}) do not follow round 1's order`);
  }
}

/** A case with a later round's repeats appended on each side; statuses and change recomputed. */
function appendRound(result: CaseResult, more: CaseResult): CaseResult {
  const side = <T extends SideResult>(from: T, extra: SideResult): T => {
    const repeats = [...from.repeats, ...extra.repeats];
    return { ...from, repeats, ...summariseRepeats(repeats) };
  };
  const merged: CaseResult = side(result, more);
  if (result.baseline && more.baseline) merged.baseline = side(result.baseline, more.baseline);
  if (result.change !== undefined) merged.change = classifyChange(merged, merged.baseline);
  return merged;
}

/** An async iterator whose next item can be looked at first. */
function peekable<T>(source: AsyncGenerator<T>) {
  let head: { value: T | undefined } | undefined;
  return {
    async peek(): Promise<T | undefined> {
      if (!head) {
        const next = await source.next();
        head = { value: next.done ? undefined : next.value };
      }
      return head.value;
    },
    async next(): Promise<T | undefined> {
      const value = await this.peek();
      head = undefined;
      return value;
    },
  };
}
