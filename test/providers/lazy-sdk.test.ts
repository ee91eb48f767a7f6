import { describe, expect, it, vi } from 'vitest';

// Counts imports of the SDK modules: the factories run when a module is first imported.
const imported = vi.hoisted(() => [] as string[]);
vi.mock('openai', async (importOriginal) => {
  imported.push('openai');
  return importOriginal();
});
vi.mock('@anthropic-ai/sdk', async (importOriginal) => {
  imported.push('@anthropic-ai/sdk');
  return importOriginal();
});
vi.mock('pg', async (importOriginal) => {
  imported.push('pg');
  return importOriginal();
});
vi.mock('proper-lockfile', async (importOriginal) => {
  imported.push('proper-lockfile');
  return importOriginal();
});

describe('SDK loading', () => {
  it('imports no SDK when the providers module loads or a provider is created, only on the first call', async () => {
    const { createProvider } = await import('../../src/providers/index.js');
    const { startOpenAIServer } = await import('../helpers/openai-server.js');
    const context = { fixturesDir: '/nonexistent', env: { OPENAI_API_KEY: 'sk-lazy-test-key' } };
    const server = await startOpenAIServer();
    try {
      const openai = createProvider('o', { provider: 'openai', model: 'gpt-4o-mini', baseURL: server.url }, context);
      createProvider('a', { provider: 'anthropic', model: 'claude-3-5-haiku-latest' }, context);
      expect(imported).toEqual([]);
      const result = await openai.call({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], params: {} }, new AbortController().signal);
      expect(result).toMatchObject({ ok: true, output: 'echo: hi' });
      expect(imported).toEqual(['openai']);
    } finally {
      await server.close();
    }
  });
});

describe('registry store loading', () => {
  it('imports pg only when a postgres store is first used, and proper-lockfile only when a file store is written', async () => {
    imported.length = 0;
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { openStore } = await import('../../src/registry/open-store.js');
    const { PromptgateError } = await import('../../src/errors.js');
    const { closedPort } = await import('../helpers/static-server.js');
    const rootDir = mkdtempSync(join(tmpdir(), 'lazy-'));
    const file = await openStore('file:./registry', { rootDir });
    await expect(file.labels()).rejects.toBeInstanceOf(PromptgateError);
    const postgres = await openStore(`postgres://app@127.0.0.1:${await closedPort()}/registry`, { rootDir });
    expect(imported).toEqual([]);
    await expect(file.moveLabel({ id: 'greet', label: 'production', to: { version: '1.0.0' }, by: 'me' })).rejects.toMatchObject({ code: 'STORE_UNREACHABLE' });
    expect(imported).toEqual([]);
    const source = '---\nversion: 1.0.0\n---\nHi {{name}}\n';
    const { parsePromptSource } = await import('../../src/prompts/parse.js');
    const hash = parsePromptSource(source, 'greet.prompt').hash;
    await file.putVersion({ id: 'greet', version: '1.0.0', hash, path: 'greet.prompt', source, commit: null, dirty: false, publishedAt: '', publishedBy: 'me', receipt: null });
    expect(imported).toEqual(['proper-lockfile']);
    await expect(postgres.labels()).rejects.toMatchObject({ code: 'STORE_UNREACHABLE' });
    expect(imported).toEqual(['proper-lockfile', 'pg']);
    await postgres.close();
  });
});
