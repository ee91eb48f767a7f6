import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { loadConfig } from './load.js';

const made: string[] = [];

/** A project folder outside the repo (no node_modules, so `promptgate` must resolve through the alias). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'promptgate-config-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function loadError(cwd: string, configFile?: string): Promise<PromptgateError> {
  const error = await loadConfig({ cwd, configFile }).then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(PromptgateError);
  return error as PromptgateError;
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const tsConfig = `import { defineConfig, type UserConfig, type ModelConfig } from 'promptgate';

interface Limits { concurrency: number }
const limits: Limits = { concurrency: 3 };
const gpt: ModelConfig = { provider: 'openai', model: 'gpt-4o-mini' };

export default defineConfig({
  models: { gpt },
  defaultModel: 'gpt',
  concurrency: limits.concurrency,
  graders: { short: (output: string) => output.length < 10 },
} satisfies UserConfig);
`;

describe('loadConfig', () => {
  it('loads eval.config.ts with types and `import from "promptgate"` in a project without node_modules', async () => {
    const dir = project({ 'eval.config.ts': tsConfig });
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const config = await loadConfig({ cwd: dir });
    expect(config.configFile).toBe(join(dir, 'eval.config.ts'));
    expect(config.rootDir).toBe(dir);
    expect(config.concurrency).toBe(3);
    expect(config.defaultModel).toBe('gpt');
    expect(config.models.gpt).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(config.graders.short('hi', { vars: {}, prompt: { id: 'p', version: '1.0.0' }, model: 'gpt' })).toBe(true);
    expect(config.paths.prompts).toBe(join(dir, 'prompts'));
  });

  it('loads .mts, .mjs and .js configs', async () => {
    for (const name of ['eval.config.mts', 'eval.config.mjs', 'eval.config.js']) {
      const dir = project({ [name]: `import { defineConfig } from 'promptgate';\nexport default defineConfig({ repeat: 4 });\n` });
      const config = await loadConfig({ cwd: dir });
      expect(config.repeat, name).toBe(4);
      expect(config.configFile).toBe(join(dir, name));
    }
  });

  it('loads a CommonJS .js config and a default export that is an async function', async () => {
    const cjs = project({ 'package.json': '{}', 'eval.config.js': 'module.exports = { repeat: 2 };\n' });
    expect((await loadConfig({ cwd: cjs })).repeat).toBe(2);
    const fn = project({ 'eval.config.ts': `import { defineConfig } from 'promptgate';\nexport default defineConfig(async () => ({ repeat: await Promise.resolve(5) }));\n` });
    expect((await loadConfig({ cwd: fn })).repeat).toBe(5);
  });

  it('prefers eval.config.ts when several config files exist', async () => {
    const dir = project({ 'eval.config.js': 'export default { repeat: 2 };', 'eval.config.ts': 'export default { repeat: 3 };' });
    expect((await loadConfig({ cwd: dir })).repeat).toBe(3);
  });

  it('uses the defaults when there is no config file (convention mode)', async () => {
    const dir = project({ 'prompts/greet.prompt': '---\nversion: 1.0.0\n---\nHi' });
    const config = await loadConfig({ cwd: dir, overrides: { repeat: 2 } });
    expect(config.configFile).toBeUndefined();
    expect(config.rootDir).toBe(dir);
    expect(config.repeat).toBe(2);
    expect(config.concurrency).toBe(8);
    expect(config.suites).toBeUndefined();
    expect(config.paths.evals).toBe(join(dir, 'evals'));
  });

  it('loads a given config file, relative to cwd, with its folder as the project root', async () => {
    const dir = project({ 'packages/bot/eval.config.ts': 'export default { prompts: "p" };' });
    const config = await loadConfig({ cwd: dir, configFile: 'packages/bot/eval.config.ts' });
    expect(config.rootDir).toBe(join(dir, 'packages/bot'));
    expect(config.paths.prompts).toBe(join(dir, 'packages/bot/p'));
  });

  it('applies flags over the loaded config', async () => {
    const dir = project({ 'eval.config.ts': 'export default { concurrency: 2, cache: "c", reporters: ["junit"] };' });
    const config = await loadConfig({ cwd: dir, overrides: { concurrency: 5, cache: false, reporters: ['markdown'] } });
    expect(config.concurrency).toBe(5);
    expect(config.paths.cache).toBe(false);
    expect(config.reporters).toEqual(['markdown']);
  });

  it('fails with FILE_MISSING for a given config file that does not exist', async () => {
    const error = await loadError(project({}), 'missing.config.ts');
    expect(error.code).toBe('FILE_MISSING');
    expect(error.format()).toBe('missing.config.ts: config file not found');
  });

  it('reports a config that throws with its file and line, without a stack', async () => {
    const dir = project({ 'eval.config.ts': `import { defineConfig } from 'promptgate';\ntype T = { a: number };\nconst t: T = { a: 1 };\nthrow new Error('no models file\\nsecond line');\nexport default defineConfig({});\n` });
    const error = await loadError(dir);
    expect(error.code).toBe('CONFIG_LOAD');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('eval.config.ts:4: failed to load: no models file');
    expect(error.format()).not.toMatch(/\n|\bat /);
  });

  it('reports a syntax error with its line', async () => {
    const error = await loadError(project({ 'eval.config.ts': 'export default {\n  repeat: 2,,\n};\n' }));
    expect(error.code).toBe('CONFIG_LOAD');
    expect(error.message).toMatch(/^eval\.config\.ts:2: failed to load: \S/);
    expect(error.message).not.toContain('\n');
  });

  it('keeps the kind of error when it is not a plain Error', async () => {
    const error = await loadError(project({ 'eval.config.ts': 'import "./helper.ts";\nexport default {};\n', 'helper.ts': 'null.x;\n' }));
    expect(error.message).toMatch(/^eval\.config\.ts:1: failed to load: TypeError: /);
  });

  it('reports an async config function that rejects', async () => {
    const error = await loadError(project({ 'eval.config.mjs': 'export default async () => { throw new Error("no network"); };\n' }));
    expect(error.message).toBe('eval.config.mjs:1: failed to load: no network');
  });

  it('rejects a config without a default export, or whose default export is not an object', async () => {
    const none = await loadError(project({ 'eval.config.ts': 'export const config = { repeat: 2 };\n' }));
    expect(none.code).toBe('CONFIG_INVALID');
    expect(none.message).toMatch(/^eval\.config\.ts: no default export/);
    const text = await loadError(project({ 'eval.config.ts': 'export default "repeat: 2";\n' }));
    expect(text.code).toBe('CONFIG_INVALID');
    expect(text.message).toMatch(/^eval\.config\.ts:1: the default export must be a config object .* got a string$/);
    const list = await loadError(project({ 'eval.config.ts': 'export default async () => [1];\n' }));
    expect(list.message).toMatch(/got an array$/);
  });

  it('validates the loaded config, with the line of the bad key', async () => {
    const dir = project({ 'eval.config.ts': `import { defineConfig } from 'promptgate';\n\nexport default defineConfig({\n  repeat: 1,\n  // @ts-expect-error a typo\n  concurency: 2,\n});\n` });
    const error = await loadError(dir);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('eval.config.ts:6: unknown key "concurency" in the config (did you mean "concurrency"?)');
    expect(error.location).toEqual({ file: 'eval.config.ts', line: 6 });
  });

  it('names a config file in a subfolder by its path from cwd', async () => {
    const dir = project({ 'cfg/eval.config.ts': 'export default { models: {}, judge: "gpt" };\n' });
    const error = await loadError(dir, 'cfg/eval.config.ts');
    expect(error.code).toBe('MODEL_UNKNOWN');
    expect(error.message).toBe('cfg/eval.config.ts:1: judge "gpt" is not a model in models (no models are configured)');
  });
});
