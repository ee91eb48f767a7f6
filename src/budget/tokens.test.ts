import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k, encodeChat } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { loadPromptFile } from '../prompts/load.js';
import { renderPrompt } from '../prompts/render.js';
import { approxCounter, countMessages, encodingOf, loadCounter } from './tokens.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('token counts', () => {
  it('counts a known string as the model family\'s tokenizer does', async () => {
    const gpt4o = await loadCounter(encodingOf('openai', 'gpt-4o-mini-2024-07-18'));
    const gpt4 = await loadCounter(encodingOf('openai', 'gpt-4-0613'));
    expect(gpt4o.kind).toBe('tiktoken');
    // "Hello, world!" is 4 tokens in both encodings; the longer text differs between them.
    expect(gpt4o.text('Hello, world!')).toBe(4);
    const text = 'Extract the sender’s contact details: Dr. Zoë Ångström <zoe@example.org>, +46 8 123 45 67.';
    expect(gpt4o.text(text)).toBe(o200k(text));
    expect(gpt4.text(text)).toBe(cl100k(text));
    expect(gpt4o.text(text)).not.toBe(gpt4.text(text));
    // A special-token string in case data is plain text (the API reads it so), never an error.
    expect(gpt4o.text('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('counts the rendered messages of a real prompt as tiktoken counts the chat request', async () => {
    const prompt = await loadPromptFile(join(ROOT, 'prompts', 'classify-sentiment.prompt'), ROOT);
    const messages = renderPrompt(prompt, { product: 'kettle', review: 'Fast, quiet, and the handle stays cool. Great buy!' }, { file: 'evals/x.csv', line: 2 });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    const counter = await loadCounter('o200k_base');
    const chat = encodeChat(messages.map((m) => ({ role: m.role as 'system' | 'user', content: m.content })), 'gpt-4o').length;
    expect(countMessages(counter, messages)).toBe(chat);
  });

  it('knows which models have a tokenizer: OpenAI model families on the openai provider only', () => {
    expect(encodingOf('openai', 'gpt-4o')).toBe('o200k_base');
    expect(encodingOf('openai', 'openai/gpt-5-mini')).toBe('o200k_base');
    expect(encodingOf('openai', 'o3-mini')).toBe('o200k_base');
    expect(encodingOf('openai', 'gpt-3.5-turbo')).toBe('cl100k_base');
    expect(encodingOf('openai', 'llama3.1:8b')).toBeUndefined();
    expect(encodingOf('openai', 'o1x')).toBeUndefined();
    expect(encodingOf('anthropic', 'claude-sonnet-4-5')).toBeUndefined();
    expect(encodingOf('replay', 'gpt-4o-mini')).toBeUndefined();
  });

  it('approximates other models as characters / 4, rounded up, with no per-message framing', () => {
    const messages = [{ role: 'system' as const, content: 'abcde' }, { role: 'user' as const, content: 'fghij' }];
    expect(countMessages(approxCounter, messages)).toBe(3);
    expect(countMessages(approxCounter, messages, '12')).toBe(3);
    expect(countMessages(approxCounter, messages, '123')).toBe(4);
  });
});
