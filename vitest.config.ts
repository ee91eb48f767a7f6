import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * Test files that must start from a fresh module registry: they count which modules get imported
 * (vi.mock factories run on first import), so a module an earlier file loaded would hide it.
 */
const ISOLATED = ['test/providers/lazy-sdk.test.ts'];

/**
 * Files that take the longest wall time, started first so none is left running alone at the end;
 * those that mostly wait (resume's signals, faults' timeouts, rate-limit's windows) alternate with
 * ones that keep a core busy, so two waiting files rarely hold both workers. vitest
 * orders by the last run's durations when it has them (node_modules/.vite); a fresh clone has none.
 */
const SLOW_FIRST = [
  'test/batch/openai-batch-run.test.ts',
  'test/browser.test.ts',
  'test/e2e/resume.test.ts',
  'test/e2e/ci.test.ts',
  'test/e2e/faults.test.ts',
  'test/e2e/bad-input.test.ts',
  'test/e2e/compare.test.ts',
  'src/graders/regex-differential.test.ts',
  // Past the first files: the test PostgreSQL starts in the background meanwhile.
  'test/batch/batch-run.test.ts',
  'test/runtime/light-import.test.ts',
  'test/e2e/registry-runtime.test.ts',
  'test/e2e/prompt-files-tools.test.ts',
  'test/e2e/registry.test.ts',
  'test/e2e/attribution.test.ts',
  'test/api/cli-in-process.test.ts',
  'test/e2e/adaptive.test.ts',
  'src/compare/gate.test.ts',
  'test/registry/store-contract.test.ts',
  'test/e2e/run.test.ts',
  'test/e2e/shard-merge.test.ts',
  'test/e2e/budget.test.ts',
  'test/e2e/tools-compare.test.ts',
  'test/e2e/rate-limit.test.ts',
  'test/batch/anthropic-batch-run.test.ts',
];


class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const path = file.moduleId.replaceAll('\\', '/');
      // Isolated files last: the fork that runs one exits after it, and the shared files a fresh
      // fork picked up after that would import every module again.
      if (ISOLATED.some((isolated) => path.endsWith(isolated))) return SLOW_FIRST.length + 1;
      const index = SLOW_FIRST.findIndex((slow) => path.endsWith(slow));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

const SRC = fileURLToPath(new URL('src/', import.meta.url));
const DIST = fileURLToPath(new URL('dist/', import.meta.url));

/**
 * `vitest --mode built` (what `npm test` runs, right after its build): a test's import of a module of
 * src/ loads its file-by-file build in dist/ (the `js` step of src/build/esbuild.mjs) with Node
 * itself, instead of vitest transforming the TypeScript and evaluating it module by module. Same
 * code, one transpiler; it saves the main process ~2.5 s of CPU per run on 2 cores. Without the
 * mode (`npx vitest`, watch mode, a single file) tests import src/ as they always did, so nothing
 * needs a build and an edit is seen at once. Test files and test/ helpers are transformed either way.
 */
function srcFromDist(): Plugin {
  return {
    name: 'promptgate:src-from-dist',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      const id = resolved?.id;
      if (!id?.startsWith(SRC) || !id.endsWith('.ts') || id.endsWith('.test.ts')) return null;
      const built = `${DIST}${id.slice(SRC.length, -'.ts'.length)}.js`;
      return existsSync(built) ? { id: built, external: true } : null;
    },
  };
}

/**
 * What both projects run with. Each spreads it rather than taking `extends: true`, which would also
 * give each project the root's globalSetup: vitest loads and runs a project's globalSetup files
 * (through that project's transform pipeline) before any worker starts, so each extra copy was
 * ~0.3-0.5 s more of the serial start-up, and the config file itself was evaluated three times.
 * The root project's globalSetup runs for every project, and what it provides (the PostgreSQL URL)
 * reaches every project's tests (TestProject.getProvidedContext merges the root's in).
 */
const COMMON = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks',
  // The built CLI (dist/bundle/main.js, which runCliInProcess imports) is loaded by Node itself, not
  // transformed and evaluated module by module by vitest.
  server: { deps: { external: [/\/dist\//] } },
} as const;

export default defineConfig(({ mode }) => ({
  test: {
    ...COMMON,
    // One temporary folder per run, removed at the end: the tests leave nothing in the system's.
    globalSetup: ['test/helpers/temp-root.ts', 'test/helpers/child-env.ts', 'test/helpers/postgres-setup.ts'],
    sequence: { sequencer: SlowFirstSequencer },
    // One worker per core and one more, at least 3: several files mostly wait (on Chromium, a
    // spawned CLI, a local server's real attempt timeouts); on 2 cores a third worker fills those
    // waits. Measured on one clone, alternating (this VM is noisy): 3 workers 76.9, 54.0, 51.5 s;
    // 2 workers 69.8, 67.3, 57.3 s. (`--maxWorkers` on the command line does not reach the projects.)
    maxWorkers: Math.max(3, availableParallelism() + 1),
    projects: [
      {
        test: { ...COMMON, name: 'isolated', include: ISOLATED, isolate: true },
      },
      {
        // Each worker keeps its module registry from file to file: the source graph (the CLI, the
        // SDKs) is transformed and imported once per worker, not once per file, which was half of
        // the suite's CPU. Files restore what they change in process state (env, cwd).
        plugins: mode === 'built' ? [srcFromDist()] : [],
        test: { ...COMMON, name: 'shared', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ISOLATED, isolate: false },
      },
    ],
  },
}));
