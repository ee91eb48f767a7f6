/**
 * The folder layout a file store writes and an HTTP store reads (the same files over GET):
 *
 * - `registry.json`: `{"format":"promptgate-registry","formatVersion":1}`
 * - `versions/<id>/<version>.json`: a PublishedVersion, written once
 * - `versions/index.json`: VersionSummary[] of every version
 * - `history.jsonl`: one LabelEvent per line, append-only
 * - `labels/<label>.json`: `{"label","seq","prompts":{"<id>": LabelState}}`
 *
 * Here: the paths, the parsers (a file of the wrong shape is STORE_INVALID naming it) and the
 * read side both stores share, over a function that reads one file.
 */
import { PromptgateError } from '../errors.js';
import { compareText, currentPointers } from './label-moves.js';
import { assertLabel, assertRegistryId, assertRegistryVersion, isLabelName, isRegistryId, isRegistryVersion } from './names.js';
import type { LabelEvent, LabelState, PublishedVersion, RegistryStore, ServedVersion, VersionSummary } from './types.js';
import { resolveServed, verifyVersion } from './verify.js';

export const REGISTRY_FORMAT = 'promptgate-registry';
export const REGISTRY_FORMAT_VERSION = 1;

export const layoutPaths = {
  registry: 'registry.json',
  index: 'versions/index.json',
  history: 'history.jsonl',
  version: (id: string, version: string) => `versions/${id}/${version}.json`,
  label: (label: string) => `labels/${label}.json`,
};

/** A label file: where one label points, as of event `seq`. */
export interface LabelFile {
  label: string;
  seq: number;
  prompts: Record<string, LabelState>;
}

/** Reads one layout file: its text, or undefined when it does not exist. Throws STORE_UNREACHABLE otherwise. */
export type ReadLayoutFile = (path: string) => Promise<string | undefined>;

function invalid(where: string, file: string, why: string): PromptgateError {
  return new PromptgateError('STORE_INVALID', `${where}: ${file} ${why}`, { hint: 'it was not written by promptgate, or by a newer version of it' });
}

function parseJson(text: string, where: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(where, file, 'is not valid JSON');
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';

/** Throws STORE_INVALID unless `text` is a registry.json of the format this promptgate reads. */
export function checkRegistryFile(text: string, where: string): void {
  const value = parseJson(text, where, layoutPaths.registry);
  if (!isObject(value) || value.format !== REGISTRY_FORMAT || typeof value.formatVersion !== 'number') {
    throw invalid(where, layoutPaths.registry, `is not a promptgate registry (expected "format": "${REGISTRY_FORMAT}")`);
  }
  if (value.formatVersion !== REGISTRY_FORMAT_VERSION) {
    throw new PromptgateError('STORE_INVALID', `${where}: registry format version ${value.formatVersion} is not one this promptgate reads (${REGISTRY_FORMAT_VERSION})`, {
      hint: 'upgrade promptgate',
    });
  }
}

export function registryFileText(): string {
  return `${JSON.stringify({ format: REGISTRY_FORMAT, formatVersion: REGISTRY_FORMAT_VERSION })}\n`;
}

function isPointer(value: unknown): value is { version: string; hash: string } {
  return isObject(value) && isString(value.version) && isString(value.hash);
}

/** Whether `value` has the shape of a LabelEvent (names checked too: they become paths). */
export function isLabelEvent(value: unknown): value is LabelEvent {
  return (
    isObject(value) &&
    Number.isSafeInteger(value.seq) &&
    (value.seq as number) >= 1 &&
    isString(value.id) &&
    isRegistryId(value.id) &&
    isString(value.label) &&
    isLabelName(value.label) &&
    isString(value.version) &&
    isRegistryVersion(value.version) &&
    isString(value.hash) &&
    (value.action === 'promote' || value.action === 'rollback') &&
    isString(value.at) &&
    isString(value.by) &&
    (value.reason === undefined || isString(value.reason)) &&
    (value.previous === null || isPointer(value.previous))
  );
}

/** Whether `value` has the shape of a PublishedVersion. */
export function isPublishedVersion(value: unknown): value is PublishedVersion {
  return (
    isObject(value) &&
    isString(value.id) &&
    isString(value.version) &&
    isString(value.hash) &&
    isString(value.path) &&
    isString(value.source) &&
    (value.commit === null || isString(value.commit)) &&
    typeof value.dirty === 'boolean' &&
    isString(value.publishedAt) &&
    isString(value.publishedBy) &&
    (value.receipt === null || isObject(value.receipt)) &&
    (value.forced === undefined || (isObject(value.forced) && isString(value.forced.reason)))
  );
}

export function parseVersionFile(text: string, where: string, file: string): PublishedVersion {
  const value = parseJson(text, where, file);
  if (!isPublishedVersion(value)) throw invalid(where, file, 'is not a published prompt version');
  return value;
}

export function parseIndexFile(text: string, where: string): VersionSummary[] {
  const value = parseJson(text, where, layoutPaths.index);
  const ok = Array.isArray(value) && value.every((item) => isObject(item) && isString(item.id) && isString(item.version) && isString(item.hash));
  if (!ok) throw invalid(where, layoutPaths.index, 'is not a list of versions');
  return value as VersionSummary[];
}

/**
 * The events of history.jsonl. A last line without its newline is a write cut short (a crash mid
 * append, or a read racing an append): it is not an event yet and is left out.
 */
export function parseHistoryFile(text: string, where: string): LabelEvent[] {
  const lines = text.split('\n');
  lines.pop(); // the text after the last newline: empty, or an unfinished line
  const events: LabelEvent[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const value = parseJson(line, where, `${layoutPaths.history} line ${index + 1}`);
    if (!isLabelEvent(value)) throw invalid(where, `${layoutPaths.history} line ${index + 1}`, 'is not a label event');
    if (value.seq !== events.length + 1) throw invalid(where, `${layoutPaths.history} line ${index + 1}`, `has seq ${value.seq}, expected ${events.length + 1}`);
    events.push(value);
  }
  return events;
}

export function parseLabelFile(text: string, where: string, label: string): LabelFile {
  const file = layoutPaths.label(label);
  const value = parseJson(text, where, file);
  if (!isObject(value) || value.label !== label || !Number.isSafeInteger(value.seq) || !isObject(value.prompts)) {
    throw invalid(where, file, 'is not a label file');
  }
  for (const [id, state] of Object.entries(value.prompts)) {
    if (!isLabelEvent(state) || state.id !== id || state.label !== label) throw invalid(where, file, `has an invalid entry for ${JSON.stringify(id)}`);
  }
  return value as unknown as LabelFile;
}

export function summaryOf(version: PublishedVersion): VersionSummary {
  return {
    id: version.id,
    version: version.version,
    hash: version.hash,
    publishedAt: version.publishedAt,
    publishedBy: version.publishedBy,
    commit: version.commit,
    receipt: version.receipt && { runId: version.receipt.runId, command: version.receipt.command, date: version.receipt.date },
    forced: version.forced !== undefined,
  };
}

/** Versions grouped by id (ids sorted), each id's in the order given (oldest first). */
export function sortSummaries(list: VersionSummary[]): VersionSummary[] {
  return list.map((item, index) => ({ item, index })).sort((a, b) => compareText(a.item.id, b.item.id) || a.index - b.index).map(({ item }) => item);
}

type LayoutReads = Pick<RegistryStore, 'getVersion' | 'listVersions' | 'history' | 'labels' | 'served'>;

/**
 * The read side of a store over the layout. `ready()` runs before every read (the registry.json
 * check). Versions are verified (REGISTRY_TAMPERED) before they are returned.
 */
export function createLayoutReads(read: ReadLayoutFile, where: string, ready: () => Promise<void>): LayoutReads & { readRawVersion(id: string, version: string): Promise<PublishedVersion | undefined>; readHistory(): Promise<LabelEvent[]> } {
  const readRawVersion = async (id: string, version: string): Promise<PublishedVersion | undefined> => {
    const file = layoutPaths.version(id, version);
    const text = await read(file);
    if (text === undefined) return undefined;
    const value = parseVersionFile(text, where, file);
    if (value.id !== id || value.version !== version) throw invalid(where, file, `holds ${value.id}@${value.version}`);
    return value;
  };
  const readHistory = async (): Promise<LabelEvent[]> => {
    const text = await read(layoutPaths.history);
    return text === undefined ? [] : parseHistoryFile(text, where);
  };
  return {
    readRawVersion,
    readHistory,
    async getVersion(id, version) {
      assertRegistryId(id);
      assertRegistryVersion(version);
      await ready();
      const value = await readRawVersion(id, version);
      if (value) verifyVersion(value, where);
      return value;
    },
    async listVersions(id) {
      if (id !== undefined) assertRegistryId(id);
      await ready();
      const text = await read(layoutPaths.index);
      const list = text === undefined ? [] : parseIndexFile(text, where);
      return sortSummaries(id === undefined ? list : list.filter((item) => item.id === id));
    },
    async history(filter = {}) {
      if (filter.id !== undefined) assertRegistryId(filter.id);
      if (filter.label !== undefined) assertLabel(filter.label);
      await ready();
      return (await readHistory()).filter((event) => (filter.id === undefined || event.id === filter.id) && (filter.label === undefined || event.label === filter.label));
    },
    async labels(label) {
      if (label !== undefined) assertLabel(label);
      await ready();
      const pointers = currentPointers(await readHistory());
      return label === undefined ? pointers : pointers.filter((state) => state.label === label);
    },
    async served(label): Promise<{ served: ServedVersion[]; refused: Array<{ id: string; version: string; message: string }> }> {
      assertLabel(label);
      await ready();
      const text = await read(layoutPaths.label(label));
      if (text === undefined) return { served: [], refused: [] };
      const states = Object.values(parseLabelFile(text, where, label).prompts).sort((a, b) => compareText(a.id, b.id));
      return resolveServed(states, readRawVersion, where);
    },
  };
}
