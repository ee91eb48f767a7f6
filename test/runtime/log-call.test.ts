import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrompts, logCall } from '../../src/index.js';
import type { CallRecord } from '../../src/run-record/types.js';
import { caseIdOf } from '../../src/cases/index.js';
import { makeProject } from '../helpers/cli.js';
import { readRecords, summarizeSource } from './fixtures.js';

async function summarize() {
  const dir = await makeProject({ 'prompts/summarize.prompt': summarizeSource('3.1.4') });
  return { dir, prompt: (await loadPrompts({ dir: join(dir, 'prompts') })).get('summarize') };
}

describe('logCall', () => {
  it('logs a call of any client with the identity carried by a render() result', async () => {
    const { prompt } = await summarize();
    const records: CallRecord[] = [];
    const messages = prompt.render({ text: 'hello world' });
    const record = logCall(
      { messages, provider: 'mistral', model: 'mistral-small', modelReported: 'mistral-small-2409', output: 'hi', usage: { inputTokens: 5, outputTokens: 1 }, latencyMs: 12.34 },
      { sink: (r) => void records.push(r) },
    );
    expect(records).toEqual([record]);
    expect(record).toMatchObject({
      purpose: 'production',
      promptId: 'summarize',
      promptVersion: '3.1.4',
      promptHash: prompt.hash,
      provider: 'mistral',
      modelRequested: 'mistral-small',
      modelReported: 'mistral-small-2409',
      vars: { text: 'hello world' },
      caseId: caseIdOf({ text: 'hello world' }),
      messages,
      output: 'hi',
      latencyMs: 12.3,
      error: null,
    });
  });

  it('takes the identity from SDK-shaped params or an explicit { id, version, hash }, and writes a file', async () => {
    const { dir, prompt } = await summarize();
    const file = join(dir, 'calls.jsonl');
    const params = prompt.anthropic({ text: 'abc' });
    logCall({ prompt: params, provider: 'bedrock', model: 'claude', output: 'x' }, { file });
    logCall({ prompt: { id: 'legacy', version: '0.0.1', hash: 'aaaaaaaaaaaa' }, vars: { q: 1 }, provider: 'p', model: 'm', output: 'y' }, { file });
    const records = await readRecords(file);
    expect(records[0]).toMatchObject({ promptId: 'summarize', promptVersion: '3.1.4', vars: { text: 'abc' } });
    expect(records[0].messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(records[1]).toMatchObject({ promptId: 'legacy', promptVersion: '0.0.1', promptHash: 'aaaaaaaaaaaa', vars: { q: 1 }, messages: [] });
  });

  it('records an error with a code, scrubs API keys from the environment, and never throws for a bad sink', async () => {
    const { prompt } = await summarize();
    const previous = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-env-secret-123456';
    try {
      const problems: Error[] = [];
      const options = { sink: () => { throw new Error('sink broke'); }, onLogError: (e: Error) => problems.push(e) };
      const error = Object.assign(new Error('401 bad key sk-env-secret-123456'), { status: 401 });
      const record = logCall({ messages: prompt.render({ text: 't' }), provider: 'x', model: 'm', error }, options);
      expect(record?.error).toEqual({ code: 'auth', message: '401 bad key ***' });
      expect(record?.output).toBeNull();
      expect(problems.map((p) => p.message)).toEqual(['sink broke']);
    } finally {
      if (previous === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = previous;
    }
  });

  it('applies redact to explicit variables', async () => {
    const records: CallRecord[] = [];
    logCall(
      { prompt: { id: 'p', version: '1.0.0', hash: 'bbbbbbbbbbbb' }, vars: { email: 'a@b.c', n: 2 }, provider: 'x', model: 'm', messages: [{ role: 'user', content: 'a@b.c' }] },
      { sink: (r) => void records.push(r), redact: ({ email: _email, ...rest }) => rest },
    );
    expect(records[0].vars).toEqual({ n: 2 });
    // Messages cannot be re-rendered without the prompt file: none are logged rather than raw ones.
    expect(records[0].messages).toEqual([]);
  });
});
