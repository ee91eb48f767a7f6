import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const run = promisify(execFile);

/**
 * A user's plug-in file type-checks against the BUILT package, as an installed dependency: a temp
 * project whose node_modules/promptgate links to this repo (package.json `exports` → dist/*.d.ts),
 * compiled by one `tsc --noEmit` (strict, NodeNext). plugins-misuse.ts holds the mistakes that
 * must not compile (@ts-expect-error fails the build when a line compiles after all).
 */
describe('plug-in types from the built package', () => {
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'index.d.ts'))) throw new Error('dist/index.d.ts is missing: run `npm run build` before this test');
    dir = await mkdtemp(join(tmpdir(), 'promptgate-types-'));
    await mkdir(join(dir, 'node_modules'));
    await symlink(REPO_ROOT, join(dir, 'node_modules', 'promptgate'), 'dir');
    await symlink(join(REPO_ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
    for (const file of ['plugins-user.ts', 'plugins-misuse.ts']) await copyFile(join(REPO_ROOT, 'test', 'types', file), join(dir, file));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    const compilerOptions = { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], noEmit: true, skipLibCheck: true };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['plugins-user.ts', 'plugins-misuse.ts'] }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('defineReporter, defineProvider, defineGrader and the types they use compile from dist; misuse does not', async () => {
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], { cwd: dir }).then(
      (r) => ({ code: 0, stdout: r.stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(result.stdout.split('\n').filter((line) => line.includes('error TS'))).toEqual([]);
    expect(result.code).toBe(0);
    // It was the built package that was checked, not the sources.
    const files = result.stdout.split('\n').map((line) => line.replaceAll('\\', '/'));
    expect(files.some((file) => file.endsWith('/dist/index.d.ts'))).toBe(true);
    expect(files.some((file) => file.endsWith('/src/index.ts'))).toBe(false);
  });
});
