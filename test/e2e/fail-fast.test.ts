import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readCalls, readRun, runFolders } from '../helpers/runs.js';

/**
 * Errors that hit every call (401, an unknown model's 404, a refused connection) stop their model
 * entry after a few identical errors, with one message naming the entry and the fix, instead of
 * one error per case after seconds of retries. A healthy entry in the same run still passes, and
 * every case of a stopped entry is accounted for (errored `model_stopped`, counted by cause).
 */

const CASES = 25;
const CONCURRENCY = 4;
/** The most requests a stopped entry can have sent: the 3 that stopped it, plus those already in flight. */
const MOST_SENT = 3 + CONCURRENCY - 1;

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('fail fast on errors that hit every call', () => {
  let unauthorized: MockServer;
  let unknownModel: MockServer;
  let healthy: MockServer;
  let refusedURL: string;

  beforeAll(async () => {
    unauthorized = await startOpenAIServer({
      respond: () => ({ fault: 'status', status: 401, body: { error: { message: 'Incorrect API key provided: sk-wro*****', type: 'invalid_request_error', code: 'invalid_api_key' } } }),
    });
    unknownModel = await startOpenAIServer({
      respond: (request) => ({ fault: 'status', status: 404, body: { error: { message: `The model \`${request.model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', code: 'model_not_found' } } }),
    });
    healthy = await startOpenAIServer({ respond: () => ({ content: 'ok' }) });
    refusedURL = `http://127.0.0.1:${await closedPort()}/v1`;
  });
  afterAll(async () => {
    await Promise.all([unauthorized.close(), unknownModel.close(), healthy.close()]);
  });

  it('stops each broken entry after 3 identical errors with one message; the healthy entry passes; exit 3', async () => {
    const dir = await makeProject({
      'eval.config.mjs': `export default {
  models: {
    prod: { provider: 'openai', model: 'gpt-4o-mini', baseURL: '${unauthorized.url}', apiKeyEnv: 'FAIL_FAST_KEY' },
    typo: { provider: 'openai', model: 'gpt-4o-mimi', baseURL: '${unknownModel.url}', apiKeyEnv: 'FAIL_FAST_KEY' },
    down: { provider: 'openai', model: 'llama3', baseURL: '${refusedURL}' },
    fine: { provider: 'openai', model: 'fine-model', baseURL: '${healthy.url}' },
  },
  suites: [{ prompt: 'ask', models: ['prod', 'typo', 'down', 'fine'] }],
  concurrency: ${CONCURRENCY},
  reporters: ['console', 'json'],
};
`,
      'prompts/ask.prompt': '---\nversion: 1.0.0\n---\nSay ok to {{n}}.\n',
      'evals/ask.csv': ['n,__expected', ...Array.from({ length: CASES }, (_, i) => `${i + 1},contains:ok`)].join('\n'),
    });
    const result = await runCliInProcess(['run'], { cwd: dir, env: { FAIL_FAST_KEY: 'sk-fail-fast-test-0123456789' } });
    expect(result.code, result.stderr).toBe(3);

    // Few requests reached the broken servers; the healthy one answered every case.
    expect(unauthorized.count).toBeGreaterThanOrEqual(3);
    expect(unauthorized.count).toBeLessThanOrEqual(MOST_SENT);
    expect(unknownModel.count).toBeGreaterThanOrEqual(3);
    expect(unknownModel.count).toBeLessThanOrEqual(MOST_SENT);
    expect(healthy.count).toBe(CASES);

    // ONE message per stopped entry, naming the entry, where it points, and the fix.
    const lines = result.stderr.split('\n');
    const about = (entry: string) => lines.filter((line) => line.includes(`model entry '${entry}'`));
    expect(about('prod')).toEqual([
      "promptgate: model entry 'prod' (openai gpt-4o-mini at " + unauthorized.url + '): 401 on its first 3 attempts (server said: "OpenAI API 401: Incorrect API key provided: sk-wro*****"): check the key in FAIL_FAST_KEY (apiKeyEnv). Its other calls are not sent.',
    ]);
    expect(about('typo')).toHaveLength(1);
    expect(about('typo')[0]).toContain(`model entry 'typo' (openai gpt-4o-mimi at ${unknownModel.url}): 404 on its first 3 attempts`);
    expect(about('typo')[0]).toContain('does the server know the model id "gpt-4o-mimi" (model)');
    expect(about('down')).toEqual([
      `promptgate: model entry 'down' (openai llama3 at ${refusedURL}): connection refused on its first 3 attempts -- is the server running? (baseURL). Its other calls are not sent.`,
    ]);
    expect(about('fine')).toEqual([]);

    const runDir = (await runFolders(dir))[0];
    const run = await readRun(runDir);
    // No case dropped: every case of every entry has a result; the broken ones are errored.
    expect(run.totals.cases).toBe(4 * CASES);
    const status = (model: string) => run.cases.filter((c) => c.model === model).map((c) => c.status);
    expect(status('fine')).toEqual(Array(CASES).fill('pass'));
    for (const model of ['prod', 'typo', 'down']) expect(status(model)).toEqual(Array(CASES).fill('error'));

    // Totals by cause: the few real errors, and the rest not sent.
    const calls = await readCalls(runDir);
    const codes = (model: string) => calls.filter((c) => c.model === model).map((c) => c.error?.code);
    const sentAttempts = (model: string) => calls.filter((c) => c.model === model).reduce((sum, c) => sum + c.attempts, 0);
    expect(new Set(codes('prod'))).toEqual(new Set(['auth', 'model_stopped']));
    expect(new Set(codes('typo'))).toEqual(new Set(['client_error', 'model_stopped']));
    expect(new Set(codes('down'))).toEqual(new Set(['connection', 'model_stopped']));
    expect(sentAttempts('down')).toBeLessThanOrEqual(MOST_SENT);
    const stopped = calls.filter((c) => c.error?.code === 'model_stopped');
    expect(stopped.length).toBeGreaterThanOrEqual(3 * (CASES - MOST_SENT));
    expect(stopped.every((c) => c.attempts === 0)).toBe(true);
    expect(calls.find((c) => c.model === 'down' && c.error?.code === 'model_stopped')!.error.message).toContain('not sent: model entry \'down\'');
    expect(run.totals.errorsByCode.model_stopped).toBe(stopped.length);
    expect(result.stdout).toMatch(/model_stopped ×\d+/);
  });

  it('check warns (exit code unchanged) when a used model reads its key from an unset variable', async () => {
    const dir = await makeProject({
      'eval.config.mjs': `export default {
  models: {
    official: { provider: 'openai', model: 'gpt-4o-mini' },
    team: { provider: 'anthropic', model: 'claude-haiku-4-5', baseURL: 'http://127.0.0.1:9', apiKeyEnv: 'PG_TEST_UNSET_TEAM_KEY' },
    local: { provider: 'openai', model: 'llama3', baseURL: 'http://127.0.0.1:9/v1' },
    unused: { provider: 'anthropic', model: 'claude-haiku-4-5' },
  },
  suites: [{ prompt: 'ask', models: ['official', 'team', 'local'] }],
};
`,
      'prompts/ask.prompt': '---\nversion: 1.0.0\n---\nSay ok to {{n}}.\n',
      'evals/ask.csv': 'n,__expected\n1,contains:ok\n',
    });
    const result = await runCliInProcess(['check'], { cwd: dir, env: { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', PG_TEST_UNSET_TEAM_KEY: '' } });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('promptgate: warning:'));
    expect(warnings).toEqual([
      "promptgate: warning: model entry 'official' (openai gpt-4o-mini) reads its API key from OPENAI_API_KEY, which is not set: its calls will fail with an auth error (export OPENAI_API_KEY, or name another variable with apiKeyEnv)",
      "promptgate: warning: model entry 'team' (anthropic claude-haiku-4-5 at http://127.0.0.1:9) reads its API key from PG_TEST_UNSET_TEAM_KEY, which is not set: no key will be sent to its server (export PG_TEST_UNSET_TEAM_KEY, or name another variable with apiKeyEnv)",
    ]);
  });
});
