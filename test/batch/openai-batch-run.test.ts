import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BATCHES_FILE, customIdOf } from '../../src/batch/batch-log.js';
import { resumeKeyOf } from '../../src/runner/resume.js';
import { compare, run } from '../../src/node.js';
import type { RunFile } from '../../src/run-record/types.js';
import { makeProject, runCli } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, initRepo } from '../helpers/git-repo.js';
import { judgeReply, readJudgeRequest } from '../helpers/judge-reader.js';
import { lastUser, textOf } from '../helpers/mock-replies.js';
import { startOpenAIServer, type IncomingChat, type MockBatchLine, type OpenAIServer, type Reply } from '../helpers/openai-server.js';
import { readCalls, readRun, runFolders } from '../helpers/runs.js';
import { sink } from '../helpers/sink.js';
import { virtualClock } from '../helpers/virtual-clock.js';

/**
 * Batch mode as users run it with OpenAI models: the real `openai` SDK against the local server's
 * Batch API (test/helpers/openai-batch.ts: file upload, batches.create, polls through validating /
 * in_progress / finalizing / completed, output and error files). run() and compare() in this
 * process on a clock that moves only by its sleeps; one spawned CLI killed while it waits.
 * Counted at the server: what was submitted, in which batch, and how often.
 */
const KEY = 'sk-openai-batch-run-test';
const ENV = { BATCH_TEST_KEY: KEY, CI: 'true' };
const USAGE = { inputTokens: 100, outputTokens: 10 };
/** The price both model entries are given ($ per million tokens): a normal call costs (100·1 + 10·4)/1e6. */
const PRICE = { input: 1, output: 4 };

const wordsOf = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`);
const numberOf = (word: string) => Number(word.slice(4));
/** Answered wrong (not in capitals): these cases fail, batched or not. */
const wrong = (word: string) => numberOf(word) % 7 === 3;
/** Graded by the judge (a rubric): its calls follow the answers, in a batch of the judge's own. */
const judged = (word: string) => numberOf(word) % 50 === 0;

/** The answering model (gpt-4o-mini) and an honest rubric judge (gpt-4o). A system message asking to whisper gets lower case. */
function respond(request: IncomingChat): Reply {
  if (request.model === 'gpt-4o') {
    const view = readJudgeRequest(request.messages);
    const output = view.parts.output ?? '';
    const pass = output === output.toUpperCase();
    return { content: judgeReply(view, { pass, score: pass ? 1 : 0, reason: pass ? 'capitals' : 'not capitals' }), usage: USAGE };
  }
  const word = lastUser(request).trim();
  const whisper = request.messages.some((m) => m.role === 'system' && textOf(m.content).includes('whisper'));
  return { content: whisper || wrong(word) ? word : word.toUpperCase(), usage: USAGE };
}

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer({ respond });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.batch.configure({ pollsPerState: 1, lineFate: undefined, fault: undefined });
});

const config = (extra = '') => `export default {
  models: {
    mini: { provider: 'openai', model: 'gpt-4o-mini', baseURL: '${server.url}', apiKeyEnv: 'BATCH_TEST_KEY', price: { input: ${PRICE.input}, output: ${PRICE.output} }, maxRetries: 2 },
    judge: { provider: 'openai', model: 'gpt-4o', baseURL: '${server.url}', apiKeyEnv: 'BATCH_TEST_KEY', price: { input: ${PRICE.input}, output: ${PRICE.output} } },
  },
  defaultModel: 'mini',
  judge: 'judge',
  reporters: ['json'],
  ${extra}
};
`;
const prompt = (version: string, instruction: string) => `---\nversion: ${version}\n---\n{{role "system"}}\n${instruction}\n{{role "user"}}\n{{word}}\n`;
const cases = (words: string[]) => `${['word,__expected', ...words.map((w) => `${w},${judged(w) ? 'llm-rubric:answers in capitals' : `equals:${w.toUpperCase()}`}`)].join('\n')}\n`;
const project = (words: string[], extra = '') =>
  makeProject({ 'eval.config.mjs': config(extra), 'prompts/shout.prompt': prompt('1.0.0', 'Answer with the word in capitals.'), 'evals/shout.csv': cases(words) });

type RunOptions = Parameters<typeof run>[0];
async function runIn(dir: string, options: RunOptions) {
  const [stdout, stderr] = [sink(), sink()];
  const result = await run(options, { cwd: dir, env: ENV, stdout: stdout.stream, stderr: stderr.stream, clock: virtualClock() });
  if (!result.ok) throw new Error(result.error.text);
  return { ...result, stderr: stderr.text() };
}

/** Each case's verdict: its status, and per repeat the output, the grade and the error. */
const verdicts = (record: RunFile) =>
  Object.fromEntries(
    record.cases.map((c) => [
      String(c.vars.word),
      { status: c.status, change: c.change, baseline: c.baseline?.status, repeats: c.repeats.map((r) => ({ output: r.output, grade: r.grade, error: r.error })) },
    ]),
  );
const statuses = (record: RunFile) => Object.values(verdicts(record)).map((v) => v.status);
/** How often each custom id was submitted, over all the server's batches. */
const tally = (ids: string[]) => {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
};
const customIdOfCall = (call: Record<string, any>) => customIdOf(resumeKeyOf(call as Parameters<typeof resumeKeyOf>[0]));
const batchLogText = (runDir: string) => readFile(join(runDir, BATCHES_FILE), 'utf8').catch(() => '');

/**
 * The normal run of the 500 cases (no batch, no cache), made once for the file: the reference the
 * batched runs are held to. `chats` and `creates` are what it sent (chat requests, batches created).
 * The SIGKILL test's 12 cases are its first 12: their verdicts are read from this run.
 */
const NORMAL_WORDS = wordsOf(500);
let normalReference: Promise<{ dir: string; runDir: string; exitCode: number; record: RunFile; chats: number; creates: number }> | undefined;
const normal500 = () =>
  (normalReference ??= (async () => {
    const dir = await project(NORMAL_WORDS);
    const [chats, creates] = [server.count, server.batch.counts.create];
    const normal = await runIn(dir, { noCache: true });
    return { dir, runDir: normal.runDir, exitCode: normal.exitCode, record: await readRun(normal.runDir), chats: server.count - chats, creates: server.batch.counts.create - creates };
  })());
/** The verdicts of `words` (a part of NORMAL_WORDS) in the normal run. */
const normalVerdicts = async (words: string[]) => {
  const all = verdicts((await normal500()).record);
  return Object.fromEntries(words.map((word) => [word, all[word]]));
};

describe('batch mode through the OpenAI Batch API (real SDK, local server)', () => {
  it('500 cases: a batched run equals the normal one verdict for verdict; only the failed, expired and missing lines are sent again (later batch), never graded; half price with batch ids; the cache is filled', async () => {
    const words = NORMAL_WORDS;
    const normal = await normal500();
    expect(normal.creates).toBe(0);
    expect(normal.chats).toBe(500 + words.filter(judged).length);
    const chats = server.count;

    // Fates on the first submission of a line: an answer line failed, one expired, one missing; a judge line failed.
    const fates = new Map<string, 'failed' | 'expired' | 'missing'>();
    const seen = new Set<string>();
    const fateOf = (line: MockBatchLine): 'failed' | 'expired' | 'missing' | undefined => {
      if (seen.has(line.customId)) return undefined;
      seen.add(line.customId);
      const messages = line.body.messages as Array<{ role: string; content: unknown }>;
      const user = textOf(messages.filter((m) => m.role === 'user').at(-1)?.content).trim();
      const fate =
        line.body.model === 'gpt-4o'
          ? readJudgeRequest(messages).parts.output === 'WORD100' ? 'failed' : undefined
          : ({ word1: 'failed', word250: 'expired', word499: 'missing' } as const)[user];
      if (fate) fates.set(line.customId, fate);
      return fate;
    };
    server.batch.configure({ pollsPerState: { validating: 1, in_progress: 2, finalizing: 1 }, lineFate: fateOf });

    const dir = await project(words, "cache: '.cache-batch',");
    const batched = await runIn(dir, { batch: true });
    const [a, b] = [normal.record, await readRun(batched.runDir)];
    expect(b.status).toBe('complete');
    expect(batched.exitCode).toBe(normal.exitCode);
    expect(Object.keys(verdicts(b))).toHaveLength(500);
    expect(verdicts(b)).toEqual(verdicts(a));
    expect(statuses(b).filter((s) => s === 'fail')).toHaveLength(words.filter(wrong).length);
    expect(statuses(b).filter((s) => s === 'error')).toHaveLength(0);
    expect(verdicts(b).word100.repeats[0].grade).toEqual(verdicts(a).word100.repeats[0].grade);

    // No normal call; every line submitted once, the four fated ones exactly once more, in a later batch.
    expect(server.count).toBe(chats);
    expect([...fates.values()].sort()).toEqual(['expired', 'failed', 'failed', 'missing']);
    const ids = server.batch.submittedCustomIds();
    const counts = tally(ids);
    expect(counts.size).toBe(500 + words.filter(judged).length);
    expect([...counts].filter(([, n]) => n !== 1).map(([id]) => id).sort()).toEqual([...fates.keys()].sort());
    expect([...counts].filter(([, n]) => n > 2)).toEqual([]);
    const batches = server.batch.batches;
    const batchIndexes = (id: string) => batches.flatMap((x, i) => (x.customIds.includes(id) ? [i] : []));
    for (const id of fates.keys()) {
      const [first, again] = batchIndexes(id);
      expect(again).toBeGreaterThan(first);
    }

    // calls.jsonl: one line per call (a failed line is no answer, logged or graded), each at half price with its batch's id.
    const calls = await readCalls(batched.runDir);
    expect(calls).toHaveLength(counts.size);
    expect(calls.filter((c) => c.error !== null)).toEqual([]);
    const batchIds = new Set(batches.map((x) => x.id));
    expect(calls.every((c) => batchIds.has(c.batch?.id))).toBe(true);
    const normalCost = (USAGE.inputTokens * PRICE.input + USAGE.outputTokens * PRICE.output) / 1e6;
    expect((await readCalls(normal.runDir)).every((c) => Math.abs(c.costUsd - normalCost) < 1e-12 && c.batch === undefined)).toBe(true);
    expect(calls.every((c) => Math.abs(c.costUsd - normalCost / 2) < 1e-12)).toBe(true);
    const retried = calls.filter((c) => c.attempts === 2);
    expect(retried).toHaveLength(fates.size);
    // A retried line's answer came from the later batch, and names it.
    expect(retried.map(customIdOfCall).sort()).toEqual([...fates.keys()].sort());
    for (const call of retried) expect(call.batch.id).toBe(batches[batchIndexes(customIdOfCall(call))[1]].id);
    expect(b.totals.costUsd).toBeCloseTo(a.totals.costUsd! / 2, 12);
    expect(b.batches?.map((x) => x.id).sort()).toEqual(batches.map((x) => x.id).sort());

    // The cache was filled from the batches: a later normal run makes no request at all.
    const again = await runIn(dir, {});
    const c = await readRun(again.runDir);
    expect(server.count).toBe(chats);
    expect(server.batch.counts.create).toBe(batches.length);
    expect(c.totals.cachedCalls).toBe(c.totals.calls);
    expect(c.totals.calls).toBe(counts.size);
    expect(verdicts(c)).toEqual(verdicts(a));
  });

  it('compare --batch in a git repo: both sides batched, the same verdicts as a normal compare, each line submitted once', async () => {
    const dir = await makeProject({});
    initRepo(dir);
    const words = wordsOf(6);
    await commitFiles(dir, { 'eval.config.mjs': config(), 'prompts/shout.prompt': prompt('1.0.0', 'Answer with the word in capitals.'), 'evals/shout.csv': cases(words), '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'v1');
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.1.0', 'Answer with the word; whisper it.') }, 'v2');
    const compareIn = async (options: Omit<Parameters<typeof compare>[0], 'baseline'>) => {
      const [stdout, stderr] = [sink(), sink()];
      const result = await compare({ baseline: 'HEAD~1', noCache: true, ...options }, { cwd: dir, env: ENV, stdout: stdout.stream, stderr: stderr.stream, clock: virtualClock() });
      if (!result.ok) throw new Error(result.error.text);
      return result;
    };
    const normal = await compareIn({});
    const chats = server.count;
    expect(chats).toBeGreaterThan(0);
    const batched = await compareIn({ batch: true });
    const [a, b] = [await readRun(normal.runDir), await readRun(batched.runDir)];
    expect(b.status).toBe('complete');
    expect(batched.exitCode).toBe(normal.exitCode);
    expect(verdicts(b)).toEqual(verdicts(a));
    expect(Object.values(verdicts(b)).filter((v) => v.change === 'regressed').length).toBeGreaterThan(0);
    expect(server.count).toBe(chats);
    const ids = server.batch.submittedCustomIds();
    expect(new Set(ids).size).toBe(ids.length);
    const calls = await readCalls(batched.runDir);
    expect(ids).toHaveLength(calls.length);
    expect(new Set(calls.map((c) => c.side))).toEqual(new Set(['baseline', 'candidate']));
    expect(calls.every((c) => typeof c.batch?.id === 'string' && c.batch.id.startsWith('batch_mock'))).toBe(true);
    expect(b.totals.costUsd).toBeCloseTo(a.totals.costUsd! / 2, 12);
  });

  it('--batch-timeout: exit 3, run.json interrupted (batch_timeout) with the resume command printed; that command finishes the run, nothing submitted twice', async () => {
    const words = ['word1', 'word2', 'word4', 'word5'];
    const dir = await project(words, 'batch: { pollMs: 60000 },');
    server.batch.configure({ pollsPerState: { in_progress: 1_000_000 } });
    const stopped = await runIn(dir, { batch: true, noCache: true, batchTimeoutMs: 90 * 60_000 });
    expect(stopped.exitCode).toBe(3);
    expect(stopped.run.status).toBe('interrupted');
    const folder = relative(dir, stopped.runDir);
    const command = `promptgate run --no-cache --batch --resume ${folder}`;
    expect(stopped.run.stopped).toMatchObject({ reason: 'batch_timeout', resume: command });
    expect(stopped.stderr).toContain(`resume with: ${command}`);
    expect((await readRun(stopped.runDir)).stopped?.reason).toBe('batch_timeout');
    // Usually one batch. The run's clock moves by its sleeps alone (its 2 s quiet time passes in a
    // real millisecond), so on a loaded machine a case queued a moment late goes in a second batch:
    // what is checked is that every batch was waited for, and that the resume submits none again.
    const stoppedBatches = server.batch.batches.length;
    expect(stoppedBatches).toBeGreaterThanOrEqual(1);
    expect(server.batch.counts.create).toBe(stoppedBatches);
    expect(server.batch.counts.upload).toBe(stoppedBatches);
    for (const batch of server.batch.batches) {
      expect(batch.state).toBe('in_progress');
      expect(batch.polls).toBeGreaterThan(0);
    }
    // The first batch (made at the start) polled every 60 s of the run's clock for the 90 min, through
    // the SDK; a later one from the minutes of run time it was made at.
    expect(server.batch.batches[0].polls).toBeGreaterThan(80);
    const submitted = server.batch.submittedCustomIds();
    expect(submitted).toHaveLength(words.length);
    expect(new Set(submitted).size).toBe(words.length);

    // The batch ends meanwhile; the printed command (the CLI, in this process) takes its results and submits nothing.
    // A batch it would create is refused (and counted): a resubmitting resume errs at once instead of polling on its 60 s interval.
    server.batch.configure({ pollsPerState: 1, fault: ({ endpoint }) => (endpoint === 'create' ? { fault: 'status', status: 400 } : undefined) });
    const resumed = await runCliInProcess(command.split(' ').slice(1), { cwd: dir, env: ENV });
    expect(server.batch.counts.create).toBe(stoppedBatches);
    expect(server.batch.counts.upload).toBe(stoppedBatches);
    expect(server.batch.submittedCustomIds()).toEqual(submitted);
    expect(server.count).toBe(0);
    expect(resumed.code, resumed.stderr).toBe(0);
    const record = await readRun(stopped.runDir);
    expect(record.status).toBe('complete');
    expect(statuses(record)).toEqual(words.map(() => 'pass'));
  });

  it('polls that fail (a 503, a reset, a poll that hangs past the model timeout) and a results download that fails are tried again: the run completes, nothing submitted twice', async () => {
    const words = ['word1', 'word2', 'word4'];
    const dir = await project(words);
    await writeFile(join(dir, 'eval.config.mjs'), config('batch: { pollMs: 60000 },').replace('maxRetries: 2 }', 'maxRetries: 2, timeoutMs: 200 }'));
    server.batch.configure({
      fault: ({ endpoint, n }) =>
        endpoint === 'retrieve' ? ({ 2: { fault: 'status', status: 503 }, 3: { fault: 'reset' }, 4: { fault: 'hang' } } as const)[n] : endpoint === 'content' && n === 1 ? { fault: 'status', status: 500 } : undefined,
    });
    const done = await runIn(dir, { batch: true, noCache: true, batchTimeoutMs: 24 * 3_600_000 });
    expect(done.run.status).toBe('complete');
    expect(statuses(await readRun(done.runDir))).toEqual(['pass', 'pass', 'pass']);
    expect(server.batch.submittedCustomIds()).toHaveLength(3);
    expect(new Set(server.batch.submittedCustomIds()).size).toBe(3);
    // Polled past the three failed polls (each a retry, none moving the batch on), the results read again after the 500.
    // At least twice, not exactly: the model's 200 ms timeout (there to cut the hanging poll) can cut
    // a download on a loaded machine too, and an ended batch's results are read again (never resent).
    expect(server.batch.counts.retrieve).toBeGreaterThan(7);
    expect(server.batch.counts.content).toBeGreaterThanOrEqual(2);
  });

  it('the CLI killed (SIGKILL) while waiting for its batch, then resumed: re-attaches, submits nothing twice, and equals a normal run', async () => {
    const words = wordsOf(12);
    // The reference: these 12 cases' verdicts in the file's normal run (made here if this test runs alone).
    const normal = await normalVerdicts(words);
    expect(words.filter((word) => normal[word] === undefined)).toEqual([]);
    const dir = await project(words, 'batch: { pollMs: 20 },');
    const chats = server.count;

    // The batch stays in progress; the test learns of its third poll (polls come after batches.jsonl has the batch).
    let polled!: () => void;
    const firstPoll = new Promise<void>((resolve) => (polled = resolve));
    server.batch.configure({ pollsPerState: { in_progress: 1_000_000 }, fault: ({ endpoint, n }) => (endpoint === 'retrieve' && n >= 3 ? void polled() : undefined) });
    let child: ChildProcess | undefined;
    const exited = runCli(['run', '--batch', '--no-cache'], { cwd: dir, env: ENV, onSpawn: (spawned) => (child = spawned) });
    await Promise.race([firstPoll, exited.then((r) => Promise.reject(new Error(`the CLI ended before polling (exit ${r.code}): ${r.stderr}`)))]);
    // The spawned run's folder: the only one in this project.
    const folders = await runFolders(dir);
    expect(folders).toHaveLength(1);
    const [runDir] = folders;
    const [batch] = server.batch.batches;
    expect(server.batch.counts.create).toBe(1);
    expect(await batchLogText(runDir)).toContain(`"kind":"submitted","id":"${batch.id}"`);
    child!.kill('SIGKILL');
    const killed = await exited;
    expect(killed.signal).toBe('SIGKILL');
    const before = [...batch.customIds];
    expect(before).toHaveLength(words.length);

    // Resumed in this process: the batch ends at its next poll; the judge's calls go out in a new batch.
    server.batch.configure({ pollsPerState: 1, fault: undefined });
    const pollsBefore = batch.polls;
    const resumed = await runIn(dir, { batch: true, noCache: true, resume: relative(dir, runDir) });
    // At the server: no line of the killed run's batch submitted again, every custom id once; that batch polled again and read.
    const later = server.batch.batches.slice(1);
    expect(later.flatMap((x) => x.customIds).filter((id) => before.includes(id))).toEqual([]);
    expect(later.map((x) => x.model)).toEqual(['gpt-4o']);
    const ids = server.batch.submittedCustomIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(words.length + words.filter(judged).length);
    expect(server.count).toBe(chats);
    expect(server.batch.batches[0].polls).toBeGreaterThan(pollsBefore);
    expect(server.batch.batches[0].state).toBe('completed');
    const record = await readRun(resumed.runDir);
    expect(resumed.runDir).toBe(runDir);
    expect(record.status).toBe('complete');
    expect(verdicts(record)).toEqual(normal);
    expect(statuses(record)).not.toContain('error');
    expect(record.batches?.find((x) => x.id === batch.id)).toMatchObject({ model: 'mini', requests: words.length, state: 'completed', succeeded: words.length, failed: 0 });
    const calls = await readCalls(runDir);
    expect(calls.filter((c) => c.purpose === 'eval').every((c) => c.batch?.id === batch.id)).toBe(true);
  });
});
