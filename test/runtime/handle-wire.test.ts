import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePromptSource } from '../../src/prompts/parse.js';
import type { PromptFile } from '../../src/prompts/types.js';
import { createProvider } from '../../src/providers/registry.js';
import { createPromptHandle } from '../../src/runtime/handle.js';
import { requestExtrasOf } from '../../src/tools/request.js';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import type { MockServer } from '../helpers/mock-server.js';
import { startOpenAIServer } from '../helpers/openai-server.js';

/**
 * `prompt.openai(vars)` / `.anthropic(vars)` are made by the runner's own request builders: what an
 * app sends through the SDK is, at the server, what an eval of the same prompt sends (but `stream`,
 * which the runner sets and the app's call leaves to the SDK).
 */

const SCHEMA = { type: 'object', properties: { tier: { type: 'string' } }, required: ['tier'], additionalProperties: false };
const SOURCE = `---\nversion: 1.0.0\nconfig:\n  temperature: 0\n  maxOutputTokens: 200\noutput:\n  format: json\n  schema: ${JSON.stringify(SCHEMA)}\n---\n{{role "system"}}\nTriage for {{shop}}.\n{{role "user"}}\n{{question}}\n`;
const VARS = { shop: 'Acme', question: 'Where is order A-17?' };

function prompt(): PromptFile {
  const parsed = parsePromptSource(SOURCE, 'prompts/triage.prompt');
  parsed.tools = [
    { name: 'lookup_order', description: 'Find an order', inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false } },
    { name: 'triage', inputSchema: { type: 'object' } },
  ];
  parsed.toolChoice = 'auto';
  return parsed;
}

let openaiServer: MockServer;
let anthropicServer: MockServer;
beforeAll(async () => {
  openaiServer = await startOpenAIServer({ respond: () => ({ content: '{"tier":"pro"}' }) });
  anthropicServer = await startAnthropicServer({ respond: () => ({ content: 'ok' }) });
});
afterAll(async () => {
  await openaiServer.close();
  await anthropicServer.close();
});

describe('the prompt handle sends what the runner sends', () => {
  it.each(['openai', 'anthropic'] as const)('%s: tools, tool choice, structured output, params and messages', async (api) => {
    const server = api === 'openai' ? openaiServer : anthropicServer;
    server.reset();
    const file = prompt();
    const handle = createPromptHandle('triage', () => file);
    const provider = createProvider('m', { provider: api, model: 'model-x', baseURL: server.url }, { fixturesDir: '/nonexistent', env: {} });
    const evalResult = await provider.call({ model: 'model-x', messages: handle.render(VARS), params: file.config, ...requestExtrasOf(file) }, new AbortController().signal);
    expect(evalResult.ok, JSON.stringify(evalResult)).toBe(true);
    if (api === 'openai') {
      await new OpenAI({ apiKey: 'sk-x', baseURL: server.url, maxRetries: 0 }).chat.completions.create({ ...handle.openai(VARS), model: 'model-x' });
    } else {
      await new Anthropic({ apiKey: 'sk-ant-x', baseURL: server.url, maxRetries: 0 }).messages.create({ ...handle.anthropic(VARS), model: 'model-x' });
    }
    const [fromEval, fromApp] = server.requests.map((request) => request.body);
    const { stream, ...evalBody } = fromEval;
    expect(stream).toBe(false);
    expect(fromApp).toEqual(evalBody);
    // The request carries every kind of wire rule: tools, a choice, structured output, translated params.
    expect(Object.keys(fromApp).sort()).toEqual(
      api === 'openai'
        ? ['max_tokens', 'messages', 'model', 'response_format', 'temperature', 'tool_choice', 'tools']
        : ['max_tokens', 'messages', 'model', 'system', 'temperature', 'tool_choice', 'tools'],
    );
  });
});
