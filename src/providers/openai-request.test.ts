import { describe, expect, it } from 'vitest';
import { buildChatBody } from './openai-request.js';

describe('buildChatBody (also the params of prompt.openai())', () => {
  it('sends a tool choice only with tools (the API rejects it alone)', () => {
    const body = buildChatBody({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], params: {}, toolChoice: 'required' }, '');
    expect(Object.keys(body).sort()).toEqual(['messages', 'model', 'stream']);
  });
});
