import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { createProvider } from './registry.js';
import { replayFixturePath } from './replay-fixture.js';

const context = { fixturesDir: '/nonexistent-fixtures', env: {} };

describe('createProvider', () => {
  it('creates each kind with the config name and model id', () => {
    const openai = createProvider('fast', { provider: 'openai', model: 'gpt-4o-mini' }, context);
    expect([openai.name, openai.kind, openai.model]).toEqual(['fast', 'openai', 'gpt-4o-mini']);
    expect(createProvider('smart', { provider: 'anthropic', model: 'claude-sonnet-4-20250514' }, context).kind).toBe('anthropic');
    expect(createProvider('offline', { provider: 'replay', model: 'gpt-4o' }, context).kind).toBe('replay');
    expect(createProvider('mine', { provider: () => 'x', model: 'local' }, context).kind).toBe('custom');
  });

  it('throws MODEL_UNKNOWN for an unknown provider, naming the model and the config file', () => {
    let thrown: unknown;
    try {
      createProvider('weird', { provider: 'gemini' as never, model: 'g' }, { ...context, configFile: 'eval.config.ts' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PromptgateError);
    const error = thrown as PromptgateError;
    expect(error.code).toBe('MODEL_UNKNOWN');
    expect(error.format()).toContain('eval.config.ts: model "weird" has an unknown provider "gemini"');
  });

  it('attaches the price: the config override first, then the table', () => {
    expect(createProvider('a', { provider: 'openai', model: 'gpt-4o-mini-2024-07-18' }, context).price).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(createProvider('b', { provider: 'openai', model: 'gpt-4o', price: { input: 1, output: 3 } }, context).price).toEqual({ inputPerMTok: 1, outputPerMTok: 3 });
    expect(createProvider('c', { provider: 'openai', model: 'llama3' }, context).price).toBeUndefined();
  });

  it('with record, wraps real providers to write fixtures under the model name, but not replay', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pg-registry-'));
    try {
      const recorded = createProvider('mine', { provider: () => 'recorded answer', model: 'local' }, { fixturesDir: dir, record: true });
      const request = { model: 'local', messages: [{ role: 'user' as const, content: 'q' }], params: {} };
      expect(await recorded.call(request, new AbortController().signal)).toEqual({ ok: true, output: 'recorded answer' });
      expect(JSON.parse(await readFile(replayFixturePath(dir, 'mine'), 'utf8'))).toMatchObject({ output: 'recorded answer' });

      const replay = createProvider('mine', { provider: 'replay', model: 'local' }, { fixturesDir: dir, record: true });
      expect(await replay.call(request, new AbortController().signal)).toMatchObject({ ok: true, output: 'recorded answer' });
      const lines = (await readFile(replayFixturePath(dir, 'mine'), 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
