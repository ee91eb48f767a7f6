/**
 * `status`: where each label points (version, hash, since, by, why, receipt), and with `--log` what
 * actually served traffic under each label according to production call logs (calls.jsonl), with
 * the mismatches flagged.
 */
import { isPromptgateError } from '../errors.js';
import { readLines } from '../run-record/writer.js';
import { asLoggedRecord, type CallTally, tallyCall, timeOf } from '../runtime/log-records.js';
import type { GateReceipt, LabelState, RegistryStore } from './types.js';

/** One label's pointer for one prompt, with what the published version says about its gate. */
export interface LabelStatus {
  label: string;
  id: string;
  version: string;
  hash: string;
  /** When the label moved here (ISO 8601). */
  since: string;
  by: string;
  /** `promote` or `rollback`. */
  action: LabelState['action'];
  reason?: string;
  previous: LabelState['previous'];
  receipt: GateReceipt | null;
  /** Published with `--force --reason`. */
  forced?: { reason: string };
  /** The published version could not be read (tampered, missing): the pointer is not trustworthy. */
  problem?: string;
}

/** Calls one prompt version served under one label (or none), from the logs. */
export interface TrafficRow extends CallTally {
  /** `promptLabel` of the calls; null for calls that did not come from a registry label (bundled files). */
  label: string | null;
  /** `promptStore` of the calls (the store's display URL), or null. */
  store: string | null;
  id: string;
  version: string;
  hash: string;
  /** The label points to this hash now (undefined: no label, or a label this store does not have). */
  current?: boolean;
}

/**
 * Traffic under a label on a hash the label does not point to, after the label moved: the most
 * recent call under that label (for that prompt) was served by another version, later than the
 * label's `since`. Calls on the old version while apps refresh, followed by calls on the new one,
 * are no mismatch; an app that still serves the old version (or a version the label never had) is.
 */
export interface Mismatch {
  label: string;
  id: string;
  /** Where the label points. */
  expected: { version: string; hash: string; since: string };
  /** What the latest call under the label served. */
  served: { version: string; hash: string; lastAt: string; calls: number };
  message: string;
}

/** The pointers of `label` (or of every label), each with its version's receipt. */
export async function readLabelStatus(store: RegistryStore, label?: string): Promise<LabelStatus[]> {
  const states = await store.labels(label);
  const statuses: LabelStatus[] = [];
  for (const state of states) {
    const entry: LabelStatus = {
      label: state.label, id: state.id, version: state.version, hash: state.hash, since: state.at, by: state.by, action: state.action,
      ...(state.reason !== undefined ? { reason: state.reason } : {}), previous: state.previous, receipt: null,
    };
    try {
      const version = await store.getVersion(state.id, state.version);
      if (!version) entry.problem = `${state.id}@${state.version} is not in the store`;
      else if (version.hash !== state.hash) entry.problem = `the label records hash ${state.hash}, the published version has ${version.hash}`;
      else {
        entry.receipt = version.receipt;
        if (version.forced) entry.forced = { reason: version.forced.reason };
      }
    } catch (error) {
      if (!isPromptgateError(error) || error.code !== 'REGISTRY_TAMPERED') throw error;
      entry.problem = error.message;
    }
    statuses.push(entry);
  }
  return statuses;
}

/** Production calls of the logs, per (label, store, id, version, hash); judge calls and lines without a prompt are skipped. */
export async function readTraffic(files: string[]): Promise<TrafficRow[]> {
  const rows = new Map<string, TrafficRow>();
  for (const file of files) {
    for await (const line of readLines<unknown>(file)) {
      const record = asLoggedRecord(line);
      if (record?.purpose !== 'production') continue;
      const { promptLabel: label, promptStore: store } = record;
      const key = JSON.stringify([label, store, record.promptId, record.promptVersion, record.promptHash]);
      let row = rows.get(key);
      if (!row) {
        row = { label, store, id: record.promptId, version: record.promptVersion, hash: record.promptHash, calls: 0, errors: 0, firstAt: record.startedAt, lastAt: record.startedAt };
        rows.set(key, row);
      }
      tallyCall(row, record);
    }
  }
  return [...rows.values()].sort((a, b) => (a.label ?? '').localeCompare(b.label ?? '') || a.id.localeCompare(b.id) || timeOf(b.lastAt) - timeOf(a.lastAt));
}

/** Marks each traffic row `current` against the labels, and finds the mismatches (see Mismatch). */
export function compareTraffic(labels: LabelStatus[], traffic: TrafficRow[]): Mismatch[] {
  const pointer = new Map(labels.map((l) => [JSON.stringify([l.label, l.id]), l]));
  const latest = new Map<string, TrafficRow>();
  for (const row of traffic) {
    if (row.label === null) continue;
    const key = JSON.stringify([row.label, row.id]);
    const state = pointer.get(key);
    if (!state) continue;
    row.current = row.hash === state.hash;
    const seen = latest.get(key);
    if (!seen || timeOf(row.lastAt) > timeOf(seen.lastAt)) latest.set(key, row);
  }
  const mismatches: Mismatch[] = [];
  for (const [key, row] of latest) {
    const state = pointer.get(key)!;
    if (row.current || timeOf(row.lastAt) <= timeOf(state.since)) continue;
    mismatches.push({
      label: state.label,
      id: state.id,
      expected: { version: state.version, hash: state.hash, since: state.since },
      served: { version: row.version, hash: row.hash, lastAt: row.lastAt, calls: row.calls },
      message: `${state.label} points ${state.id} to ${state.version} (${state.hash}) since ${state.since}, but its latest call under that label, at ${row.lastAt}, was served by ${row.version} (${row.hash})${row.store ? ` from ${row.store}` : ''}`,
    });
  }
  return mismatches;
}
