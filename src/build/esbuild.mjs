/**
 * The esbuild steps of the build, in one process (run with node, not compiled):
 *
 * - `bundle`: the CLI bundle, dist/bundle/ — bin.js (the `promptgate` command) and main.js (main()
 *   alone, which the in-process tests import), code-split so their shared chunks load once.
 *   `npm run build` runs tsc (dist/*.js and the declarations) and then this.
 * - `js`: src/*.ts transpiled file by file into dist/ with no type check (under a second): the
 *   library entries (dist/index.js, dist/node.js) the tests and project configs import.
 * - no argument: both at once — `npm test`'s build (`npm run build:test`).
 *
 * Exits 1 when esbuild reports an error (it prints it).
 */
import { readdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const shared = { format: 'esm', platform: 'node', target: 'node20.19', logLevel: 'warning' };

function bundle() {
  rmSync('dist/bundle', { recursive: true, force: true });
  return build({
    ...shared,
    entryPoints: ['src/bin.ts', 'src/cli/main.ts'],
    bundle: true,
    splitting: true,
    outdir: 'dist/bundle',
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    packages: 'bundle',
    // Loaded from node_modules (all three are dependencies): jiti, and the two big packages only
    // some commands import, on first use: recheck (2.9 MB, a regex only RE2 cannot run) and
    // gpt-tokenizer's encodings (the estimate of an OpenAI model). Bundling them made the bundle
    // 15 MB instead of 6.5 MB and its build ~0.7 s slower, for no start-up gain.
    external: ['jiti', 'recheck', 'gpt-tokenizer'],
    // src/prompts/lazy.ts: inside the bundle, optional packages are plain require() calls.
    define: { PROMPTGATE_BUNDLE: 'true' },
    // Bundled CommonJS packages call require(): give the ESM bundle one.
    banner: { js: "import{createRequire as __promptgateRequire}from'node:module';const require=__promptgateRequire(import.meta.url);" },
  });
}

function transpile() {
  const entryPoints = readdirSync('src', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => `src/${file}`);
  return build({ ...shared, entryPoints, outdir: 'dist', outbase: 'src', logOverride: { 'unsupported-require-call': 'silent' } });
}

const step = process.argv[2];
const steps = step === 'bundle' ? [bundle] : step === 'js' ? [transpile] : [bundle, transpile];
if (step !== undefined && step !== 'bundle' && step !== 'js') {
  console.error(`usage: node src/build/esbuild.mjs [bundle|js] (got ${step})`);
  process.exit(2);
}
try {
  await Promise.all(steps.map((run) => run()));
} catch {
  // esbuild has printed the errors.
  process.exit(1);
}
