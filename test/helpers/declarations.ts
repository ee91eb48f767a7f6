/**
 * vitest globalSetup: the type tests (test/types) compile a user's file against the built
 * package's declarations. `npm test` transpiles with esbuild, which writes none; `npm run build`
 * (the README's `npm start`, CI's first step) does. When they are missing or older than src/, emit
 * them here once, before any worker starts, so no two test files race to write them.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './cli.js';

const exec = promisify(execFile);

/** Newest modification time of the source files the declarations come from. */
function newestSource(): number {
  return readdirSync(join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .reduce((newest, file) => Math.max(newest, statSync(join(REPO_ROOT, 'src', file)).mtimeMs), 0);
}

export default async function emitDeclarations(): Promise<void> {
  const stale = ['node.d.ts', 'index.d.ts'].some((file) => {
    const path = join(REPO_ROOT, 'dist', file);
    return !existsSync(path) || statSync(path).mtimeMs < newestSource();
  });
  if (!stale) return;
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await exec(process.execPath, [tsc, '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--emitDeclarationOnly'], { cwd: REPO_ROOT });
}
