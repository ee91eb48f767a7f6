import type { PromptLock } from './lock.js';
import { asLoggedRecord, type CallTally, tallyCall, timeOf } from './log-records.js';

/** One prompt version that served calls in a log. */
export interface ServedVersion extends CallTally {
  promptId: string;
  version: string;
  hash: string;
  /** Model versions the APIs reported, sorted. */
  modelsReported: string[];
  /** The version with the most recent call of its prompt: what is serving now, as far as the log knows. */
  latest: boolean;
  /** `locked` (same hash as the lock), `differs` (the lock holds another version), `not-locked` (the lock has no such prompt), `no-lock` (no lock file). */
  lock: 'locked' | 'differs' | 'not-locked' | 'no-lock';
  /** The locked version when `lock` is `differs`. */
  lockedVersion?: { version: string; hash: string };
  /** `same` (the working-tree file has this hash), `differs`, `missing` (no such file), `invalid` (the file does not parse). */
  workingTree: 'same' | 'differs' | 'missing' | 'invalid';
  /** The working-tree version when `workingTree` is `differs`. */
  workingTreeVersion?: { version: string; hash: string };
}

/** What the working tree holds for a prompt id: its version, or `invalid` when it does not parse. */
export type TreePrompt = { version: string; hash: string } | 'invalid';

export interface LogSummary {
  versions: ServedVersion[];
  /** Lines read. */
  lines: number;
  /** Lines that were no prompt call (judge calls, calls without a prompt, junk). */
  skipped: number;
}

/**
 * Per prompt id and version, the calls a log holds (how many, errors, first and last, reported
 * models), compared with the lock and the working tree. Sorted by prompt id, then most recent first.
 */
export async function summarizeLog(lines: AsyncIterable<unknown>, lock: PromptLock | undefined, tree: ReadonlyMap<string, TreePrompt>): Promise<LogSummary> {
  const byKey = new Map<string, ServedVersion & { models: Set<string> }>();
  let count = 0;
  let skipped = 0;
  for await (const line of lines) {
    count++;
    const record = asLoggedRecord(line);
    if (!record) {
      skipped++;
      continue;
    }
    const key = JSON.stringify([record.promptId, record.promptVersion, record.promptHash]);
    let served = byKey.get(key);
    if (!served) {
      served = {
        promptId: record.promptId, version: record.promptVersion, hash: record.promptHash, calls: 0, errors: 0,
        firstAt: record.startedAt, lastAt: record.startedAt, modelsReported: [], latest: false, lock: 'no-lock',
        workingTree: 'missing', models: new Set(),
      };
      byKey.set(key, served);
    }
    tallyCall(served, record);
    if (record.modelReported) served.models.add(record.modelReported);
  }

  const versions: ServedVersion[] = [];
  for (const { models, ...served } of byKey.values()) {
    served.modelsReported = [...models].sort();
    Object.assign(served, lockStatus(served, lock), treeStatus(served, tree.get(served.promptId)));
    versions.push(served);
  }
  versions.sort((a, b) => (a.promptId < b.promptId ? -1 : a.promptId > b.promptId ? 1 : timeOf(b.lastAt) - timeOf(a.lastAt)));
  for (let i = 0; i < versions.length; i++) versions[i].latest = i === 0 || versions[i - 1].promptId !== versions[i].promptId;
  return { versions, lines: count, skipped };
}

function lockStatus(served: ServedVersion, lock: PromptLock | undefined): Pick<ServedVersion, 'lock' | 'lockedVersion'> {
  if (!lock) return { lock: 'no-lock' };
  const locked = Object.hasOwn(lock.prompts, served.promptId) ? lock.prompts[served.promptId] : undefined;
  if (!locked) return { lock: 'not-locked' };
  if (locked.hash === served.hash) return { lock: 'locked' };
  return { lock: 'differs', lockedVersion: { version: locked.version, hash: locked.hash } };
}

function treeStatus(served: ServedVersion, tree: TreePrompt | undefined): Pick<ServedVersion, 'workingTree' | 'workingTreeVersion'> {
  if (tree === undefined) return { workingTree: 'missing' };
  if (tree === 'invalid') return { workingTree: 'invalid' };
  if (tree.hash === served.hash) return { workingTree: 'same' };
  return { workingTree: 'differs', workingTreeVersion: { version: tree.version, hash: tree.hash } };
}
