import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { createReporters } from '../reporters/index.js';
import { loadConfig } from './load.js';

/** Plug-in modules named by the config (reporters, graders), loaded in-process from a temp project. */

const made: string[] = [];

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'promptgate-plugins-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

async function failure(files: Record<string, string>, overrides?: { reporters?: string[] }): Promise<PromptgateError> {
  const error = await loadConfig({ cwd: project(files), overrides }).then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(PromptgateError);
  return error as PromptgateError;
}

const OBJECT_REPORTER = "export default { name: 'plain', onRunEnd() { return ['plain.txt']; } };\n";
const FACTORY_REPORTER = `import { defineReporter } from 'promptgate';
interface Options { greeting: string }
export default defineReporter<Options>((options, context) => ({ name: options.greeting + '@' + context.rootDir, onRunStart() {} }));
`;

describe('reporters from the config', () => {
  it('takes built-in names, Reporter objects, module paths, [module, options] and installed packages, in order', async () => {
    const dir = project({
      'eval.config.ts': `import { defineConfig, defineReporter } from 'promptgate';
export default defineConfig({
  reporters: [
    'json',
    defineReporter({ name: 'inline', onCaseResult() {} }),
    './reporters/plain.mjs',
    ['./reporters/factory.ts', { greeting: 'hi' }],
    'promptgate-reporter-pkg',
  ],
});
`,
      'reporters/plain.mjs': OBJECT_REPORTER,
      'reporters/factory.ts': FACTORY_REPORTER,
      'node_modules/promptgate-reporter-pkg/package.json': JSON.stringify({ name: 'promptgate-reporter-pkg', type: 'module', exports: { '.': { import: './index.js' } } }),
      'node_modules/promptgate-reporter-pkg/index.js': "export default () => ({ name: 'from-package', onRunEnd() {} });\n",
    });
    const config = await loadConfig({ cwd: dir });
    expect(config.reporters.map((entry) => (typeof entry === 'string' ? entry : entry.label))).toEqual([
      'json', 'inline', './reporters/plain.mjs', './reporters/factory.ts', 'promptgate-reporter-pkg',
    ]);
    const reporters = await createReporters(config.reporters, { rootDir: config.rootDir, progress: false, stream: new PassThrough() });
    expect(reporters.map((reporter) => reporter.name)).toEqual(['json', 'inline', 'plain', `hi@${config.rootDir}`, 'from-package']);
  });

  it('loads --reporter modules from the project root, and a bare name that is no built-in as a package', async () => {
    const dir = project({ 'eval.config.mjs': "export default { reporters: ['console'] };\n", 'r/plain.mjs': OBJECT_REPORTER });
    const config = await loadConfig({ cwd: dir, overrides: { reporters: ['./r/plain.mjs', 'junit'] } });
    expect(config.reporters.map((entry) => (typeof entry === 'string' ? entry : entry.label))).toEqual(['./r/plain.mjs', 'junit']);
    const error = await failure({ 'eval.config.mjs': 'export default {};\n' }, { reporters: ['./nope.mjs'] });
    expect(error.format()).toMatch(/^--reporter: reporter module "\.\/nope\.mjs" not found \(module paths are relative to the project root, /);
    expect((await failure({}, { reporters: ['markdwon'] })).format()).toBe(
      '--reporter: "markdwon" is not a built-in reporter, and no package of that name is installed (did you mean "markdown"?) (built-in reporters: console, json, junit, markdown, html, csv; a module path starts with ./ or ../ and is relative to the project root)',
    );
  });

  it('refuses, naming the config file and line: an unknown name, a missing module, a module that is no reporter, a misspelt hook', async () => {
    const config = (entry: string) => `export default {\n  concurrency: 2,\n  reporters: ['console', ${entry}],\n};\n`;
    const unknown = await failure({ 'eval.config.mjs': config("'jsonl'") });
    expect(unknown.code).toBe('CONFIG_INVALID');
    expect(unknown.format()).toBe(
      'eval.config.mjs:3: reporters[1]: "jsonl" is not a built-in reporter, and no package of that name is installed (did you mean "json"?) (built-in reporters: console, json, junit, markdown, html, csv; a module path starts with ./ or ../ and is relative to the project root)',
    );
    expect((await failure({ 'eval.config.mjs': config("'./reporters/nope.mjs'") })).format()).toMatch(/^eval\.config\.mjs:3: reporters\[1\]: reporter module "\.\/reporters\/nope\.mjs" not found \(module paths are relative to the project root/);
    expect((await failure({ 'eval.config.mjs': config("'./r.mjs'"), 'r.mjs': 'export default 42;\n' })).format()).toBe(
      'eval.config.mjs:3: reporters[1]: "./r.mjs" does not export a reporter: its default export is a number (export default defineReporter({ name, onRunEnd(run, cases, runDir) { ... } }), or a factory (options) => reporter)',
    );
    expect((await failure({ 'eval.config.mjs': config("'./r.mjs'"), 'r.mjs': 'export const reporter = {};\n' })).format()).toBe(
      'eval.config.mjs:3: reporters[1]: reporter module "./r.mjs" has no default export (export default defineReporter({ ... }))',
    );
    expect((await failure({ 'eval.config.mjs': config("['./r.mjs', { a: 1 }]"), 'r.mjs': "export default { name: 'r', onRunEnded() {} };\n" })).format()).toBe(
      'eval.config.mjs:3: reporters[1]: "./r.mjs" does not export a reporter: its default export has an unknown hook "onRunEnded" (did you mean "onRunEnd"?) (hooks: onRunStart, onCallDone, onNotice, onCaseResult, onRunEnd)',
    );
    expect((await failure({ 'eval.config.mjs': config("{ name: 'inline' }") })).format()).toBe(
      'eval.config.mjs:3: reporters[1]: has none of the hooks (hooks: onRunStart, onCallDone, onNotice, onCaseResult, onRunEnd)',
    );
    const throws = await failure({ 'eval.config.mjs': config("'./r.mjs'"), 'r.mjs': "throw new TypeError('no slack token');\n" });
    expect(throws.code).toBe('CONFIG_LOAD');
    expect(throws.format()).toBe('eval.config.mjs:3: reporters[1]: reporter module "./r.mjs" failed to load: TypeError: no slack token');
  });

  it('a factory that returns no reporter is refused when the reporters are made, before the run', async () => {
    const dir = project({ 'eval.config.mjs': "export default {\n  reporters: ['./r.mjs'],\n};\n", 'r.mjs': 'export default () => 7;\n' });
    const config = await loadConfig({ cwd: dir });
    const error = await createReporters(config.reporters, { rootDir: config.rootDir, progress: false }).then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PromptgateError);
    expect((error as PromptgateError).format()).toMatch(/^eval\.config\.mjs:2: reporters\[0\]: the factory exported by "\.\/r\.mjs" returned a number \(/);
  });
});

describe('graders from the config', () => {
  it('takes functions and module paths (default export), relative to the project root', async () => {
    const dir = project({
      'eval.config.ts': `import { defineConfig, defineGrader } from 'promptgate';
export default defineConfig({
  graders: {
    short: defineGrader((output) => output.length < 10),
    words: './graders/words.ts',
  },
});
`,
      'graders/words.ts': `import { defineGrader } from 'promptgate';
export default defineGrader((output, { vars }) => ({ pass: output.split(' ').length <= Number(vars.max), reason: 'counted' }));
`,
    });
    const config = await loadConfig({ cwd: dir });
    expect(Object.keys(config.graders)).toEqual(['short', 'words']);
    const input = { vars: { max: 2 }, prompt: { id: 'p', version: '1.0.0' }, model: 'm' };
    expect(await config.graders.words('two words', input)).toEqual({ pass: true, reason: 'counted' });
    expect(await config.graders.words('three words here', input)).toEqual({ pass: false, reason: 'counted' });
  });

  it('refuses a missing grader module or one whose default export is not a function, naming the line', async () => {
    const config = (path: string) => `export default {\n  graders: {\n    words: '${path}',\n  },\n};\n`;
    expect((await failure({ 'eval.config.mjs': config('./graders/nope.mjs') })).format()).toMatch(/^eval\.config\.mjs:3: graders\.words: grader module "\.\/graders\/nope\.mjs" not found/);
    expect((await failure({ 'eval.config.mjs': config('./g.mjs'), 'g.mjs': "export default { pass: true };\n" })).format()).toBe(
      'eval.config.mjs:3: graders.words: "./g.mjs" does not export a grader: its default export is an object (export default defineGrader((output, context) => ({ pass, score, reason })))',
    );
  });
});
