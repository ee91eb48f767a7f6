/**
 * The stored baseline: `<reports>/baseline/run.json` (a copy of the accepted run) and
 * `<reports>/baseline/baseline.json` (who accepted it, when, why, and from where). `drift` with no
 * `--baseline`, and the `run:baseline` side spec, read it. Both files are written to temp names and
 * renamed, run.json first: a reader that finds the two naming different runs (a crash between the
 * renames) refuses them rather than guess.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { inputError, type PromptgateError } from '../errors.js';
import { readRunFile } from '../run-record/read.js';
import type { RunFile } from '../run-record/types.js';
import { RUN_FILE } from '../run-record/writer.js';

/** The folder under the reports folder that holds the stored baseline. */
export const BASELINE_DIR = 'baseline';
/** The metadata file beside the baseline's run.json. */
export const BASELINE_META_FILE = 'baseline.json';
/** `--baseline run:baseline` names the stored baseline (a folder called `baseline`: `run:./baseline`). */
export const STORED_BASELINE_SPEC_PATH = 'baseline';

/** baseline.json: who promoted which run to the baseline, when and why. */
export interface BaselineMeta {
  format: 'promptgate-baseline';
  formatVersion: 1;
  /** The accepted run's id (its run.json sits beside this file). */
  runId: string;
  /** The command that made the run (run, compare, drift, ci). */
  command: string;
  /** ISO time of the acceptance. */
  acceptedAt: string;
  /** `Name <email>` from git config, else $GITHUB_ACTOR, else $USER; null when none is known. */
  acceptedBy: string | null;
  /** `--reason`, as given; null when none was. */
  reason: string | null;
  /** The run folder or run.json accepted, relative to the project root when inside it. */
  source: string;
  /** The baseline this one replaced (absent for the first). */
  previous?: { runId: string; acceptedAt: string; acceptedBy: string | null; reason: string | null };
}

export interface StoredBaseline {
  meta: BaselineMeta;
  run: RunFile;
  /** The baseline's run.json (absolute). */
  file: string;
}

/** `<reports>/baseline`. */
export function baselineDirOf(reportsDir: string): string {
  return join(reportsDir, BASELINE_DIR);
}

/** A path as the user sees it: relative to the project root when inside it. */
export function displayPath(file: string, rootDir: string): string {
  const rel = relative(rootDir, file);
  return rel === '' || rel.startsWith('..') ? file : rel.split('\\').join('/');
}

/**
 * The stored baseline, or undefined when none was accepted. A baseline.json that does not parse,
 * or names another run than run.json holds, is RUN_INVALID (exit 2).
 */
export async function readStoredBaseline(reportsDir: string, rootDir: string): Promise<StoredBaseline | undefined> {
  const dir = baselineDirOf(reportsDir);
  const metaFile = join(dir, BASELINE_META_FILE);
  let text: string;
  try {
    text = await readFile(metaFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const where = displayPath(metaFile, rootDir);
  let meta: BaselineMeta;
  try {
    meta = JSON.parse(text) as BaselineMeta;
  } catch {
    throw inputError('RUN_INVALID', 'the stored baseline\'s metadata is not valid JSON', { file: where }, 'accept a run again: promptgate baseline accept <run folder>');
  }
  if (meta === null || typeof meta !== 'object' || meta.format !== 'promptgate-baseline' || typeof meta.runId !== 'string') {
    throw inputError('RUN_INVALID', 'not a promptgate baseline.json', { file: where }, 'accept a run again: promptgate baseline accept <run folder>');
  }
  const { run, file } = await readRunFile(join(dir, RUN_FILE));
  if (run.runId !== meta.runId) {
    throw inputError('RUN_INVALID', `the stored baseline is torn: baseline.json names run ${meta.runId}, its run.json is run ${run.runId}`, { file: where }, 'accept a run again: promptgate baseline accept <run folder>');
  }
  return { meta, run, file };
}

/** Stores `runFile` as the baseline with `meta` (each file written to a temp name, then renamed). */
export async function writeStoredBaseline(reportsDir: string, runFile: string, meta: BaselineMeta): Promise<string> {
  const dir = baselineDirOf(reportsDir);
  await mkdir(dir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const runTmp = join(dir, `.${RUN_FILE}.${tag}.tmp`);
  const metaTmp = join(dir, `.${BASELINE_META_FILE}.${tag}.tmp`);
  try {
    await copyFile(runFile, runTmp);
    await writeFile(metaTmp, `${JSON.stringify(meta, null, 2)}\n`, 'utf8');
    await rename(runTmp, join(dir, RUN_FILE));
    await rename(metaTmp, join(dir, BASELINE_META_FILE));
  } finally {
    await rm(runTmp, { force: true });
    await rm(metaTmp, { force: true });
  }
  return dir;
}

/** The exit-2 error for a missing stored baseline, naming how to make one. */
export function noStoredBaseline(reportsDir: string, rootDir: string): PromptgateError {
  return inputError('FILE_MISSING', 'no baseline has been accepted', { file: `${displayPath(baselineDirOf(reportsDir), rootDir)}` }, 'make one: `promptgate run --no-cache`, then `promptgate baseline accept reports/<run id> --reason "…"`');
}

/**
 * The run.json a `run:<path>` spec names (absolute): `run:baseline` is the stored baseline (exit 2
 * naming `baseline accept` when there is none, RUN_INVALID when it is torn); any other path is
 * relative to the project root and returned as is (the caller reads and checks it).
 */
export async function resolveStoredRunPath(path: string, paths: { rootDir: string; reportsDir: string }): Promise<string> {
  if (path.trim() !== STORED_BASELINE_SPEC_PATH) return resolve(paths.rootDir, path);
  const stored = await readStoredBaseline(paths.reportsDir, paths.rootDir);
  if (!stored) throw noStoredBaseline(paths.reportsDir, paths.rootDir);
  return stored.file;
}
