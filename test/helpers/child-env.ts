/**
 * vitest globalSetup: the environment the tests' child processes inherit, made cheaper to start
 * without changing what they do. The suite starts ~1,500 processes (git above all), and on a
 * 2-core machine their start-up is CPU the tests wait for.
 *
 * - git: no automatic maintenance. Each `git commit` in a test repository otherwise starts a
 *   `git maintenance run --auto` process (a repository of a few commits never needs one). Set as
 *   command-line config (GIT_CONFIG_COUNT), which a test's own GIT_CONFIG_GLOBAL does not remove.
 * - python3: when the one on PATH is a version manager's shim (pyenv's is a bash script that starts
 *   half a dozen processes, ~0.1 s of CPU, before Python), the interpreter's own folder goes first
 *   on PATH. The tests still find `python3` on PATH as users do; it is the same interpreter.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const GIT_CONFIG: Array<[key: string, value: string]> = [
  ['maintenance.auto', 'false'],
  ['gc.auto', '0'],
];

export default function setupChildEnv(): (() => void) | undefined {
  // vitest runs globalSetup once per project: the first sets the environment up.
  if (process.env.PROMPTGATE_TEST_CHILD_ENV) return undefined;
  const before = { ...process.env };
  process.env.PROMPTGATE_TEST_CHILD_ENV = '1';
  const count = Number(process.env.GIT_CONFIG_COUNT ?? 0);
  GIT_CONFIG.forEach(([key, value], i) => {
    process.env[`GIT_CONFIG_KEY_${count + i}`] = key;
    process.env[`GIT_CONFIG_VALUE_${count + i}`] = value;
  });
  process.env.GIT_CONFIG_COUNT = String(count + GIT_CONFIG.length);
  const python = interpreterBehindShim();
  if (python) process.env.PATH = `${dirname(python)}${delimiter}${process.env.PATH ?? ''}`;
  return () => {
    for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
    Object.assign(process.env, before);
  };
}

/** The real python3 when the first python3 on PATH is a script (a shim), else undefined. */
function interpreterBehindShim(): string | undefined {
  const onPath = firstOnPath('python3');
  if (!onPath || !isScript(onPath)) return undefined;
  try {
    const executable = execFileSync(onPath, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8', timeout: 10_000 }).trim();
    return executable && !isScript(executable) ? executable : undefined;
  } catch {
    return undefined;
  }
}

function firstOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      return realpathSync(join(dir, name));
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Whether the file starts with `#!` (a script, not a binary). */
function isScript(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(2);
      readSync(fd, head, 0, 2, 0);
      return head.toString('latin1') === '#!';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
