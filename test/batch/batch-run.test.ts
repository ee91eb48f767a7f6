import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, run, type RunResult } from '../../src/node.js';
import { BATCHES_FILE } from '../../src/batch/batch-log.js';
import type { BatchLogLine } from '../../src/batch/types.js';
import type { ProviderRequest, ProviderResult } from '../../src/providers/types.js';
import type { RunFile } from '../../src/run-record/types.js';
import { parseDuration } from '../../src/cli/options.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { fakeBatchTransport, installFakeProvider, type FakeBatch, type FakeBatchOptions } from '../helpers/fake-batch-transport.js';
import { judgeReply, readJudgeRequest } from '../helpers/judge-reader.js';
import { readCalls, readRun } from '../helpers/runs.js';
import { runSchema } from '../helpers/run-schema.js';
import { sink } from '../helpers/sink.js';
import { virtualClock } from '../helpers/virtual-clock.js';

/**
 * Batch mode's run side (src/batch/collector.ts) through the API in this process, against an
 * in-memory Batch API (test/helpers/fake-batch-transport.ts) attached to a defineProvider model
 * entry. The run's clock moves only by its sleeps (test/helpers/virtual-clock.ts): a 30 s poll
 * interval passes in a real ms, and real time never moves it. How the calls fall into batches
 * depends on how fast the cases are read; nothing asserted here does.
 */
const WORDS = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig', 'grape', 'hazel', 'kiwi', 'lemon', 'mango', 'nectarine'];
/** Answered wrong (lower case): these cases fail, in batch mode as in normal calls. */
const WRONG = new Set(['fig', 'kiwi']);
/** Cases graded by the judge (a rubric), whose calls follow the answers in a later batch. */
const JUDGED = new Set(['apple', 'fig']);
const USAGE = { inputTokens: 1000, outputTokens: 500 };

const lastUser = (request: ProviderRequest) => request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';

/** The model and the judge, as the local servers answer: the word in capitals (or not), and an honest rubric judge. */
function answer(request: ProviderRequest): ProviderResult {
  if (request.model === 'fake-judge') {
    const view = readJudgeRequest(request.messages);
    const output = view.parts.output ?? '';
    const pass = output === output.toUpperCase();
    return { ok: true, output: judgeReply(view, { pass, score: pass ? 1 : 0, reason: pass ? 'capitals' : 'not capitals' }), usage: USAGE };
  }
  const word = lastUser(request).trim();
  return { ok: true, output: WRONG.has(word) ? word : word.toUpperCase(), usage: USAGE, modelReported: 'fake-model-1' };
}

let projects = 0;
/** A project whose models `m` and `judge` are answered by `fake` (normal calls and batches alike). */
async function project(fake: FakeBatch, extra = '', words = WORDS): Promise<string> {
  const name = `batch-run-${process.pid}-${++projects}`;
  const provider = installFakeProvider(name, fake.provider('fake-batch'));
  const cases = ['word,__expected', ...words.map((w) => `${w},${JUDGED.has(w) ? 'llm-rubric:answers in capitals' : `equals:${w.toUpperCase()}`}`)];
  return makeProject({
    'eval.config.mjs': `export default {
  models: {
    m: { provider: ${provider}, model: 'fake-model', price: { input: 2, output: 4 }, maxRetries: 2 },
    judge: { provider: ${provider}, model: 'fake-judge', price: { input: 2, output: 4 } },
  },
  defaultModel: 'm',
  judge: 'judge',
  reporters: ['json'],
  ${extra}
};
`,
    'prompts/shout.prompt': '---\nversion: 1.0.0\n---\n{{role "system"}}\nAnswer with the word in capitals.\n{{role "user"}}\n{{word}}\n',
    'evals/shout.csv': `${cases.join('\n')}\n`,
  });
}

const clock = () => virtualClock();

async function runIn(dir: string, options: Parameters<typeof run>[0] = {}, signal?: AbortSignal) {
  const [stdout, stderr] = [sink(), sink()];
  const result = await run({ noCache: true, ...options }, { cwd: dir, env: { CI: 'true' }, stdout: stdout.stream, stderr: stderr.stream, clock: clock(), ...(signal ? { signal } : {}) });
  return { result, stderr: stderr.text() };
}

function okRun(result: RunResult): Extract<RunResult, { ok: true }> {
  if (!result.ok) throw new Error(`run failed: ${result.error.text}`);
  return result;
}

const verdicts = (record: RunFile) => Object.fromEntries(record.cases.map((c) => [String(c.vars.word), c.status]));
const wordOf = (call: Record<string, any>) => String(call.vars.word);
const batchLog = async (runDir: string) =>
  (await readFile(join(runDir, BATCHES_FILE), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as BatchLogLine);

function fake(options: Partial<FakeBatchOptions> = {}): FakeBatch {
  return fakeBatchTransport({ answer, ...options });
}

describe('batch mode: the run side', () => {
  it('a batched run equals the same run made with normal calls, verdict for verdict, at half the price; calls.jsonl marks the batch; the cache is filled', async () => {
    const normal = fake();
    const normalDir = await project(normal);
    const direct = okRun((await runIn(normalDir)).result);
    expect(normal.submissions).toHaveLength(0);

    const batched = fake();
    const dir = await project(batched, "cache: '.cache-batch',");
    const { result } = await runIn(dir, { batch: true, noCache: false });
    const done = okRun(result);
    const [a, b] = [await readRun(direct.runDir), await readRun(done.runDir)];
    expect(Object.keys(verdicts(b))).toHaveLength(WORDS.length);
    expect(verdicts(b)).toEqual(verdicts(a));
    expect(verdicts(b).fig).toBe('fail');
    expect(verdicts(b).apple).toBe('pass');
    expect(done.exitCode).toBe(direct.exitCode);
    expect(b.status).toBe('complete');
    // Nothing went through normal calls; every eval and judge call went through a batch, each once.
    expect(batched.calls).toHaveLength(0);
    const ids = batched.submittedIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(WORDS.length + JUDGED.size);
    // The judge's calls follow the answers: in batches submitted after the answers' batches.
    const calls = await readCalls(done.runDir);
    const judgeBatches = new Set(calls.filter((c) => c.purpose === 'judge').map((c) => c.batch.id));
    const evalBatches = new Set(calls.filter((c) => c.purpose === 'eval').map((c) => c.batch.id));
    expect([...judgeBatches].some((id) => evalBatches.has(id))).toBe(false);
    // calls.jsonl marks each call with its batch; the cost is half the normal price.
    expect(calls.every((c) => typeof c.batch?.id === 'string' && c.batch.id.startsWith('batch_'))).toBe(true);
    const normalCost = (await readCalls(direct.runDir)).find((c) => wordOf(c) === 'banana')!.costUsd;
    expect(normalCost).toBeCloseTo((1000 * 2 + 500 * 4) / 1e6, 12);
    expect(calls.find((c) => wordOf(c) === 'banana')!.costUsd).toBeCloseTo(normalCost / 2, 12);
    expect(b.totals.costUsd).toBeCloseTo(a.totals.costUsd! / 2, 12);
    // run.json lists the batches; batches.jsonl has each one's submitted line before its ended line.
    expect(b.batches?.map((x) => x.id).sort()).toEqual(batched.submissions.map((s) => s.id).sort());
    expect(b.batches?.every((x) => x.state === 'completed' && x.succeeded === x.requests && x.failed === 0)).toBe(true);
    const { validateRun, validateCall } = runSchema();
    expect(validateRun(b), JSON.stringify(validateRun.errors)).toBe(true);
    for (const call of calls) expect(validateCall(call), JSON.stringify(validateCall.errors)).toBe(true);
    const log = await batchLog(done.runDir);
    for (const { id } of batched.submissions) {
      const at = log.findIndex((line) => line.kind === 'submitted' && line.id === id);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(log.findIndex((line) => line.kind === 'ended' && line.id === id)).toBeGreaterThan(at);
    }

    // A later normal run reuses the batch's answers from the cache: no call, no batch.
    const again = okRun((await runIn(dir, { noCache: false })).result);
    expect(batched.calls).toHaveLength(0);
    expect(batched.submissions.map((s) => s.id)).toEqual([...new Set(batched.submissions.map((s) => s.id))]);
    expect(batched.submittedIds()).toHaveLength(ids.length);
    const record = await readRun(again.runDir);
    expect(verdicts(record)).toEqual(verdicts(a));
    expect(record.totals.cachedCalls).toBe(record.totals.calls);
    expect(record.totals.calls).toBe(WORDS.length + JUDGED.size);
  });

  it('retries only the lines that failed, expired or are missing, in a new batch; never grades them', async () => {
    const faults: Record<string, 'failed' | 'expired' | 'missing'> = { banana: 'failed', cherry: 'expired', grape: 'missing' };
    const batched = fake({ lineFault: (line, n) => (n === 1 ? faults[lastUser(line.request).trim()] : undefined) });
    const dir = await project(batched, '', WORDS.filter((w) => !JUDGED.has(w)));
    const done = okRun((await runIn(dir, { batch: true })).result);
    const record = await readRun(done.runDir);
    const ids = batched.submittedIds();
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    // Every line once, the three faulty ones twice: nothing else sent again.
    expect([...counts.values()].filter((n) => n === 2)).toHaveLength(3);
    expect([...counts.values()].filter((n) => n > 2)).toHaveLength(0);
    expect(counts.size).toBe(WORDS.length - JUDGED.size);
    expect(batched.calls).toHaveLength(0);
    expect(verdicts(record).banana).toBe('pass');
    expect(verdicts(record).cherry).toBe('pass');
    expect(verdicts(record).grape).toBe('pass');
    const calls = await readCalls(done.runDir);
    expect(calls.find((c) => wordOf(c) === 'banana')!.attempts).toBe(2);
  });

  it("a line that keeps failing is an error after the model's maxRetries, never graded; `retry: 'direct'` sends it as a normal call", async () => {
    const always = fake({ lineFault: (line) => (lastUser(line.request).trim() === 'banana' ? 'failed' : undefined) });
    const dir = await project(always, '', ['banana', 'cherry']);
    const record = await readRun(okRun((await runIn(dir, { batch: true })).result).runDir);
    expect(verdicts(record)).toEqual({ banana: 'error', cherry: 'pass' });
    // maxRetries 2: sent 3 times, then given up; cherry once.
    const counts = new Map<string, number>();
    for (const id of always.submittedIds()) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts.values()].sort()).toEqual([1, 3]);
    expect(record.cases.find((c) => c.vars.word === 'banana')!.repeats[0].error?.code).toBe('batch_line_failed');

    const direct = fake({ lineFault: (line) => (lastUser(line.request).trim() === 'banana' ? 'expired' : undefined) });
    const directDir = await project(direct, "batch: { retry: 'direct' },", ['banana', 'cherry']);
    const directDone = okRun((await runIn(directDir, { batch: true })).result);
    const directRecord = await readRun(directDone.runDir);
    expect(verdicts(directRecord)).toEqual({ banana: 'pass', cherry: 'pass' });
    expect(direct.submittedIds()).toHaveLength(2);
    expect(direct.calls.map(lastUser).map((t) => t.trim())).toEqual(['banana']);
    const calls = await readCalls(directDone.runDir);
    const banana = calls.find((c) => wordOf(c) === 'banana')!;
    // Answered by a normal call: no batch mark, the normal price.
    expect(banana.batch).toBeUndefined();
    expect(banana.costUsd).toBeCloseTo((1000 * 2 + 500 * 4) / 1e6, 12);
  });

  it('splits batches by the transport limits: requests and bytes', async () => {
    const byCount = fake({ limits: { maxRequests: 3, maxBytes: 1e9 } });
    const dir = await project(byCount, '', WORDS.filter((w) => !JUDGED.has(w)));
    okRun((await runIn(dir, { batch: true })).result);
    expect(byCount.submissions.every((s) => s.customIds.length <= 3)).toBe(true);
    expect(byCount.submittedIds()).toHaveLength(WORDS.length - JUDGED.size);
    expect(byCount.submissions.length).toBeGreaterThanOrEqual(Math.ceil((WORDS.length - JUDGED.size) / 3));

    const byBytes = fake({ limits: { maxRequests: 1000, maxBytes: 250 }, lineBytes: () => 100 });
    const bytesDir = await project(byBytes, '', WORDS.filter((w) => !JUDGED.has(w)));
    okRun((await runIn(bytesDir, { batch: true })).result);
    expect(byBytes.submissions.every((s) => s.customIds.length <= 2)).toBe(true);
    expect(byBytes.submittedIds()).toHaveLength(WORDS.length - JUDGED.size);
  });

  it('interrupted while waiting for a batch and resumed: re-attaches to the same batches, submits nothing twice', async () => {
    const controller = new AbortController();
    let dir = '';
    /** Each batch id as its first poll found it: in the run folder's batches.jsonl already, or not. */
    const onDiskAtFirstPoll = new Map<string, boolean>();
    const batched = fake({
      states: ['validating', 'in_progress', 'in_progress', 'finalizing', 'completed'],
      onPoll: (id, n) => {
        if (n === 1 && !onDiskAtFirstPoll.has(id)) {
          const [folder] = readdirSync(join(dir, 'reports'));
          const log = join(dir, 'reports', folder, BATCHES_FILE);
          onDiskAtFirstPoll.set(id, existsSync(log) && readFileSync(log, 'utf8').includes(`"id":"${id}"`));
        }
        // The process "dies" while the first batch is in progress.
        if (id === 'batch_1' && n === 2) controller.abort(new Error('SIGTERM'));
      },
    });
    dir = await project(batched);
    const first = okRun((await runIn(dir, { batch: true }, controller.signal)).result);
    expect(first.run.status).toBe('interrupted');
    expect(first.exitCode).toBe(130);
    const submittedBefore = batched.submittedIds();
    expect(submittedBefore.length).toBeGreaterThan(0);
    // The batch ids were on disk before the wait.
    expect([...onDiskAtFirstPoll.values()].length).toBeGreaterThan(0);
    expect([...onDiskAtFirstPoll.values()].every(Boolean)).toBe(true);
    const logged = (await batchLog(first.runDir)).filter((line) => line.kind === 'submitted');
    expect(logged.flatMap((line) => (line.kind === 'submitted' ? line.customIds : [])).sort()).toEqual([...submittedBefore].sort());

    const resumed = okRun((await runIn(dir, { batch: true, resume: relative(dir, first.runDir) })).result);
    const record = await readRun(resumed.runDir);
    expect(record.status).toBe('complete');
    expect(Object.keys(verdicts(record))).toHaveLength(WORDS.length);
    const all = batched.submittedIds();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(WORDS.length + JUDGED.size);
    // batch_1 was polled again by the resumed run and its results read once.
    expect(batched.polls.get('batch_1')).toBeGreaterThan(2);
    expect(batched.reads.get('batch_1')).toBe(1);
    expect(batched.calls).toHaveLength(0);
  });

  it('--batch-timeout: stops waiting, run.json interrupted with stopped batch_timeout and the resume command, exit 3; resuming finishes without resubmitting', async () => {
    const slow = fake({ states: ['validating', 'in_progress'] });
    const dir = await project(slow, 'batch: { pollMs: 60000 },', ['banana', 'cherry']);
    const { result, stderr } = await runIn(dir, { batch: true, batchTimeoutMs: 90 * 60_000 });
    const stopped = okRun(result);
    expect(stopped.exitCode).toBe(3);
    expect(stopped.run.status).toBe('interrupted');
    const folder = relative(dir, stopped.runDir);
    const command = `promptgate run --no-cache --batch --resume ${folder}`;
    expect(stopped.run.stopped).toMatchObject({ reason: 'batch_timeout', resume: command });
    expect(stopped.run.stopped?.message).toContain('90 min');
    expect(stderr).toContain(`resume with: ${command}`);
    expect(existsSync(join(stopped.runDir, BATCHES_FILE))).toBe(true);
    const { validateRun } = runSchema();
    expect(validateRun(await readRun(stopped.runDir)), JSON.stringify(validateRun.errors)).toBe(true);
    // Polled every 60 s of the run's clock until the 90 min passed (after the 2 s quiet time at least), not beyond.
    const polls = [...slow.polls.values()];
    expect(polls.length).toBeGreaterThan(0);
    expect(Math.max(...polls)).toBeLessThanOrEqual(89);
    expect(Math.max(...polls)).toBeGreaterThan(80);
    expect(stopped.run.batches?.every((b) => b.state === 'in_progress')).toBe(true);
    expect(stopped.run.batches?.reduce((sum, b) => sum + b.requests, 0)).toBe(2);

    // The provider finishes the batch meanwhile; the resumed run takes its results and submits nothing.
    slow.setStates(['completed']);
    const resumed = okRun((await runIn(dir, { batch: true, resume: folder })).result);
    // Each batch polled once more (it had ended), its results read once.
    expect([...slow.polls.values()]).toEqual(polls.map((n) => n + 1));
    expect(resumed.exitCode).toBe(0);
    expect(slow.submittedIds()).toHaveLength(2);
    expect(verdicts(await readRun(resumed.runDir))).toEqual({ banana: 'pass', cherry: 'pass' });
  });

  it('compare --batch: the candidate side batched (a stored baseline makes no calls); the resume command names the baseline', async () => {
    const batched = fake({ states: ['in_progress'] });
    const dir = await project(batched, '', ['banana', 'cherry']);
    const baseline = okRun((await runIn(dir)).result);
    const spec = `run:${relative(dir, baseline.runDir)}`;
    const [stdout, stderr] = [sink(), sink()];
    const context = { cwd: dir, env: { CI: 'true' }, stdout: stdout.stream, stderr: stderr.stream, clock: clock() };
    const stopped = okRun(await compare({ baseline: spec, batch: true, batchTimeoutMs: 600_000, noCache: true }, context));
    expect(stopped.exitCode).toBe(3);
    const folder = relative(dir, stopped.runDir);
    expect(stopped.run.stopped?.resume).toBe(`promptgate compare --baseline ${spec} --no-cache --batch --resume ${folder}`);
    batched.setStates(['completed']);
    const resumed = okRun(await compare({ baseline: spec, batch: true, noCache: true, resume: folder }, context));
    expect(resumed.run.status).toBe('complete');
    expect(resumed.exitCode).not.toBe(3);
    expect(verdicts(await readRun(resumed.runDir))).toEqual({ banana: 'pass', cherry: 'pass' });
    expect(batched.submittedIds()).toHaveLength(2);
    expect((await readCalls(resumed.runDir)).every((c) => typeof c.batch?.id === 'string')).toBe(true);
  });

  it('a model asked for batch mode whose provider has no Batch API: exit 2, one line naming the model entry, nothing run', async () => {
    const dir = await makeProject({
      'eval.config.mjs': `export default { models: { plain: { provider: () => 'x', model: 'plain-1', batch: true } }, defaultModel: 'plain', reporters: ['json'] };\n`,
      'prompts/shout.prompt': '---\nversion: 1.0.0\n---\n{{word}}\n',
      'evals/shout.csv': 'word\napple\n',
    });
    const { result } = await runIn(dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.exitCode).toBe(2);
    expect(result.error.text).toMatch(/eval\.config\.mjs: model entry "plain" \(provider custom\) has no Batch API/);
    expect(result.error.text.split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'reports'))).toBe(false);
  });
});

describe('batch mode under a cost budget', () => {
  it('admits lines at the batch rate before they are submitted and stops there: spent ≤ the budget, the lines refused never sent, status budget_exhausted, exit 3', async () => {
    // Realistic usage (under the estimate's upper bound: chars / 4 in, max_tokens out), at $2 / $4 per M tokens.
    const small = fake({ answer: (request) => ({ ...answer(request), usage: { inputTokens: 20, outputTokens: 40 } }) });
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const dir = await project(small, '', words);
    // A line's estimate: ~20 input + 100 output tokens at half of $2 / $4 per M = $0.00022: the budget fits about 20 lines.
    const config = join(dir, 'eval.config.mjs');
    const text = (await readFile(config, 'utf8')).replace("model: 'fake-model',", "model: 'fake-model', params: { max_tokens: 100 },");
    await writeFile(config, text);
    const maxCost = 0.0045;
    const { result } = await runIn(dir, { batch: true, maxCost, allowOverEstimate: true });
    const done = okRun(result);
    const record = await readRun(done.runDir);
    expect(record.status).toBe('budget_exhausted');
    expect(record.stopped?.reason).toBe('budget');
    expect(done.exitCode).toBe(3);
    const sent = small.submittedIds();
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.length).toBeLessThan(words.length);
    const calls = await readCalls(done.runDir);
    // Only what was submitted was answered and logged; what it cost stays under the budget.
    expect(calls.filter((c) => c.purpose === 'eval')).toHaveLength(sent.length);
    const spent = calls.reduce((sum, c) => sum + (c.costUsd ?? 0), 0);
    expect(spent).toBeLessThanOrEqual(maxCost);
    expect(record.budget?.spentUsd).toBeCloseTo(spent, 10);
    // No case the budget stopped was graded.
    expect(record.cases.filter((c) => c.status === 'pass' || c.status === 'fail').length).toBeLessThanOrEqual(sent.length);
  });
});

describe('batch mode: the CLI flags', () => {
  it('--batch reaches the run (a model without a Batch API is refused naming it); --batch-timeout takes 90m, 2h, 3600s and refuses anything else in one line', async () => {
    const dir = await makeProject({
      'eval.config.mjs': `export default { models: { plain: { provider: () => 'x', model: 'plain-1' } }, defaultModel: 'plain', reporters: ['json'] };\n`,
      'prompts/shout.prompt': '---\nversion: 1.0.0\n---\n{{word}}\n',
      'evals/shout.csv': 'word\napple\n',
    });
    const batch = await runCliInProcess(['run', '--batch', '--batch-timeout', '2h'], { cwd: dir });
    expect(batch.code).toBe(2);
    expect(batch.stderr.trim()).toMatch(/^promptgate: --batch: model entry "plain" \(provider custom\) has no Batch API, so it cannot run in batch mode \(--batch\)/);
    expect(batch.stderr.trim().split('\n')).toHaveLength(1);
    for (const command of [['run'], ['compare', '--baseline', 'main'], ['drift', '--baseline', 'run:x']]) {
      const bad = await runCliInProcess([...command, '--batch-timeout', 'soon'], { cwd: dir });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--batch-timeout must be a duration such as 90m, 2h or 3600s (got "soon")');
    }
    expect(existsSync(join(dir, 'reports'))).toBe(false);
    expect(['90m', '2h', '3600s', '1.5h', '250ms'].map(parseDuration('--batch-timeout'))).toEqual([5_400_000, 7_200_000, 3_600_000, 5_400_000, 250]);
    expect(() => parseDuration('--batch-timeout')('0s')).toThrow(/must be a duration/);
  });
});
