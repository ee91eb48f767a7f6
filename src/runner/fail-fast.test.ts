import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../config/types.js';
import type { ProviderResult } from '../providers/types.js';
import { createFailFast, describeEntry, type ModelStop } from './fail-fast.js';

const models: Record<string, ModelConfig> = {
  prod: { provider: 'openai', model: 'gpt-4o-mini' },
  local: { provider: 'openai', model: 'llama3', baseURL: 'http://user:secret@127.0.0.1:9/v1' },
  claude: { provider: 'anthropic', model: 'claude-haiku-4-5', baseURL: 'http://127.0.0.1:8/', apiKeyEnv: 'TEAM_KEY' },
};

const failure = (code: string, extra: Record<string, unknown> = {}): ProviderResult =>
  ({ ok: false, error: { code, message: `${code} message`, retryable: false, ...extra } }) as ProviderResult;
const auth401 = failure('auth', { status: 401 });

describe('fail fast', () => {
  it('stops an entry on its third identical every-call error, tells once, and only that entry', () => {
    const stops: ModelStop[] = [];
    const guard = createFailFast(models, (stop) => stops.push(stop));
    guard.observe('prod', auth401);
    guard.observe('prod', auth401);
    expect(guard.stopped('prod')).toBeUndefined();
    guard.observe('prod', auth401);
    guard.observe('prod', auth401);
    expect(stops).toEqual([
      {
        model: 'prod',
        message: "model entry 'prod' (openai gpt-4o-mini): 401 on its first 3 attempts (server said: \"auth message\"): check the key in OPENAI_API_KEY (the default; apiKeyEnv names another variable). Its other calls are not sent.",
      },
    ]);
    expect(guard.stopped('prod')).toEqual({ ok: false, error: { code: 'model_stopped', message: `not sent: ${stops[0].message}`, retryable: false } });
    expect(guard.stopped('local')).toBeUndefined();
  });

  it('never stops an entry that had a success, nor on errors a retry or another case can fix', () => {
    const stops: ModelStop[] = [];
    const guard = createFailFast(models, (stop) => stops.push(stop));
    guard.observe('prod', { ok: true, output: 'fine' });
    for (let i = 0; i < 5; i++) guard.observe('prod', auth401);
    for (let i = 0; i < 5; i++) {
      guard.observe('local', failure('server_error', { status: 500 }));
      guard.observe('local', failure('client_error', { status: 400 }));
      guard.observe('local', failure('connection', { netCode: 'ECONNRESET' }));
      guard.observe('local', failure('rate_limited', { status: 429 }));
    }
    expect(stops).toEqual([]);
  });

  it('counts identical errors only: 401, 404, refused, missing key are told apart', () => {
    const stops: ModelStop[] = [];
    const guard = createFailFast(models, (stop) => stops.push(stop));
    guard.observe('local', failure('connection', { netCode: 'ECONNREFUSED' }));
    guard.observe('local', failure('client_error', { status: 404 }));
    guard.observe('local', auth401);
    guard.observe('local', failure('connection', { netCode: 'ECONNREFUSED' }));
    expect(stops).toEqual([]);
    guard.observe('local', failure('connection', { netCode: 'ECONNREFUSED' }));
    expect(stops.map((s) => s.message)).toEqual([
      "model entry 'local' (openai llama3 at http://127.0.0.1:9/v1): connection refused on its first 3 attempts -- is the server running? (baseURL). Its other calls are not sent.",
    ]);
  });

  it('names the fix: a key variable, no key sent to a custom baseURL, an unset variable, a model id', () => {
    const stops: ModelStop[] = [];
    const guard = createFailFast(models, (stop) => stops.push(stop));
    for (let i = 0; i < 3; i++) {
      guard.observe('local', failure('auth', { status: 403 }));
      guard.observe('claude', failure('client_error', { status: 404 }));
      guard.observe('prod', { ok: false, error: { code: 'auth', message: 'OPENAI_API_KEY is not set', retryable: false } });
    }
    const [local, claude, prod] = stops.map((s) => s.message);
    expect(local).toContain("403 on its first 3 attempts (server said: \"auth message\"): this entry sends no API key (a custom baseURL without apiKeyEnv): set apiKeyEnv to the variable that holds the server's key");
    expect(claude).toContain('(anthropic claude-haiku-4-5 at http://127.0.0.1:8/): 404 on its first 3 attempts');
    expect(claude).toContain('does the server know the model id "claude-haiku-4-5" (model)');
    expect(prod).toContain('OPENAI_API_KEY is not set on its first 3 attempts -- export it, or name the variable that holds the key with apiKeyEnv');
  });

  it('describes an entry without the user and password of its URL', () => {
    expect(describeEntry(models.local)).toBe('openai llama3 at http://127.0.0.1:9/v1');
    expect(describeEntry({ provider: () => 'x', model: 'mine' })).toBe('custom provider mine');
  });
});
