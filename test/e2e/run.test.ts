import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import { makeProject, runCli } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type Reply } from '../helpers/openai-server.js';
import { lastUser, textOf } from '../helpers/mock-server.js';
import { readRun, runFolders } from '../helpers/runs.js';

/** Capitals: the model knows all but Australia's. */
const CAPITALS: Record<string, string> = { France: 'Paris', Japan: 'Tokyo', Kenya: 'Nairobi', Peru: 'Lima', Australia: 'Sydney' };


/** An honest judge: reads the verdict token from its instructions and grades "mentions Paris". */
function judgeReply(request: IncomingChat): Reply {
  const system = textOf(request.messages.find((m) => m.role === 'system')?.content) || String(request.body.system ?? '');
  const token = /"verdict_token": "([0-9a-f]+)"/.exec(system)?.[1] ?? 'missing';
  const output = lastUser(request);
  const pass = output.includes('Paris');
  return { content: JSON.stringify({ pass, score: pass ? 1 : 0, reason: pass ? 'names Paris' : 'does not name Paris', verdict_token: token }) };
}

describe('promptgate run, end to end through the real SDKs', () => {
  let openai: MockServer;
  let anthropic: MockServer;
  let rateLimitedOnce = false;
  const held: Array<() => void> = [];

  beforeAll(async () => {
    openai = await startOpenAIServer({
      respond: (request) => {
        if (request.model === 'judge-model') return judgeReply(request);
        const text = lastUser(request);
        if (text.includes('Kenya') && !rateLimitedOnce) {
          rateLimitedOnce = true;
          // "Retry now": the retry waits its backoff only (a Retry-After is honoured on an injected
          // clock in faults.test.ts; this spawned CLI would wait it out in real time).
          return { fault: 'status', status: 429, retryAfter: '0' };
        }
        const country = Object.keys(CAPITALS).find((c) => text.includes(c));
        const reply: Reply = { content: country ? `The capital is ${CAPITALS[country]}.` : 'I do not know.' };
        // The first four filler questions are held until all four are in flight, so "the server saw 4
        // at once" does not depend on machine load; if the runner never sends a 4th, the release
        // comes late and maxInFlight stays below 4 (the assertion fails, the test does not hang).
        if (/Country\d/.test(text) && held.length < 4) {
          return new Promise<Reply>((resolve) => {
            held.push(() => resolve(reply));
            if (held.length === 4) for (const release of held) release();
            else setTimeout(() => resolve(reply), 10_000).unref();
          });
        }
        return reply;
      },
    });
    anthropic = await startAnthropicServer({
      respond: (request) => ({ content: lastUser(request).toUpperCase(), model: 'claude-test-2025-01-01' }),
    });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });

  const project = () =>
    makeProject({
      'eval.config.ts': `import { defineConfig } from 'promptgate';
export default defineConfig({
  models: {
    gpt: { provider: 'openai', model: 'gpt-test', baseURL: '${openai.url}', apiKeyEnv: 'TEST_OPENAI_KEY' },
    judge: { provider: 'openai', model: 'judge-model', baseURL: '${openai.url}', apiKeyEnv: 'TEST_OPENAI_KEY' },
    claude: { provider: 'anthropic', model: 'claude-test', baseURL: '${anthropic.origin}', apiKeyEnv: 'TEST_ANTHROPIC_KEY', params: { max_tokens: 50 } },
  },
  judge: 'judge',
  concurrency: 4,
});
`,
      'prompts/capital.prompt': `---
version: 1.0.0
model: gpt
---
{{role "system"}}
Answer in one sentence.
{{role "user"}}
What is the capital of {{country}}?
`,
      'prompts/shout.prompt': `---
version: 0.3.1
model: claude
---
{{role "system"}}
Repeat the user's words in capitals.
{{role "user"}}
{{words}}
`,
      'evals/capital.csv': [
        'country,__expected,__description',
        'France,"rubric:names the capital, Paris",france by judge',
        'Japan,contains:Tokyo,japan',
        'Kenya,contains:Nairobi,kenya after a 429',
        'Peru,icontains:lima,peru',
        'Australia,contains:Canberra,australia (model is wrong)',
        ...Array.from({ length: 15 }, (_, i) => `Country${i},not-contains:Canberra,filler ${i}`),
      ].join('\n'),
      'evals/shout.jsonl': [
        JSON.stringify({ id: 'hello', vars: { words: 'hello there' }, expected: 'equals:HELLO THERE' }),
        JSON.stringify({ id: 'bye', vars: { words: 'good bye' }, assert: [{ type: 'starts-with', value: 'GOOD' }, { type: 'not-contains', value: 'BYE' }] }),
        JSON.stringify({ id: 'wrong', vars: { words: 'quiet' }, expected: 'quiet' }),
      ].join('\n'),
    });

  // Spawned smoke test: the built CLI as a user runs it (the other tests run main() in-process).
  it('grades every case as expected, logs every call and keeps the concurrency limit', async () => {
    const dir = await project();
    openai.reset();
    const result = await runCli(['run', '--concurrency', '4'], { cwd: dir, env: { TEST_OPENAI_KEY: 'sk-e2e', TEST_ANTHROPIC_KEY: 'sk-ant-e2e' } });
    expect(result.stderr).not.toContain('internal error');
    expect(result.code).toBe(0);
    const [runDir] = await runFolders(dir);
    const run = await readRun(runDir);
    const status = Object.fromEntries(run.cases.map((c) => [`${c.suite}/${c.description ?? c.caseId}`, c.status]));
    expect(status['capital/france by judge']).toBe('pass');
    expect(status['capital/japan']).toBe('pass');
    expect(status['capital/kenya after a 429']).toBe('pass');
    expect(status['capital/peru']).toBe('pass');
    expect(status['capital/australia (model is wrong)']).toBe('fail');
    expect(status['shout/hello']).toBe('pass');
    expect(status['shout/bye']).toBe('fail');
    expect(status['shout/wrong']).toBe('fail');
    expect(run.cases).toHaveLength(23);

    const kenya = run.cases.find((c) => c.description === 'kenya after a 429')!;
    expect(kenya.repeats[0].attempts).toBe(2);

    // One calls.jsonl line per call, each with the prompt identity, reported model and variables.
    const calls = (await readFile(join(runDir, 'calls.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const evalCalls = calls.filter((c) => c.purpose === 'eval');
    expect(evalCalls).toHaveLength(23);
    expect(calls.filter((c) => c.purpose === 'judge')).toHaveLength(1);
    const japan = evalCalls.find((c) => c.vars.country === 'Japan');
    expect(japan).toMatchObject({ promptId: 'capital', promptVersion: '1.0.0', model: 'gpt', modelRequested: 'gpt-test', provider: 'openai' });
    expect(japan.promptHash).toMatch(/^[0-9a-f]{12}$/);
    expect(japan.modelReported).toBeTruthy();
    const shout = evalCalls.find((c) => c.caseId === 'hello');
    expect(shout).toMatchObject({ promptId: 'shout', promptVersion: '0.3.1', modelReported: 'claude-test-2025-01-01', vars: { words: 'hello there' } });
    expect(shout.usage.inputTokens).toBeGreaterThan(0);

    // The server never saw more than 4 requests at once, and did see 4.
    expect(openai.maxInFlight).toBeLessThanOrEqual(4);
    expect(openai.maxInFlight).toBe(4);

    // Keys never reach an output.
    const everything = (await readFile(join(runDir, 'run.json'), 'utf8')) + (await readFile(join(runDir, 'calls.jsonl'), 'utf8')) + result.stdout + result.stderr;
    expect(everything).not.toContain('sk-e2e');
    expect(everything).not.toContain('sk-ant-e2e');
    expect(result.stdout).toContain('capital');
  });

  it('answers from the cache on a second run, and calls again with --no-cache', async () => {
    const dir = await project();
    const env = { TEST_OPENAI_KEY: 'sk-e2e', TEST_ANTHROPIC_KEY: 'sk-ant-e2e' };
    await runCliInProcess(['run', 'shout'], { cwd: dir, env });
    anthropic.reset();
    const second = await runCliInProcess(['run', 'shout'], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(anthropic.count).toBe(0);
    const runs = await runFolders(dir);
    const run = await readRun(runs[runs.length - 1]);
    expect(run.cases.every((c) => c.repeats[0].cached)).toBe(true);
    expect(run.totals.cachedCalls).toBe(3);
    await runCliInProcess(['run', 'shout', '--no-cache'], { cwd: dir, env });
    expect(anthropic.count).toBe(3);
  });

  it('caches rubric judge calls too: a second run asks the judge nothing', async () => {
    const dir = await project();
    const env = { TEST_OPENAI_KEY: 'sk-e2e', TEST_ANTHROPIC_KEY: 'sk-ant-e2e' };
    const first = await runCliInProcess(['run', 'capital', '--filter', 'france'], { cwd: dir, env });
    expect(first.code).toBe(0);
    openai.reset();
    const second = await runCliInProcess(['run', 'capital', '--filter', 'france'], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(openai.requests.filter((r) => r.model === 'judge-model')).toHaveLength(0);
    const runs = await runFolders(dir);
    const run = await readRun(runs[runs.length - 1]);
    expect(run.cases).toHaveLength(1);
    expect(run.cases[0].status).toBe('pass');
  });

  it('makes one call per repeat with --repeat', async () => {
    const dir = await project();
    anthropic.reset();
    const result = await runCliInProcess(['run', 'shout', '--repeat', '3', '--no-cache'], { cwd: dir, env: { TEST_ANTHROPIC_KEY: 'k' } });
    expect(result.code).toBe(0);
    expect(anthropic.count).toBe(9);
    const runs = await runFolders(dir);
    const run = await readRun(runs[runs.length - 1]);
    expect(run.cases[0].repeats).toHaveLength(3);
  });
});
