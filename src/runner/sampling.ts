import type { ModelConfig } from '../config/types.js';
import type { CallRecord, CaseResult, ComparisonSampling, SampleSource, Side, SideResult, SideSampling } from '../run-record/types.js';

/**
 * How compare, ci and drift sample their answers (docs/compare-and-gate.md, "Fresh samples"): a noisy side is
 * drawn fresh, because the gate's statistics assume independent draws and a cache would replay the
 * same ones on every rerun; deterministic sides reuse the cache as `run` does.
 */
export interface SamplingPolicy {
  /** Whether the cache may be read at all (false with `--no-cache`, `cache: false`, and in `drift`). */
  readCache: boolean;
  /** Reuse the baseline's cached answers even when it is noisy: the user's explicit choice. */
  baselineCache: boolean;
  /** Where the choice was made, for the reports: `--baseline-cache`, `gate.baselineCache`, `--no-cache`, `cache: false`, `drift`. */
  by?: string;
}

/**
 * Whether a side's answers vary from call to call: `repeat` > 1 (its repeats are meant to be
 * independent draws), or a temperature that is not 0 (unset is the provider's default, which is
 * not 0). Replayed answers are fixed.
 */
export function isNoisy(provider: ModelConfig['provider'], params: Record<string, unknown>, repeat: number): boolean {
  if (provider === 'replay') return false;
  return repeat > 1 || params.temperature !== 0;
}

/** Whether a side's calls skip cache reads (writes still warm the cache). */
export function drawsFresh(policy: SamplingPolicy, side: Side, noisy: boolean): boolean {
  return noisy && !(side === 'baseline' && policy.baselineCache);
}

type RowSource = SampleSource | 'stored' | 'none';

interface RowSampling {
  suite: string;
  model: string;
  candidate: RowSource;
  baseline: RowSource;
  candidateNoisy: boolean;
  baselineNoisy: boolean;
}

/**
 * Collects what each suite × model side was drawn from (`note`, once per unit), the answers each
 * side used (`addCase`) and the cache's share of the eval calls (`addCall`), and turns them into
 * run.json's `comparison.sampling`.
 */
export function createSamplingTally(policy: SamplingPolicy) {
  const rows = new Map<string, RowSampling>();
  const counts = { candidate: { calls: 0, cached: 0 }, baseline: { calls: 0, cached: 0 } };
  let cachedCalls = 0;
  const rowOf = (suite: string, model: string) => {
    const key = `${suite}\u0000${model}`;
    let row = rows.get(key);
    if (!row) {
      row = { suite, model, candidate: 'none', baseline: 'none', candidateNoisy: false, baselineNoisy: false };
      rows.set(key, row);
    }
    return row;
  };
  const addSide = (side: SideResult | undefined, into: { calls: number; cached: number }) => {
    for (const repeat of side?.repeats ?? []) {
      // A render failure or a stopped model entry made no call.
      if (!repeat.cached && repeat.attempts === 0) continue;
      into.calls++;
      if (repeat.cached) into.cached++;
    }
  };
  return {
    policy,
    /** What one suite × model side is drawn from: a stored run, or calls that may (`fresh` false) or may not read the cache. */
    note(suite: string, model: string, side: Side, source: { stored: true } | { stored?: false; noisy: boolean; fresh: boolean }): void {
      const row = rowOf(suite, model);
      if (row[side] !== 'none') return;
      if (source.stored) {
        row[side] = 'stored';
        return;
      }
      row[side] = source.fresh || !policy.readCache ? 'fresh' : 'cache';
      if (side === 'candidate') row.candidateNoisy = source.noisy;
      else row.baselineNoisy = source.noisy;
    },
    addCase(result: CaseResult): void {
      // A stored run's results made no call in this run.
      const row = rows.get(`${result.suite}\u0000${result.model}`);
      if (row?.candidate !== 'stored') addSide(result, counts.candidate);
      if (row?.baseline !== 'stored') addSide(result.baseline, counts.baseline);
    },
    addCall(record: CallRecord): void {
      if (record.purpose === 'eval' && record.cached) cachedCalls++;
    },
    finish(): ComparisonSampling {
      const list = [...rows.values()];
      const sideOf = (side: Side): { source: SampleSource | 'stored'; noisy: boolean } => {
        const units = list.map((r) => ({ source: r[side], noisy: side === 'candidate' ? r.candidateNoisy : r.baselineNoisy }));
        const called = units.filter((u) => u.source === 'fresh' || u.source === 'cache');
        const noisy = called.filter((u) => u.noisy);
        // No call on this side: a stored run, or (ci) only prompts new on this side, which ran nothing.
        if (called.length === 0) return { source: units.some((u) => u.source === 'stored') ? 'stored' : 'fresh', noisy: false };
        // The side's noisy draws decide (a deterministic row reading the cache freezes nothing); with none, the deterministic rows do.
        const deciding = noisy.length > 0 ? noisy : called;
        return { source: deciding.some((u) => u.source === 'cache') ? 'cache' : 'fresh', noisy: noisy.length > 0 };
      };
      const candidate = sideOf('candidate');
      const baseline = sideOf('baseline');
      const choice = !policy.readCache ? 'no-cache' : policy.baselineCache ? 'baseline-cache' : 'default';
      const sides: ComparisonSampling['sides'] = {
        candidate: { noisy: candidate.noisy, ...counts.candidate } satisfies SideSampling,
        baseline: { noisy: baseline.noisy, ...counts.baseline } satisfies SideSampling,
      };
      const mixed = list.some((r) => r.candidate !== list[0].candidate || r.baseline !== list[0].baseline);
      return {
        candidate: candidate.source,
        baseline: baseline.source,
        cachedCalls,
        choice,
        ...(policy.by && choice !== 'default' ? { by: policy.by } : {}),
        sides,
        ...(mixed ? { rows: list.map((r) => ({ suite: r.suite, model: r.model, candidate: r.candidate, baseline: r.baseline })) } : {}),
      };
    },
  };
}

export type SamplingTally = ReturnType<typeof createSamplingTally>;

/**
 * The sampling of a merged run, from its shards': counts add up; a side that reused the cache in
 * any shard reused it (the merged report must say so), and so does the choice that allowed it.
 * Undefined when a shard did not record it (written before it existed).
 */
export function mergeSampling(shards: Array<ComparisonSampling | undefined>): ComparisonSampling | undefined {
  if (shards.length === 0 || shards.some((s) => !s)) return undefined;
  const list = shards as ComparisonSampling[];
  const source = <T extends string>(values: T[]): T => (values.every((v) => v === values[0]) ? values[0] : values.includes('cache' as T) ? ('cache' as T) : values.find((v) => v !== 'stored') ?? values[0]);
  const side = (name: Side): SideSampling => ({
    noisy: list.some((s) => s.sides[name].noisy),
    calls: list.reduce((sum, s) => sum + s.sides[name].calls, 0),
    cached: list.reduce((sum, s) => sum + s.sides[name].cached, 0),
  });
  const deciding = list.find((s) => s.choice === 'baseline-cache') ?? list.find((s) => s.choice === 'default') ?? list[0];
  const rows = new Map<string, NonNullable<ComparisonSampling['rows']>[number]>();
  for (const s of list) for (const row of s.rows ?? []) rows.set(JSON.stringify([row.suite, row.model]), row);
  return {
    candidate: source(list.map((s) => s.candidate)),
    baseline: source(list.map((s) => s.baseline)),
    cachedCalls: list.reduce((sum, s) => sum + s.cachedCalls, 0),
    choice: deciding.choice,
    ...(deciding.by ? { by: deciding.by } : {}),
    sides: { candidate: side('candidate'), baseline: side('baseline') },
    ...(rows.size > 0 ? { rows: [...rows.values()] } : {}),
  };
}
