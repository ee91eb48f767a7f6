import { describe, expect, it } from 'vitest';
import type { Message } from '../prompts/types.js';
import { conversationSpanOf, withSystemFirst } from './conversation.js';

const sys = (content: string): Message => ({ role: 'system', content });
const user = (content: string): Message => ({ role: 'user', content });
const assistant = (content: string): Message => ({ role: 'assistant', content });

describe('conversationSpanOf', () => {
  const template = [sys('Be kind.'), user('Q?')];

  it('is undefined for exactly the template, a span for turns inserted, null otherwise', () => {
    expect(conversationSpanOf(template, template)).toBeUndefined();
    expect(conversationSpanOf([sys('Be kind.'), user('hi'), assistant('hello'), user('Q?')], template)).toEqual({ start: 1, count: 2 });
    expect(conversationSpanOf([user('Q?'), sys('Be kind.')], template)).toBeNull();
    expect(conversationSpanOf([sys('Be kind.'), user('Q changed')], template)).toBeNull();
    expect(conversationSpanOf([user('Q?')], template)).toBeNull();
    expect(conversationSpanOf([sys('Be kind.'), user('a'), user('Q!')], template)).toBeNull();
  });

  it('prefers the place the runner puts a case conversation when several places explain the messages', () => {
    // The inserted turn equals the template's user turn: index 1 and 2 both explain it.
    expect(conversationSpanOf([sys('Be kind.'), user('Q?'), user('Q?')], template)).toEqual({ start: 1, count: 1 });
    // Turns after the whole template (a tool loop's later step) are found there.
    const step = [sys('Be kind.'), user('Q?'), { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 't', rawArguments: '{}', arguments: {} }] }, { role: 'tool', content: 'r', toolCallId: 'c' }] as Message[];
    expect(conversationSpanOf(step, template)).toEqual({ start: 2, count: 2 });
  });

  it('never takes a sent turn with tool calls for a template turn', () => {
    const withCalls: Message = { role: 'user', content: 'Q?', toolCallId: 'x' };
    expect(conversationSpanOf([sys('Be kind.'), withCalls], template)).toBeNull();
  });

  it('withSystemFirst joins the system messages first, as the Messages API body carries them', () => {
    expect(withSystemFirst([sys('a'), user('u'), sys('b')])).toEqual([sys('a\n\nb'), user('u')]);
    expect(withSystemFirst([user('u')])).toEqual([user('u')]);
  });
});
