/**
 * vitest globalSetup: every temporary folder the tests make (projects, repos, run folders, the
 * CLI's own temp files, Chromium's profile) goes under one folder for this run, removed at the
 * end. It runs before the workers start, so they and every process they spawn inherit TMPDIR
 * (os.tmpdir() reads it). vitest runs globalSetup once per project: only the first makes the
 * folder. Its name stays short: Chromium's socket path under it must fit in 108 bytes.
 *
 * The removal runs in a detached `rm -rf` that outlives vitest: thousands of small files (git
 * repositories, run folders) take seconds to unlink on a busy disk, and nothing waits for them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function useTempRoot(): (() => void) | undefined {
  if (process.env.PROMPTGATE_TEST_TMP) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'pgt-'));
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
