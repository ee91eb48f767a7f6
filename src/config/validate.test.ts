import { describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { validateUserConfig } from './validate.js';

function failure(value: unknown, source = ''): PromptgateError {
  try {
    validateUserConfig(value, 'eval.config.ts', source);
  } catch (error) {
    expect(error).toBeInstanceOf(PromptgateError);
    return error as PromptgateError;
  }
  throw new Error('expected the config to be rejected');
}

const gpt = { provider: 'openai', model: 'gpt-4o-mini' } as const;

describe('validateUserConfig', () => {
  it('accepts a full config, functions included, and returns the same object', () => {
    const config = {
      models: {
        gpt: { ...gpt, params: { temperature: 0 }, baseURL: 'http://127.0.0.1:8080/v1', apiKeyEnv: 'MY_KEY', concurrency: 2, rpm: 60, tpm: 1000, timeoutMs: 5000, maxRetries: 0, price: { input: 0.15, output: 0.6 } },
        replay: { provider: 'replay', model: 'gpt-4o-mini', replayOf: 'gpt' },
        custom: { provider: async () => 'hi', model: 'mine' },
      },
      defaultModel: 'gpt',
      judge: 'custom',
      concurrency: 4,
      repeat: 3,
      gate: { maxRegressions: 1, minPassRate: 0.9, maxScoreDrop: 0.05, alpha: 0.01 },
      suites: [{ name: 's', prompt: 'greet', cases: 'evals/greet.csv', models: ['gpt', 'replay'], repeat: 2, concurrency: 1, assert: ['contains:hi', { type: 'js', value: 'short', weight: 2, threshold: 0.5, metric: 'len' }] }],
      graders: { short: (output: string) => output.length < 10 },
      prompts: 'p', evals: 'e', fixtures: 'f', reports: 'r', cache: false,
      reporters: ['console', 'junit', 'html'],
    };
    expect(validateUserConfig(config, 'eval.config.ts', '')).toBe(config);
    expect(validateUserConfig({}, 'eval.config.ts', '')).toEqual({});
  });

  it('names the key path, what is wrong and the value given', () => {
    const error = failure({ models: { gpt: { ...gpt, concurrency: 'eight' } } });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('eval.config.ts: models.gpt.concurrency must be an integer ≥ 1 (got "eight")');
  });

  it('suggests the closest known key for an unknown key', () => {
    expect(failure({ concurency: 8 }).message).toBe('eval.config.ts: unknown key "concurency" in the config (did you mean "concurrency"?)');
    expect(failure({ models: { gpt: { ...gpt, baseUrl: 'http://x' } } }).message).toBe('eval.config.ts: unknown key "baseUrl" in models.gpt (did you mean "baseURL"?)');
    expect(failure({ gate: { maxRegresions: 1 } }).message).toBe('eval.config.ts: unknown key "maxRegresions" in gate (did you mean "maxRegressions"?)');
  });

  it('makes no suggestion when nothing is close', () => {
    expect(failure({ colour: 'red' }).message).toBe('eval.config.ts: unknown key "colour" in the config');
  });

  it('reports a missing required key', () => {
    expect(failure({ suites: [{ prompt: 'a' }, { name: 'b' }] }).message).toBe('eval.config.ts: suites[1].prompt is required');
    expect(failure({ models: { gpt: { provider: 'openai' } } }).message).toBe('eval.config.ts: models.gpt.model is required');
  });

  it('prefers the unknown key over the missing key it causes, and counts the rest in the hint', () => {
    const error = failure({ suites: [{ promt: 'a' }] });
    expect(error.message).toBe('eval.config.ts: unknown key "promt" in suites[0] (did you mean "prompt"?)');
    expect(error.hint).toBe('1 more problem in the config');
  });

  it('explains a bad provider, with a suggestion', () => {
    expect(failure({ models: { gpt: { provider: 'opneai', model: 'x' } } }).message).toBe(
      'eval.config.ts: models.gpt.provider must be one of "openai", "anthropic", "replay", defineProvider({ id, call }) or a function (got "opneai"; did you mean "openai"?)',
    );
  });

  it('explains range, enum and union errors', () => {
    expect(failure({ gate: { alpha: 0.7 } }).message).toBe('eval.config.ts: gate.alpha must be a number > 0 and ≤ 0.5 (got 0.7)');
    expect(failure({ gate: { minPassRate: 2 } }).message).toBe('eval.config.ts: gate.minPassRate must be a number from 0 to 1 (got 2)');
    expect(failure({ gate: { maxRegressions: -1 } }).message).toBe('eval.config.ts: gate.maxRegressions must be an integer ≥ 0 (got -1)');
    expect(failure({ repeat: 1.5 }).message).toBe('eval.config.ts: repeat must be an integer ≥ 1 (got 1.5)');
    expect(failure({ concurrency: Number.NaN }).message).toBe('eval.config.ts: concurrency must be an integer ≥ 1 (got NaN)');
    // An unknown reporter name is found when modules are resolved (config/plugins.test.ts); the schema checks shapes.
    expect(failure({ reporters: ['console', 42] }).message).toBe('eval.config.ts: reporters[1] must be a non-empty string, a Reporter object or [module, options] (got 42)');
    expect(failure({ reporters: [{ name: 'x', onRunEnd: 3 }] }).message).toBe('eval.config.ts: reporters[0].onRunEnd must be a function (got 3)');
    expect(failure({ reporters: [['./r.mjs', {}, {}]] }).message).toBe('eval.config.ts: reporters[0] must have at most 2 items');
    expect(failure({ models: { m: { provider: { call() {} }, model: 'm' } } }).message).toBe('eval.config.ts: models.m.provider.id is required');
    expect(failure({ models: { m: { provider: { id: 'a b', call() {} }, model: 'm' } } }).message).toBe(
      'eval.config.ts: models.m.provider.id must be a non-empty id without spaces (e.g. "acme-gateway") (got "a b")',
    );
    expect(failure({ cache: true }).message).toBe('eval.config.ts: cache must be a non-empty string or false (got true)');
    expect(failure({ graders: { short: 42 } }).message).toBe('eval.config.ts: graders.short must be a function or a non-empty string (got 42)');
    expect(failure([1]).message).toBe('eval.config.ts: the config must be an object (got an array)');
  });

  it('reports the error inside a union branch the value belongs to', () => {
    expect(failure({ suites: [{ prompt: 'a', assert: [{ value: 1 }] }] }).message).toBe('eval.config.ts: suites[0].assert[0].type is required');
    expect(failure({ suites: [{ prompt: 'a', assert: [3] }] }).message).toBe('eval.config.ts: suites[0].assert[0] must be a non-empty string or an object (got 3)');
  });

  it('quotes model names that are not identifiers', () => {
    expect(failure({ models: { 'gpt-4o': { ...gpt, rpm: 0 } } }).message).toBe('eval.config.ts: models["gpt-4o"].rpm must be a number > 0 (got 0)');
  });

  it('never echoes a misplaced API key', () => {
    const inKey = failure({ models: { gpt: { ...gpt, apiKey: 'sk-secret123' } } });
    expect(inKey.message).toBe('eval.config.ts: unknown key "apiKey" in models.gpt');
    expect(inKey.hint).toMatch(/environment/);
    const inEnv = failure({ models: { gpt: { ...gpt, apiKeyEnv: 'sk-secret123' } } });
    expect(inEnv.message).toBe('eval.config.ts: models.gpt.apiKeyEnv must be the name of an environment variable (e.g. "OPENAI_API_KEY"), not the key itself');
    expect(inEnv.format()).not.toContain('secret123');
  });

  it('checks that model references name a configured model', () => {
    const models = { gpt, claude: { provider: 'anthropic', model: 'claude-sonnet-4-5' } };
    const byDefault = failure({ models, defaultModel: 'gtp' });
    expect(byDefault.code).toBe('MODEL_UNKNOWN');
    expect(byDefault.message).toBe('eval.config.ts: defaultModel "gtp" is not a model in models (did you mean "gpt"? known models: "gpt", "claude")');
    expect(failure({ models, judge: 'opus' }).message).toBe('eval.config.ts: judge "opus" is not a model in models (known models: "gpt", "claude")');
    expect(failure({ models, suites: [{ prompt: 'a', models: ['gpt', 'claud'] }] }).message).toBe(
      'eval.config.ts: suites[0].models[1] "claud" is not a model in models (did you mean "claude"? known models: "gpt", "claude")',
    );
    expect(failure({ defaultModel: 'gpt' }).message).toBe('eval.config.ts: defaultModel "gpt" is not a model in models (no models are configured)');
    // `toString` is on every object's prototype, not a configured model.
    expect(failure({ models, judge: 'toString' }).code).toBe('MODEL_UNKNOWN');
  });

  it('rejects two suites with the same name', () => {
    const error = failure({ suites: [{ prompt: 'greet' }, { prompt: 'prompts/greet.prompt' }] });
    expect(error.message).toBe('eval.config.ts: suites[1] has the same name as suites[0] ("greet")');
    expect(error.hint).toBe('give each suite a distinct name');
    expect(() => validateUserConfig({ suites: [{ prompt: 'greet' }, { prompt: 'greet', name: 'greet-long' }] }, 'eval.config.ts', '')).not.toThrow();
  });

  it('adds the line of the key when it can be found in the source', () => {
    const source = [
      "import { defineConfig } from 'promptgate';",
      'export default defineConfig({',
      '  concurrency: 4,',
      '  models: {',
      "    gpt: { provider: 'openai', model: 'x',",
      "      concurrency: 'eight' },",
      '  },',
      "  defaultModel: 'gtp',",
      '});',
    ].join('\n');
    const bad = failure({ concurrency: 4, models: { gpt: { ...gpt, concurrency: 'eight' } } }, source);
    expect(bad.message).toBe('eval.config.ts:6: models.gpt.concurrency must be an integer ≥ 1 (got "eight")');
    expect(bad.location).toEqual({ file: 'eval.config.ts', line: 6 });
    expect(bad.format()).toBe(bad.message);
    expect(failure({ models: { gpt }, defaultModel: 'gtp' }, source).message).toMatch(/^eval\.config\.ts:8: defaultModel "gtp"/);
    // A key that is not in the text (computed, spread) gets no line rather than a wrong one.
    expect(failure({ judge: 'nope', models: { gpt } }, source).message).toMatch(/^eval\.config\.ts: judge/);
  });
});
