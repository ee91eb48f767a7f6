import { spawn } from 'node:child_process';
import { cp, mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run the built CLI from dist/, made by `npm test`'s build step). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO_ROOT, 'dist', 'bundle', 'bin.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A throwaway project folder with the given files (paths relative to it). */
export async function makeProject(files: Record<string, string | Buffer>, prefix = 'promptgate-e2e-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFiles(dir, files);
  return dir;
}

/** Writes `files` (paths relative to `dir`), making their folders. */
export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/** Copies a scenario folder from fixtures/ into a temp dir. */
export async function copyScenario(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `promptgate-${name}-`));
  await cp(join(REPO_ROOT, 'fixtures', name), dir, { recursive: true });
  return dir;
}

/** Runs `promptgate <args>` in `cwd` as a user would, and collects its output. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; onSpawn?: (child: ReturnType<typeof spawn>) => void }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}
