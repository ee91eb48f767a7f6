/**
 * Part of `npm run typecheck` (not of `npm test`: type-checking is its own CI step). A user's
 * TypeScript files compile against the BUILT package's declarations, as an installed dependency:
 *
 * 1. dist/*.d.ts are emitted (`tsc -p tsconfig.build.json --emitDeclarationOnly`) when missing or
 *    older than src/ (`npm run build` writes them; `npm test`'s esbuild transpile does not).
 * 2. api-user.ts (the programmatic API: run, compare, the result types) compiles with
 *    test/types/tsconfig.json; test/types/api-types.test.ts runs the same file.
 * 3. plugins-user.ts and plugins-misuse.ts compile in a temp project whose node_modules/promptgate
 *    links to this repo (package.json `exports` → dist/*.d.ts), strict and NodeNext, and it was
 *    dist/index.d.ts that was checked, not src/. plugins-misuse.ts holds the mistakes that must not
 *    compile (@ts-expect-error fails the build when a line compiles after all).
 *
 * Prints each tsc error and exits 1 on any failure.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = join(ROOT, 'test', 'types');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Runs tsc; its exit code and output (tsc prints errors on stdout). */
const tsc = (args, cwd) =>
  exec(process.execPath, [TSC, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (error) => ({ code: error.code ?? 1, stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );

const failures = [];
const check = (ok, message) => {
  if (!ok) failures.push(message);
};
const errorsOf = (stdout) => stdout.split('\n').filter((line) => line.includes('error TS'));

/** Newest modification time of the source files the declarations come from. */
function newestSource() {
  return readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .reduce((newest, file) => Math.max(newest, statSync(join(ROOT, 'src', file)).mtimeMs), 0);
}

const stale = ['node.d.ts', 'index.d.ts'].some((file) => {
  const path = join(ROOT, 'dist', file);
  return !existsSync(path) || statSync(path).mtimeMs < newestSource();
});
if (stale) {
  const emitted = await tsc(['-p', join(ROOT, 'tsconfig.build.json'), '--emitDeclarationOnly'], ROOT);
  if (emitted.code !== 0) {
    console.error(`typecheck: emitting dist/*.d.ts failed:\n${emitted.stdout}`);
    process.exit(1);
  }
}

// 2. The programmatic API user file.
const api = await tsc(['-p', join(HERE, 'tsconfig.json')], ROOT);
check(api.code === 0 && errorsOf(api.stdout).length === 0, `test/types/api-user.ts does not compile against dist:\n${api.stdout}`);

// 3. Plug-ins, from an installed-looking package.
const dir = await mkdtemp(join(tmpdir(), 'promptgate-types-'));
try {
  await mkdir(join(dir, 'node_modules'));
  await symlink(ROOT, join(dir, 'node_modules', 'promptgate'), 'dir');
  await symlink(join(ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  for (const file of ['plugins-user.ts', 'plugins-misuse.ts']) await copyFile(join(HERE, file), join(dir, file));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  const compilerOptions = { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], noEmit: true, skipLibCheck: true };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['plugins-user.ts', 'plugins-misuse.ts'] }));
  const plugins = await tsc(['-p', 'tsconfig.json', '--listFiles'], dir);
  const errors = errorsOf(plugins.stdout);
  check(plugins.code === 0 && errors.length === 0, `test/types/plugins-user.ts / plugins-misuse.ts do not type-check as expected against dist:\n${errors.join('\n') || plugins.stdout}`);
  const files = plugins.stdout.split('\n').map((line) => line.replaceAll('\\', '/'));
  check(files.some((file) => file.endsWith('/dist/index.d.ts')), 'the plug-in files were not checked against dist/index.d.ts');
  check(!files.some((file) => file.endsWith('/src/index.ts')), 'the plug-in files were checked against src/index.ts, not the built package');
} finally {
  await rm(dir, { recursive: true, force: true });
}

if (failures.length) {
  for (const failure of failures) console.error(`typecheck: ${failure}`);
  process.exit(1);
}
console.log('typecheck: api-user.ts, plugins-user.ts and plugins-misuse.ts check against dist/*.d.ts as expected');
