import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readCalls, runFolders } from '../helpers/runs.js';

/**
 * Where a key goes and what is left of it: an error message that quotes the key right at the
 * 500-character cut leaves no piece of it in any file, stdout or stderr (scrubbed before cut), nor
 * does a refusal (an answer) quoting it; a custom baseURL
 * without apiKeyEnv is sent no key even with OPENAI_API_KEY / ANTHROPIC_API_KEY set; with
 * apiKeyEnv it is sent that key.
 */

// No common prefix (such as `sk-`) that other text could contain: any 8 characters of it are its own.
const KEY = 'Zq7XkP2mW9vR4tL8nB3cY6hJ5dF1gS0aQe';
const OTHER_ANTHROPIC_KEY = 'Hn4Wq8Lz2Rt6Yb1Xc9Vm3Kp7Jd5Gf0Sa';
/** What promptgate puts before the API's message in the error message of a 400 (sdk-errors.ts). */
const ERROR_PREFIX = 'OpenAI API 400: ';
/** Where the recorded error message is cut. */
const CUT = 500;

async function allFiles(dir: string): Promise<Array<{ path: string; text: string }>> {
  if (!existsSync(dir)) return [];
  const out: Array<{ path: string; text: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push({ path: join(entry.parentPath, entry.name), text: (await readFile(join(entry.parentPath, entry.name))).toString('latin1') });
  }
  return out;
}

describe('API keys: scrubbed before any cut, and sent only where the config names them', () => {
  let openai: MockServer;
  let anthropic: MockServer;

  beforeAll(async () => {
    openai = await startOpenAIServer({
      respond: (request) => {
        const auth = String(request.headers.authorization ?? '');
        const key = auth.replace(/^Bearer /, '');
        const ask = JSON.stringify(request.messages);
        // The key ends at the cut (the old cut kept all of it but its last character), or just after it.
        for (const [marker, end] of [['refuse at cut', CUT], ['refuse past cut', CUT + 5], ['refuse before cut', CUT - 3]] as const) {
          if (ask.includes(marker) && key) {
            const padding = 'x'.repeat(end - ERROR_PREFIX.length - key.length);
            return { fault: 'status', status: 400, body: { error: { message: `${padding}${key} is the key you sent; I will not help.`, type: 'invalid_request_error' } } };
          }
        }
        if (ask.includes('refuse as an answer') && key) return { fault: 'refusal', message: `${key} is the key you sent; I will not help.` };
        return { content: `ok; your authorization header: [${auth}]` };
      },
    });
    anthropic = await startAnthropicServer({
      respond: (request) => ({ content: `ok; x-api-key [${String(request.headers['x-api-key'] ?? '')}] authorization [${String(request.headers.authorization ?? '')}]` }),
    });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });

  it('an error quoting the key at the 500-character cut, and a refusal quoting it, leave no piece of it anywhere', async () => {
    openai.reset();
    const dir = await makeProject({
      'eval.config.mjs': `export default {
  models: { keyed: { provider: 'openai', model: 'gpt-keyed', baseURL: '${openai.url}', apiKeyEnv: 'OPENAI_API_KEY', maxRetries: 0 } },
  defaultModel: 'keyed',
  reporters: ['console', 'json', 'junit', 'markdown', 'html', 'csv'],
};
`,
      'prompts/ask.prompt': '---\nversion: 1.0.0\n---\n{{ask}}\n',
      'evals/ask.csv': ['ask,__expected', 'refuse at cut,contains:ok', 'refuse past cut,contains:ok', 'refuse before cut,contains:ok', 'refuse as an answer,contains:ok'].join('\n'),
    });
    const result = await runCliInProcess(['run'], { cwd: dir, env: { OPENAI_API_KEY: KEY } });
    expect(result.code, result.stderr).toBe(3);
    // The server got the key and put it at the cut: the test can fail.
    expect(openai.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${KEY}`]);

    const [runDir] = await runFolders(dir);
    const runFiles = await allFiles(runDir);
    expect(runFiles.map((f) => f.path.slice(runDir.length + 1))).toEqual(expect.arrayContaining(['calls.jsonl', 'run.json', 'junit.xml', 'results.csv']));
    expect(runFiles.some((f) => f.path.endsWith('.html')) && runFiles.some((f) => f.path.endsWith('.md'))).toBe(true);
    // Every file of the project (run folder, cache, ...), stdout and stderr.
    const files = await allFiles(dir);
    const head = KEY.slice(0, 8);
    for (const { path, text } of [...files, { path: 'stdout', text: result.stdout }, { path: 'stderr', text: result.stderr }]) {
      expect(text.includes(head), `the key's first 8 characters are in ${path}`).toBe(false);
    }
    const calls = await readCalls(runDir);
    const errored = calls.filter((c) => c.error);
    expect(errored.map((c) => c.error?.code)).toEqual(['client_error', 'client_error', 'client_error']);
    for (const call of errored) {
      expect(call.error.message.length).toBeLessThanOrEqual(CUT);
      expect(call.error.message).toContain('***');
    }
    expect(calls.find((c) => !c.error)).toMatchObject({ output: '', refusal: '*** is the key you sent; I will not help.' });
  });

  it('a custom baseURL without apiKeyEnv is sent no key (OPENAI_API_KEY and ANTHROPIC_API_KEY set); with apiKeyEnv, that key', async () => {
    openai.reset();
    anthropic.reset();
    const dir = await makeProject({
      'eval.config.mjs': `export default {
  models: {
    bare: { provider: 'openai', model: 'gpt-bare', baseURL: '${openai.url}' },
    bareClaude: { provider: 'anthropic', model: 'claude-bare', baseURL: '${anthropic.origin}' },
    team: { provider: 'openai', model: 'gpt-team', baseURL: '${openai.url}', apiKeyEnv: 'TEAM_KEY' },
  },
  suites: [{ prompt: 'ask', models: ['bare', 'bareClaude', 'team'] }],
  reporters: ['json'],
};
`,
      'prompts/ask.prompt': '---\nversion: 1.0.0\n---\n{{ask}}\n',
      'evals/ask.csv': 'ask,__expected\nhello,contains:ok\n',
    });
    const result = await runCliInProcess(['run', '--no-cache'], { cwd: dir, env: { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: OTHER_ANTHROPIC_KEY, TEAM_KEY: 'sk-team-key-for-the-team-server' } });
    expect(result.code, result.stderr).toBe(0);
    const byModel = (model: string) => openai.requests.filter((r) => r.model === model);
    expect(byModel('gpt-bare')).toHaveLength(1);
    expect(byModel('gpt-bare')[0].headers.authorization).toBeUndefined();
    expect(byModel('gpt-bare')[0].headers['x-api-key']).toBeUndefined();
    expect(anthropic.requests).toHaveLength(1);
    expect(anthropic.requests[0].headers['x-api-key']).toBeUndefined();
    expect(anthropic.requests[0].headers.authorization).toBeUndefined();
    expect(byModel('gpt-team').map((r) => r.headers.authorization)).toEqual(['Bearer sk-team-key-for-the-team-server']);
  });
});
