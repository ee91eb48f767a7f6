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

  it('imports pg only when a postgres:// store is used, not for the runtime entry, a file store or loadPrompts({ store: file })', async () => {
    imported.length = 0;
    const { loadPrompts } = await import('../../src/index.js');
    const { openStore } = await import('../../src/registry/open-store.js');
    const { makeProject } = await import('../helpers/cli.js');
    const { closedPort } = await import('../helpers/static-server.js');
    const project = await makeProject({ 'prompts/x.prompt': '---\nversion: 1.0.0\n---\nHi\n' });
    const file = await openStore('file:./registry', { rootDir: project });
    await file.close();
    const error = await loadPrompts({ store: 'file:./registry', rootDir: project }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_UNREACHABLE' }); // nothing published there yet
    expect(imported).toEqual([]);
    const down = await loadPrompts({ store: `postgres://app@127.0.0.1:${await closedPort()}/prompts` }).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'STORE_UNREACHABLE' });
    expect(imported).toEqual(['pg']);
  });
});
