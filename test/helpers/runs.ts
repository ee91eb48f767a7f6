import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunFile } from '../../src/run-record/types.js';

/** Run folders under <project>/reports, oldest first (run ids sort by time). */
export async function runFolders(projectDir: string, reports = 'reports'): Promise<string[]> {
  const root = join(projectDir, reports);
  const names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return names.map((name) => join(root, name));
}

export async function readRun(runDir: string): Promise<RunFile> {
  return JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as RunFile;
}

/**
 * Runs `command` (one CLI invocation in `projectDir`) and returns its result with the run folder it
 * added and that run's run.json: both undefined when it added none (a refusal, exit 2).
 */
export async function withNewRun<T>(projectDir: string, command: () => Promise<T>): Promise<{ result: T; runDir?: string; run?: RunFile }> {
  const before = (await runFolders(projectDir).catch(() => [])).length;
  const result = await command();
  const folders = await runFolders(projectDir).catch(() => []);
  const runDir = folders.length > before ? folders[folders.length - 1] : undefined;
  return { result, runDir, run: runDir ? await readRun(runDir) : undefined };
}

export async function readCalls(runDir: string): Promise<Array<Record<string, any>>> {
  const text = await readFile(join(runDir, 'calls.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}
