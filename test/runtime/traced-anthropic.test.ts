import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPrompts, traced, type PromptRegistry } from '../../src/index.js';
import type { CallRecord } from '../../src/run-record/types.js';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import { makeProject } from '../helpers/cli.js';
import type { MockServer, Reply } from '../helpers/mock-server.js';
import { summarizeSource } from './fixtures.js';

const KEY = 'sk-ant-test-RUNTIME-7777';
let server: MockServer;
let next: () => Reply;
let prompts: PromptRegistry;

beforeAll(async () => {
  server = await startAnthropicServer({ respond: () => next() });
  const project = await makeProject({ 'prompts/summarize.prompt': summarizeSource('2.0.1', 'maxOutputTokens: 200\n  topK: 5') });
  prompts = await loadPrompts({ dir: join(project, 'prompts') });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  next = () => ({ content: 'Brief.', usage: { inputTokens: 30, outputTokens: 2 } });
});

const client = () => new Anthropic({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });

describe('traced(anthropic client)', () => {
  it('sends system apart, logs the prompt identity and reported model, and returns the SDK message', async () => {
    const records: CallRecord[] = [];
    const summarize = prompts.get('summarize');
    const api = traced(client(), { sink: (record) => void records.push(record) });
    const message = await api.messages.create({ ...summarize.anthropic({ text: 'Long text here.' }), model: 'claude-3-5-haiku-latest' });

    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Brief.' });
    const body = server.requests[0].body;
    expect(body).toEqual({
      model: 'claude-3-5-haiku-latest',
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Summarize in one line: Long text here.' }],
      max_tokens: 200,
      top_k: 5,
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      promptId: 'summarize',
      promptVersion: '2.0.1',
      promptHash: summarize.hash,
      provider: 'anthropic',
      modelRequested: 'claude-3-5-haiku-latest',
      modelReported: 'claude-3-5-haiku-latest-20240101',
      output: 'Brief.',
      finishReason: 'end_turn',
      usage: { inputTokens: 30, outputTokens: 2 },
      params: { max_tokens: 200, top_k: 5 },
      vars: { text: 'Long text here.' },
      error: null,
    });
    expect(records[0].messages[0]).toEqual({ role: 'system', content: 'You are terse.' });
  });

  it('logs an error status with its code and rethrows; the API key is never logged', async () => {
    next = () => ({ fault: 'status', status: 429, retryAfter: '0' });
    const records: CallRecord[] = [];
    const api = traced(client(), { sink: (record) => void records.push(record) });
    await expect(api.messages.create({ ...prompts.get('summarize').anthropic({ text: 'x' }), model: 'claude-3-5-haiku-latest' })).rejects.toBeInstanceOf(
      Anthropic.RateLimitError,
    );
    expect(records[0].error).toMatchObject({ code: 'rate_limited' });
    expect(records[0].promptVersion).toBe('2.0.1');
    expect(JSON.stringify(records[0])).not.toContain(KEY);
  });
});
