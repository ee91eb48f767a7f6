import { describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { findSecretParam, urlHasCredentials } from './secrets.js';
import { validateUserConfig } from './validate.js';

const KEY = 'sk-proj-0123456789abcdefABCDEF';

describe('credentials in a config', () => {
  it('finds credential-like param names and key-shaped values, with their path', () => {
    expect(findSecretParam({ temperature: 0, api_key: 'x' }, ['params'])).toEqual(['params', 'api_key']);
    expect(findSecretParam({ headers: { Authorization: 'Bearer abc' } })).toEqual(['headers', 'Authorization']);
    expect(findSecretParam({ 'x-api-key': 'abc' })).toEqual(['x-api-key']);
    expect(findSecretParam({ stop: ['\n', `prefix ${KEY}`] })).toEqual(['stop', 1]);
    expect(findSecretParam({ temperature: 0, max_tokens: 10, stop: ['sk-short'], user: 'sketch-artist' })).toBeUndefined();
    expect(findSecretParam({ apiKey: '' })).toBeUndefined();
    expect(findSecretParam(undefined)).toBeUndefined();
  });

  it('finds credentials in URLs', () => {
    expect(urlHasCredentials('http://user:pass@127.0.0.1:8080/v1')).toBe(true);
    expect(urlHasCredentials(`https://${KEY}@api.example.com/v1`)).toBe(true);
    expect(urlHasCredentials('https://api.example.com/v1?api-key=abc')).toBe(true);
    expect(urlHasCredentials('https://api.example.com/v1?key=abc')).toBe(true);
    expect(urlHasCredentials(`https://api.example.com/${KEY}/v1`)).toBe(true);
    expect(urlHasCredentials('http://127.0.0.1:11434/v1')).toBe(false);
    expect(urlHasCredentials('https://api.example.com/v1?deployment=gpt')).toBe(false);
  });

  it('validateUserConfig refuses them, naming the key and never printing the value', () => {
    const refuse = (config: unknown) => {
      try {
        validateUserConfig(config, 'eval.config.ts', 'export default {}');
      } catch (error) {
        expect(error).toBeInstanceOf(PromptgateError);
        const message = (error as PromptgateError).format();
        expect(message).not.toContain(KEY);
        expect(message).not.toContain('hunter2');
        return message;
      }
      throw new Error('expected a refusal');
    };
    expect(refuse({ models: { m: { provider: 'openai', model: 'x', baseURL: `http://me:hunter2@127.0.0.1/v1` } } })).toContain('models.m.baseURL holds a credential');
    expect(refuse({ models: { m: { provider: 'openai', model: 'x', params: { apiKey: KEY } } } })).toContain('models.m.params.apiKey looks like a credential');
    expect(refuse({ models: { m: { provider: 'openai', model: 'x', params: { seed: KEY } } } })).toContain('models.m.params.seed looks like a credential');
    expect(() => validateUserConfig({ models: { m: { provider: 'openai', model: 'x', baseURL: 'http://127.0.0.1/v1', params: { temperature: 0 } } } }, 'c.ts', '')).not.toThrow();
  });
});
