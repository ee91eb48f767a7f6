import { inputError } from '../errors.js';
import type { CaseResult, SelectionRecord } from '../run-record/types.js';
import type { StoredRun } from '../run-record/read.js';

/** Position of each suite and model in the unsharded run (its summary rows' order). */
export interface CaseOrder {
  suites: Map<string, number>;
  models: Map<string, number>;
}

const refuse = (message: string, file = 'merge') => inputError('RUN_INVALID', message, { file });

/**
 * Checks that the runs are shards of one run: same format, command, config digest, prompt versions
 * (id and hash, both sides), repeat, --filter and selection, and one split (`i/n`, each shard once).
 * Throws RUN_INVALID (exit 2) naming the first difference; returns notes for what is allowed but
 * worth saying, and the shards of the split that are missing (the merged run is then incomplete).
 */
export function checkShards(shards: StoredRun[]): { notes: string[]; missingShards: string[] } {
  const notes: string[] = [];
  const [first] = shards;
  const name = (s: StoredRun) => s.file;
  for (const shard of shards) {
    const h = shard.header;
    if (h.drift) throw refuse('drift runs cannot be merged (their drift report is not per case); run drift unsharded', name(shard));
    if (h.formatVersion !== first.header.formatVersion) {
      throw refuse(`the runs have different run formats: ${first.header.formatVersion} (${name(first)}) and ${h.formatVersion} (${name(shard)}): merge shards made by one promptgate version`, name(shard));
    }
    if (h.command !== first.header.command) throw refuse(`the runs come from different commands: "${first.header.command}" (${name(first)}) and "${h.command}" (${name(shard)})`, name(shard));
    if ((h.options.filter ?? '') !== (first.header.options.filter ?? '')) {
      throw refuse(`the runs used different --filter: ${JSON.stringify(first.header.options.filter ?? '')} (${name(first)}) and ${JSON.stringify(h.options.filter ?? '')} (${name(shard)})`, name(shard));
    }
    if (h.configDigest !== first.header.configDigest) {
      throw refuse(`the runs used different configs: digest ${first.header.configDigest} (${name(first)}) and ${h.configDigest} (${name(shard)})`, name(shard));
    }
    if (h.options.repeat !== first.header.options.repeat) throw refuse(`the runs used different --repeat: ${first.header.options.repeat} and ${h.options.repeat}`, name(shard));
    if (Boolean(h.comparison) !== Boolean(first.header.comparison)) throw refuse('some runs have a comparison and some do not: merge shards of one command', name(shard));
    const difference = promptDifference(first, shard);
    if (difference) throw refuse(`the runs used different prompt versions: ${difference}`, name(shard));
  }
  const split = checkSplit(shards);
  notes.push(...split.notes);
  return { notes, missingShards: split.missing };
}

/** `suite × model` key of a selection record or case. */
export const selectionKey = (suite: string, model: string) => JSON.stringify([suite, model]);

/**
 * The selection the shards recorded (per suite × model: the cases selected before sharding and a
 * digest of their ids), which every shard must agree on; undefined when a run did not record one
 * (format 1). Throws RUN_INVALID when two shards selected different cases.
 */
export function agreedSelection(shards: StoredRun[]): Map<string, SelectionRecord> | undefined {
  if (shards.some((s) => !s.header.selection)) return undefined;
  const [first, ...rest] = shards;
  const agreed = new Map(first.header.selection!.map((r) => [selectionKey(r.suite, r.model), r]));
  for (const shard of rest) {
    const records = shard.header.selection!;
    const keys = new Set(records.map((r) => selectionKey(r.suite, r.model)));
    for (const [key, record] of agreed) {
      if (!keys.has(key)) throw refuse(`the shards ran different suites: suite "${record.suite}" on model "${record.model}" is in ${first.file} but not in ${shard.file}`, shard.file);
    }
    for (const record of records) {
      const mine = agreed.get(selectionKey(record.suite, record.model));
      if (!mine) throw refuse(`the shards ran different suites: suite "${record.suite}" on model "${record.model}" is in ${shard.file} but not in ${first.file}`, shard.file);
      if (mine.cases !== record.cases || mine.idsDigest !== record.idsDigest) {
        throw refuse(
          `the shards selected different cases: suite "${record.suite}" on model "${record.model}" has ${mine.cases} selected case(s) (ids ${mine.idsDigest.slice(0, 12)}) in ${first.file} and ${record.cases} (ids ${record.idsDigest.slice(0, 12)}) in ${shard.file} (the case files changed between the shard runs?)`,
          shard.file,
        );
      }
    }
  }
  return agreed;
}

/** `classify@1.0.0 3f2a1b0c9d8e (candidate) in a vs 77aa... in b`, or undefined when both ran the same. */
function promptDifference(a: StoredRun, b: StoredRun): string | undefined {
  const key = (p: { side: string; id: string; version: string; hash: string }) => `${p.id}@${p.version} ${p.hash} (${p.side})`;
  const left = new Set(a.header.prompts.map(key));
  const right = new Set(b.header.prompts.map(key));
  const onlyLeft = [...left].filter((k) => !right.has(k));
  const onlyRight = [...right].filter((k) => !left.has(k));
  if (!onlyLeft.length && !onlyRight.length) return undefined;
  return `${onlyLeft.join(', ') || 'none'} in ${a.file} against ${onlyRight.join(', ') || 'none'} in ${b.file}`;
}

function checkSplit(shards: StoredRun[]): { notes: string[]; missing: string[] } {
  const parsed = shards.map((s) => ({ shard: s, text: s.header.options.shard, match: /^(\d+)\/(\d+)$/.exec(s.header.options.shard ?? '') }));
  const counts = new Set(parsed.filter((p) => p.match).map((p) => p.match![2]));
  if (counts.size > 1) throw refuse(`the runs come from different splits (${[...counts].map((n) => `/${n}`).join(' and ')}): merge the shards of one --shard i/n split`);
  const seen = new Map<string, string>();
  for (const p of parsed) {
    if (!p.text) continue;
    const other = seen.get(p.text);
    if (other) throw refuse(`shard ${p.text} is given twice (${other} and ${p.shard.file}): the shards overlap`, p.shard.file);
    seen.set(p.text, p.shard.file);
  }
  const notes: string[] = [];
  let missing: string[] = [];
  const unsharded = parsed.filter((p) => !p.text);
  if (unsharded.length) notes.push(`${unsharded.map((p) => p.shard.file).join(', ')} ${unsharded.length === 1 ? 'is' : 'are'} not a --shard run`);
  if (counts.size === 1) {
    const n = Number([...counts][0]);
    missing = Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).filter((text) => !seen.has(text));
    if (missing.length) notes.push(`merging ${seen.size} of ${n} shards: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing, so the merged run covers only part of the cases and gets no passing verdict`);
  }
  return { notes, missing };
}

/**
 * The shards' cases, merged into the order the unsharded run writes them: suite, case file, line,
 * then model (each shard is in that order already, so this is a streaming k-way merge).
 */
export async function* mergeOrder(shards: StoredRun[], order: CaseOrder): AsyncGenerator<CaseResult> {
  const streams = shards.map((s) => s.cases());
  const heads = await Promise.all(streams.map((s) => s.next()));
  const compare = comparator(order);
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      if (heads[i].done) continue;
      if (best < 0 || compare(heads[i].value as CaseResult, heads[best].value as CaseResult) < 0) best = i;
    }
    if (best < 0) return;
    yield heads[best].value as CaseResult;
    heads[best] = await streams[best].next();
  }
}

function comparator(order: CaseOrder): (a: CaseResult, b: CaseResult) => number {
  const rank = (map: Map<string, number>, key: string) => map.get(key) ?? Number.MAX_SAFE_INTEGER;
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return (a, b) =>
    rank(order.suites, a.suite) - rank(order.suites, b.suite) ||
    text(a.suite, b.suite) ||
    text(a.source?.file ?? '', b.source?.file ?? '') ||
    (a.source?.line ?? 0) - (b.source?.line ?? 0) ||
    rank(order.models, a.model) - rank(order.models, b.model) ||
    text(a.model, b.model) ||
    text(a.caseId, b.caseId);
}
