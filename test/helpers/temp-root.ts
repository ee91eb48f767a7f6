/**
 * vitest globalSetup: every temporary folder the tests make (projects, repos, run folders, the
 * CLI's own temp files, Chromium's profile) goes under one folder for this run, removed at the
 * end. It runs before the workers start, so they and every process they spawn inherit TMPDIR
 * (os.tmpdir() reads it). vitest runs globalSetup once per project: only the first makes the
 * folder. Its name stays short: Chromium's socket path under it must fit in 108 bytes.
 *
 * The folder is in memory (/dev/shm) where Linux has one with room to spare: the tests make and
 * delete thousands of small files (git repositories, run folders), which a disk -- one mounted
 * with `discard`, say -- makes seconds slower; else under the system's temp folder. The removal
 * runs in a detached `rm -rf` that outlives vitest, so nothing waits for it either way.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the run's temp folders go: /dev/shm when it is writable with at least 1 GiB free, else `fallback`. */
export function scratchBase(fallback = tmpdir()): string {
  if (process.platform !== 'linux') return fallback;
  try {
    accessSync('/dev/shm', constants.W_OK | constants.X_OK);
    const space = statfsSync('/dev/shm');
    if (space.bavail * space.bsize >= 2 ** 30) return '/dev/shm';
  } catch {
    // no /dev/shm here: the system's temp folder
  }
  return fallback;
}

export default function useTempRoot(): (() => void) | undefined {
  if (process.env.PROMPTGATE_TEST_TMP) return undefined;
  const root = mkdtempSync(join(scratchBase(), 'pgt-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  process.env.PROMPTGATE_TEST_TMP = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    delete process.env.PROMPTGATE_TEST_TMP;
    if (process.platform === 'win32') return rmSync(root, { recursive: true, force: true });
    const remover = spawn('rm', ['-rf', '--', root], { detached: true, stdio: 'ignore' });
    remover.on('error', () => rmSync(root, { recursive: true, force: true }));
    remover.unref();
  };
}
