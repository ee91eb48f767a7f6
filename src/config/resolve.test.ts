import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { resolveConfig } from './resolve.js';
import type { UserConfig } from './types.js';

const root = '/project';

describe('resolveConfig', () => {
  it('applies the defaults, with absolute paths', () => {
    const config = resolveConfig({}, root);
    expect(config).toMatchObject({
      rootDir: root,
      configFile: undefined,
      models: {},
      concurrency: 8,
      repeat: 1,
      gate: { minPassRate: 0, maxScoreDrop: 0, alpha: 0.05, margin: 0.02, inconclusive: 'fail', baselineCache: false },
      suites: undefined,
      graders: {},
      reporters: ['console', 'json'],
      paths: {
        prompts: join(root, 'prompts'),
        evals: join(root, 'evals'),
        fixtures: join(root, 'fixtures'),
        reports: join(root, 'reports'),
        cache: join(root, '.promptgate-cache'),
      },
    });
    expect(config.digest).toMatch(/^[0-9a-f]{12}$/);
  });

  it('takes the config over the defaults', () => {
    const config = resolveConfig({ concurrency: 2, repeat: 3, gate: { minPassRate: 0.8 }, prompts: 'src/prompts', cache: false, reporters: ['junit'] }, root, '/project/eval.config.ts');
    expect(config.concurrency).toBe(2);
    expect(config.repeat).toBe(3);
    expect(config.gate).toEqual({ minPassRate: 0.8, maxScoreDrop: 0, alpha: 0.05, margin: 0.02, inconclusive: 'fail', baselineCache: false });
    expect(config.paths.prompts).toBe(join(root, 'src/prompts'));
    expect(config.paths.cache).toBe(false);
    expect(config.reporters).toEqual(['junit']);
    expect(config.configFile).toBe('/project/eval.config.ts');
  });

  it('takes flags over the config, and --repeat over a suite repeat', () => {
    const user: UserConfig = { concurrency: 2, repeat: 3, cache: 'c', reporters: ['junit'], suites: [{ prompt: 'a', repeat: 5 }, { prompt: 'b' }] };
    const config = resolveConfig(user, root, undefined, { concurrency: 16, repeat: 1, cache: false, reporters: ['html', 'html', 'json'] });
    expect(config.concurrency).toBe(16);
    expect(config.repeat).toBe(1);
    expect(config.paths.cache).toBe(false);
    expect(config.reporters).toEqual(['html', 'json']);
    expect(config.suites?.map((suite) => suite.repeat)).toEqual([1, 1]);
    expect(user.suites?.[0].repeat).toBe(5);
    expect(resolveConfig(user, root).suites?.[0].repeat).toBe(5);
  });

  it('rejects bad flag values as usage errors', () => {
    expect(() => resolveConfig({}, root, undefined, { concurrency: 0 })).toThrow(PromptgateError);
    expect(() => resolveConfig({}, root, undefined, { repeat: 1.5 })).toThrow('--repeat must be an integer ≥ 1 (got 1.5)');
    expect(() => resolveConfig({}, root, undefined, { reporters: [''] })).toThrow(/--reporter needs a built-in reporter name, a module path or a package name/);
    // Any other name is a module, imported when the config loads (config/plugins.test.ts).
    expect(resolveConfig({}, root, undefined, { reporters: ['json', 'pdf'] }).reporters.map((entry) => (typeof entry === 'string' ? entry : entry.label))).toEqual(['json', 'pdf']);
  });

  describe('digest', () => {
    const grader = function short(output: string) { return output.length < 5; };
    const sameSource = function short(output: string) { return output.length < 5; };
    const a: UserConfig = { models: { gpt: { provider: 'openai', model: 'gpt-4o-mini', params: { temperature: 0, top_p: 1 } } }, graders: { short: grader }, repeat: 2 };
    const b: UserConfig = { repeat: 2, graders: { short: grader }, models: { gpt: { params: { top_p: 1, temperature: 0 }, model: 'gpt-4o-mini', provider: 'openai' } } };

    it('does not depend on key order or on where the project lives', () => {
      expect(resolveConfig(a, root).digest).toBe(resolveConfig(b, root).digest);
      expect(resolveConfig(a, '/elsewhere/checkout').digest).toBe(resolveConfig(a, root).digest);
    });

    it('changes when a value changes', () => {
      const changed: UserConfig = { ...a, models: { gpt: { provider: 'openai', model: 'gpt-4o-mini', params: { temperature: 0.5, top_p: 1 } } } };
      expect(resolveConfig(changed, root).digest).not.toBe(resolveConfig(a, root).digest);
      expect(resolveConfig(a, root, undefined, { repeat: 3 }).digest).not.toBe(resolveConfig(a, root).digest);
    });

    it('covers functions by name and source: an edited grader changes results', () => {
      const renamed: UserConfig = { ...a, graders: { short: function brief(output: string) { return output.length < 5; } } };
      expect(resolveConfig(renamed, root).digest).not.toBe(resolveConfig(a, root).digest);
      const edited: UserConfig = { ...a, graders: { short: function short(output: string) { return output.length < 9; } } };
      expect(resolveConfig(edited, root).digest).not.toBe(resolveConfig(a, root).digest);
      const copy: UserConfig = { ...a, graders: { short: sameSource } };
      expect(resolveConfig(copy, root).digest).toBe(resolveConfig(a, root).digest);
    });

    it('leaves out what changes no result: reporters, concurrency, rate limits, timeouts, retries, report and cache folders', () => {
      const digest = resolveConfig(a, root).digest;
      const gpt = a.models!.gpt;
      const same: UserConfig = {
        ...a,
        reporters: ['junit', 'html'],
        concurrency: 1,
        reports: 'elsewhere',
        cache: '.other-cache',
        models: { gpt: { ...gpt, concurrency: 2, rpm: 10, tpm: 1000, timeoutMs: 5, maxRetries: 0 } },
      };
      expect(resolveConfig(same, root).digest).toBe(digest);
      expect(resolveConfig({ ...a, cache: false }, root).digest).toBe(digest);
      expect(resolveConfig(a, root, undefined, { concurrency: 3, reporters: ['csv'], cache: false }).digest).toBe(digest);
      const suite = { prompt: 'p', models: ['gpt'] };
      expect(resolveConfig({ ...a, suites: [{ ...suite, concurrency: 1 }] }, root).digest).toBe(resolveConfig({ ...a, suites: [suite] }, root).digest);
    });

    it('covers everything else, keys it does not know included', () => {
      const digest = resolveConfig(a, root).digest;
      const gpt = a.models!.gpt;
      const changes: UserConfig[] = [
        { ...a, models: { gpt: { ...gpt, baseURL: 'http://127.0.0.1:1/v1' } } },
        { ...a, models: { gpt: { ...gpt, apiKeyEnv: 'OTHER_KEY' } } },
        { ...a, models: { gpt: { ...gpt, price: { input: 1, output: 2 } } } },
        { ...a, models: { gpt: { ...gpt, future: 1 } as typeof gpt } },
        { ...a, models: { prod: gpt } },
        { ...a, gate: { maxRegressions: 1 } },
        { ...a, judge: 'gpt' },
        { ...a, evals: 'cases' },
        { ...a, suites: [{ prompt: 'p', models: ['gpt'] }] },
      ];
      for (const changed of changes) expect(resolveConfig(changed, root).digest).not.toBe(digest);
    });

    it('is the same for a default written out and left out', () => {
      expect(resolveConfig({ concurrency: 8, prompts: 'prompts' }, root).digest).toBe(resolveConfig({}, root).digest);
    });
  });
});
