import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The type tests need dist/*.d.ts; emitted once here when missing or older than src/.
    globalSetup: ['test/helpers/declarations.ts'],
    // vitest's default is one worker fewer than the cores: on a 2-core CI machine that is one file
    // at a time, while most e2e files wait on a spawned CLI and a local server. One per core.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
