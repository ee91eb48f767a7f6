import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Table from 'cli-table3';
import { inputError } from '../errors.js';
import { listPromptFiles, loadPromptFile } from '../prompts/load.js';
import { promptIdOf } from '../prompts/parse.js';
import { oneLine } from '../reporters/terminal-text.js';
import { readLines } from '../run-record/writer.js';
import { LOCK_FILE_NAME, readLockFile } from '../runtime/lock.js';
import { summarizeLog, type ServedVersion, type TreePrompt } from '../runtime/log-summary.js';
import { reportError } from './errors.js';
import { loadConfigWithFlags } from './options.js';
import { guardedJson } from '../util/output-guard.js';

export interface ListLogFlags {
  config?: string;
  json?: boolean;
  debug?: boolean;
  log: string;
}

/**
 * `promptgate list --log <calls.jsonl>`: which prompt versions served the logged calls, how many
 * and when last, and whether each matches prompts.lock.json and the working-tree file.
 */
export async function listLogCommand(flags: ListLogFlags, io: { cwd: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const out = io.stdout;
  try {
    const info = await stat(resolve(io.cwd, flags.log)).catch(() => undefined);
    if (!info?.isFile()) throw inputError('FILE_MISSING', `log file not found: ${flags.log}`, { file: flags.log });
    const config = await loadConfigWithFlags({ config: flags.config, cache: true }, io.cwd);
    const lock = await readLockFile(join(config.rootDir, LOCK_FILE_NAME));
    const tree = new Map<string, TreePrompt>();
    for (const file of await listPromptFiles(config.paths.prompts)) {
      try {
        const prompt = await loadPromptFile(file, config.rootDir);
        tree.set(prompt.id, { version: prompt.version, hash: prompt.hash });
      } catch {
        tree.set(promptIdOf(file), 'invalid');
      }
    }
    const summary = await summarizeLog(readLines<unknown>(resolve(io.cwd, flags.log)), lock, tree);
    if (flags.json) {
      out.write(`${guardedJson(JSON.stringify({ log: flags.log, lockFile: lock ? LOCK_FILE_NAME : null, ...summary }, null, 2))}\n`);
      return 0;
    }
    if (summary.versions.length === 0) {
      out.write(`no prompt calls in ${oneLine(flags.log)} (${summary.lines} line(s) read)\n`);
      return 0;
    }
    const table = new Table({
      head: ['Prompt', 'Version', 'Hash', 'Calls', 'Errors', 'Last call', 'Models reported', 'Lock', 'Working tree'],
      style: { head: [], border: [] },
    });
    for (const v of summary.versions) {
      table.push([
        oneLine(v.promptId, 40) + (v.latest ? ' *' : ''),
        oneLine(v.version, 20),
        oneLine(v.hash, 16),
        v.calls,
        v.errors,
        oneLine(v.lastAt, 30),
        oneLine(v.modelsReported.join(', '), 50),
        lockText(v),
        treeText(v),
      ]);
    }
    out.write(`${table.toString()}\n`);
    out.write(`* the version with the most recent call of its prompt${lock ? '' : ` · no ${LOCK_FILE_NAME} in ${config.rootDir}`}\n`);
    for (const v of summary.versions) {
      if (v.latest && v.lock === 'differs') {
        out.write(`warning: ${oneLine(v.promptId, 40)} is served at ${oneLine(v.version, 20)} (${oneLine(v.hash, 16)}) but ${LOCK_FILE_NAME} locks ${oneLine(v.lockedVersion!.version, 20)} (${v.lockedVersion!.hash})\n`);
      }
    }
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug), io.stderr);
  }
}

function lockText(v: ServedVersion): string {
  switch (v.lock) {
    case 'locked': return 'locked';
    case 'differs': return `differs (lock: ${oneLine(v.lockedVersion!.version, 20)} ${v.lockedVersion!.hash})`;
    case 'not-locked': return 'not in lock';
    default: return 'no lock file';
  }
}

function treeText(v: ServedVersion): string {
  switch (v.workingTree) {
    case 'same': return 'same';
    case 'differs': return `differs (now ${v.workingTreeVersion!.version} ${v.workingTreeVersion!.hash})`;
    case 'invalid': return 'invalid file';
    default: return 'no file';
  }
}
