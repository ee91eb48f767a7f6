import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/node.js';
import type { RunFile } from '../../src/run-record/types.js';
import { startAnthropicServer, type AnthropicServer } from '../helpers/anthropic-server.js';
import { makeProject } from '../helpers/cli.js';
import { textOf } from '../helpers/mock-server.js';
import { readCalls, readRun } from '../helpers/runs.js';
import { sink } from '../helpers/sink.js';
import { virtualClock } from '../helpers/virtual-clock.js';

/**
 * Batch mode as users run it: the real @anthropic-ai/sdk against the local server's Message
 * Batches API (test/helpers/anthropic-server.ts), through run() in this process on a clock that
 * moves only by its sleeps. Counted at the server: what was submitted, and how often.
 */
const CASES = 120;
const words = Array.from({ length: CASES }, (_, i) => `word${i}`);
/** Answered wrong: these cases fail, batched or not. */
const wrong = (word: string) => Number(word.slice(4)) % 7 === 0;

let server: AnthropicServer;
beforeAll(async () => {
  server = await startAnthropicServer({
    respond: (request) => {
      const word = textOf(request.messages.at(-1)?.content).trim();
      return { content: wrong(word) ? word : word.toUpperCase(), usage: { inputTokens: 100, outputTokens: 10 } };
    },
  });
});
afterAll(() => server.close());

const project = () =>
  makeProject({
    'eval.config.mjs': `export default {
  models: { claude: { provider: 'anthropic', model: 'claude-3-5-haiku-latest', baseURL: '${server.url}', apiKeyEnv: 'BATCH_TEST_KEY', params: { max_tokens: 20 }, price: { input: 1, output: 5 } } },
  defaultModel: 'claude',
  reporters: ['json'],
};
`,
    'prompts/shout.prompt': '---\nversion: 1.0.0\n---\n{{word}}\n',
    'evals/shout.csv': `${['word,__expected', ...words.map((w) => `${w},equals:${w.toUpperCase()}`)].join('\n')}\n`,
  });

async function runIn(dir: string, options: Parameters<typeof run>[0], signal?: AbortSignal) {
  const [stdout, stderr] = [sink(), sink()];
  const result = await run({ noCache: true, ...options }, { cwd: dir, env: { BATCH_TEST_KEY: 'sk-ant-batch-test', CI: 'true' }, stdout: stdout.stream, stderr: stderr.stream, clock: virtualClock(), ...(signal ? { signal } : {}) });
  if (!result.ok) throw new Error(result.error.text);
  return result;
}
const verdicts = (record: RunFile) => Object.fromEntries(record.cases.map((c) => [String(c.vars.word), c.status]));

describe('batch mode through the Anthropic Message Batches API (real SDK, local server)', () => {
  it('a batched run equals the normal one verdict for verdict; an expired line is sent again alone; killed while waiting and resumed, nothing is submitted twice', async () => {
    const dir = await project();
    const normal = await runIn(dir, {});
    expect(server.batchCounts.create).toBe(0);
    const messages = server.count;
    expect(messages).toBe(CASES);

    // The first line of the first batch expires; the run is "killed" at the first poll of the batch.
    const controller = new AbortController();
    let expired: string | undefined;
    server.setBatchScript({
      pollsToEnd: 2,
      line: ({ customId, index }) => {
        if (index === 0 && expired === undefined) {
          expired = customId;
          return { type: 'expired' };
        }
        return undefined;
      },
      fault: ({ endpoint, index }) => {
        if (endpoint === 'retrieve' && index === 0 && !controller.signal.aborted) controller.abort(new Error('SIGTERM'));
        return undefined;
      },
    });
    const first = await runIn(dir, { batch: true }, controller.signal);
    expect(first.run.status).toBe('interrupted');
    const submitted = server.submittedCustomIds().length;
    expect(submitted).toBeGreaterThan(0);

    const resumed = await runIn(dir, { batch: true, resume: relative(dir, first.runDir) });
    const [a, b] = [await readRun(normal.runDir), await readRun(resumed.runDir)];
    expect(b.status).toBe('complete');
    expect(Object.keys(verdicts(b))).toHaveLength(CASES);
    expect(verdicts(b)).toEqual(verdicts(a));
    expect(Object.values(verdicts(b)).filter((v) => v === 'fail').length).toBe(words.filter(wrong).length);
    // No normal calls in batch mode; every request submitted once, the expired one twice.
    expect(server.count).toBe(messages);
    const ids = server.submittedCustomIds();
    expect(ids).toHaveLength(CASES + 1);
    expect(new Set(ids).size).toBe(CASES);
    expect(ids.filter((id) => id === expired)).toHaveLength(2);
    // Half price, marked with its batch.
    const calls = await readCalls(resumed.runDir);
    const call = calls.find((c) => c.vars.word === 'word1')!;
    expect(call.batch.id).toMatch(/^msgbatch_/);
    expect(call.costUsd).toBeCloseTo(((100 * 1 + 10 * 5) / 1e6) * 0.5, 12);
    expect(b.totals.costUsd).toBeCloseTo(a.totals.costUsd! / 2, 10);
  });
});
