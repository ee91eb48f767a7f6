import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPrompts, PROMPT_IDENTITY, traced, type PromptRegistry } from '../../src/index.js';
import type { CallRecord } from '../../src/run-record/types.js';
import { makeProject } from '../helpers/cli.js';
import { startOpenAIServer, type MockServer, type Reply } from '../helpers/openai-server.js';
import { readRecords, summarizeSource } from './fixtures.js';

const KEY = 'sk-test-RUNTIME-secret-4242';
let server: MockServer;
let next: () => Reply;
let project: string;
let prompts: PromptRegistry;

beforeAll(async () => {
  server = await startOpenAIServer({ respond: () => next() });
  project = await makeProject({ 'prompts/summarize.prompt': summarizeSource('1.2.0') });
  prompts = await loadPrompts({ dir: join(project, 'prompts') });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  next = () => ({ content: 'A short summary.', usage: { inputTokens: 21, outputTokens: 4 } });
});

const client = () => new OpenAI({ apiKey: KEY, baseURL: server.url, maxRetries: 0 });

describe('traced(openai client)', () => {
  it('logs prompt id, version, hash, requested and reported model, vars, tokens; returns the SDK response', async () => {
    const records: CallRecord[] = [];
    const summarize = prompts.get('summarize');
    const api = traced(client(), { sink: (record) => void records.push(record) });
    const res = await api.chat.completions.create({ ...summarize.openai({ text: 'The cat sat on the mat.' }), model: 'gpt-4o-mini' });

    expect(res.choices[0].message.content).toBe('A short summary.');
    expect(res.model).toBe('gpt-4o-mini-2024-01-01');
    expect(records).toHaveLength(1);
    const [record] = records;
    expect(record).toMatchObject({
      purpose: 'production',
      suite: 'summarize',
      promptId: 'summarize',
      promptVersion: '1.2.0',
      promptHash: summarize.hash,
      provider: 'openai',
      modelRequested: 'gpt-4o-mini',
      modelReported: 'gpt-4o-mini-2024-01-01',
      vars: { text: 'The cat sat on the mat.' },
      output: 'A short summary.',
      finishReason: 'stop',
      usage: { inputTokens: 21, outputTokens: 4 },
      params: { temperature: 0.2, max_tokens: 64 },
      error: null,
      repeat: 0,
      side: 'candidate',
    });
    expect(record.promptHash).toMatch(/^[0-9a-f]{12}$/);
    expect(record.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Summarize in one line: The cat sat on the mat.' },
    ]);
    expect(record.latencyMs).toBeGreaterThanOrEqual(0);
    expect(record.caseId).toMatch(/^[0-9a-f]{12}$/);
    expect(Date.parse(record.startedAt)).not.toBeNaN();
    expect(JSON.stringify(record)).not.toContain(KEY);
  });

  it('never sends the identity to the server, wrapped or not', async () => {
    const params = { ...prompts.get('summarize').openai({ text: 'x' }), model: 'gpt-4o-mini' };
    expect(params[PROMPT_IDENTITY]).toMatchObject({ id: 'summarize', version: '1.2.0' });
    await traced(client(), { sink: () => {} }).chat.completions.create(params);
    await client().chat.completions.create(params);
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(Object.keys(request.body).sort()).toEqual(['max_tokens', 'messages', 'model', 'temperature']);
      expect(JSON.stringify(request.body)).not.toContain('summarize');
    }
    // The caller's params object is left as it was.
    expect(params[PROMPT_IDENTITY]).toBeDefined();
  });

  it('appends JSON lines to a file sink before the call resolves', async () => {
    const file = join(project, 'logs', 'calls.jsonl');
    const api = traced(client(), { file, runId: 'prod-test' });
    await api.chat.completions.create({ ...prompts.get('summarize').openai({ text: 'one' }), model: 'gpt-4o-mini' });
    expect(await readRecords(file)).toHaveLength(1);
    await api.chat.completions.create({ ...prompts.get('summarize').openai({ text: 'two' }), model: 'gpt-4o-mini' });
    const records = await readRecords(file);
    expect(records.map((r) => r.vars.text)).toEqual(['one', 'two']);
    expect(records.every((r) => r.runId === 'prod-test' && r.promptVersion === '1.2.0')).toBe(true);
  });

  it('logs a 500 with its error and rethrows the SDK error unchanged', async () => {
    next = () => ({ fault: 'status', status: 500 });
    const records: CallRecord[] = [];
    const api = traced(client(), { sink: (record) => void records.push(record) });
    const error = await api.chat.completions
      .create({ ...prompts.get('summarize').openai({ text: 'boom' }), model: 'gpt-4o-mini' })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(500);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ promptId: 'summarize', promptVersion: '1.2.0', output: null, modelReported: null, usage: null });
    expect(records[0].error).toMatchObject({ code: 'server_error' });
    expect(records[0].error!.message).toContain('500');
    expect(JSON.stringify(records[0])).not.toContain(KEY);
  });

  it('redacts variables, and logs messages re-rendered from the redacted values', async () => {
    const records: CallRecord[] = [];
    const api = traced(client(), {
      sink: (record) => void records.push(record),
      redact: (vars, prompt) => ({ ...vars, text: `[redacted for ${prompt.id}]` }),
    });
    await api.chat.completions.create({ ...prompts.get('summarize').openai({ text: 'call me at 555-0199' }), model: 'gpt-4o-mini' });
    expect(server.requests[0].messages.at(-1)?.content).toContain('555-0199');
    const line = JSON.stringify(records[0]);
    expect(line).not.toContain('555-0199');
    expect(records[0].vars).toEqual({ text: '[redacted for summarize]' });
    expect(records[0].messages.at(-1)?.content).toBe('Summarize in one line: [redacted for summarize]');
  });

  it('a throwing redact logs no variables or messages, and the call still succeeds', async () => {
    const records: CallRecord[] = [];
    const problems: Error[] = [];
    const api = traced(client(), {
      sink: (record) => void records.push(record),
      redact: () => {
        throw new Error('redactor down');
      },
      onLogError: (error) => problems.push(error),
    });
    const res = await api.chat.completions.create({ ...prompts.get('summarize').openai({ text: 'secret stuff' }), model: 'gpt-4o-mini' });
    expect(res.choices[0].message.content).toBe('A short summary.');
    expect(records[0].vars).toEqual({});
    expect(records[0].messages).toEqual([]);
    expect(JSON.stringify(records[0])).not.toContain('secret stuff');
    expect(problems.map((p) => p.message)).toEqual(['redactor down']);
  });

  it('logs calls that carry no prompt, and a failing sink never breaks the call', async () => {
    const problems: Error[] = [];
    const api = traced(client(), { sink: () => Promise.reject(new Error('logger offline')), onLogError: (e) => problems.push(e) });
    const res = await api.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices[0].message.content).toBe('A short summary.');
    await new Promise((resolve) => setImmediate(resolve));
    expect(problems.map((p) => p.message)).toEqual(['logger offline']);

    const records: CallRecord[] = [];
    await traced(client(), { sink: (r) => void records.push(r) }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(records[0]).toMatchObject({ promptId: '', promptVersion: '', promptHash: '', messages: [{ role: 'user', content: 'hi' }] });
  });

  it('keeps the rest of the client working (other resources, withResponse, instanceof)', async () => {
    const raw = client();
    const api = traced(raw, { sink: () => {} });
    expect(api).toBeInstanceOf(OpenAI);
    expect(api.baseURL).toBe(raw.baseURL);
    const { data, response } = await api.chat.completions.create({ ...prompts.get('summarize').openai({ text: 'x' }), model: 'gpt-4o-mini' }).withResponse();
    expect(response.status).toBe(200);
    expect(data.model).toBe('gpt-4o-mini-2024-01-01');
    expect(api.chat.completions.create).toBe(api.chat.completions.create);
  });

  it('refuses options without a sink or file, and objects that are no SDK client', () => {
    expect(() => traced(client(), {} as never)).toThrow(/sink|file/);
    expect(() => traced({ foo: 1 }, { sink: () => {} })).toThrow(/logCall/);
  });
});
