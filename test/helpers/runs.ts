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

export async function readCalls(runDir: string): Promise<Array<Record<string, any>>> {
  const text = await readFile(join(runDir, 'calls.jsonl'), 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}
