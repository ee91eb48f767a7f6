import { createHash } from 'node:crypto';
import type { TestCase } from '../cases/types.js';
import { inputError } from '../errors.js';
import { sha256 } from '../util/hash.js';

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
}

/** `--shard 2/4` → {index: 2, count: 4}; undefined when the text is not of that form. */
export function parseShard(text: string): Shard | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count) return undefined;
  return { index, count };
}

/** `--shard <i/n>` as given (undefined: no sharding); USAGE naming the flag when it does not parse. */
export function shardOption(text: string | undefined): Shard | undefined {
  if (!text) return undefined;
  const shard = parseShard(text);
  if (!shard) throw inputError('USAGE', `--shard must look like 2/4 (got "${text}")`, { file: '--shard' });
  return shard;
}

/** Whether a case belongs to a shard: by a hash of its id, so adding cases moves no other case. */
export function inShard(caseId: string, shard: Shard | undefined): boolean {
  if (!shard || shard.count === 1) return true;
  const bucket = Number.parseInt(sha256(caseId).slice(0, 8), 16) % shard.count;
  return bucket === shard.index - 1;
}

/** `--filter text`: a case-insensitive substring of the case id, description, tags or suite name. */
export function matchesFilter(testCase: TestCase, suite: string, filter: string | undefined): boolean {
  if (!filter) return true;
  const needle = filter.toLowerCase();
  return (
    testCase.id.toLowerCase().includes(needle) ||
    suite.toLowerCase().includes(needle) ||
    (testCase.description ?? '').toLowerCase().includes(needle) ||
    testCase.tags.some((tag) => tag.toLowerCase().includes(needle))
  );
}

/**
 * A digest of a set of case ids, whatever their order: sha256 (hex) of the sorted ids, one per
 * line. The shards of a run record it for the cases selected before sharding; `merge` computes it
 * again over the merged cases to check that each case was run exactly once.
 */
export function digestIds(ids: Iterable<string>): string {
  const sorted = [...ids].sort();
  const hash = createHash('sha256');
  for (const id of sorted) hash.update(`${id}\n`);
  return hash.digest('hex');
}
