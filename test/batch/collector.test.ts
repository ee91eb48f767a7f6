import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendBatchLog, BATCHES_FILE, customIdOf, readBatchLog } from '../../src/batch/batch-log.js';
import { createBatchCollector, type BatchCollectorOptions } from '../../src/batch/collector.js';
import { DEFAULT_BATCH } from '../../src/config/defaults.js';
import { splitByLimits } from '../../src/batch/split.js';
import type { BatchLine, BatchTransport } from '../../src/batch/types.js';
import type { RunNotice } from '../../src/reporters/types.js';
import type { Provider, ProviderRequest } from '../../src/providers/types.js';
import { commandLine } from '../../src/runner/batch-mode.js';
import { fakeBatchTransport, type FakeBatchOptions } from '../helpers/fake-batch-transport.js';
import { virtualClock } from '../helpers/virtual-clock.js';

const request = (text: string): ProviderRequest => ({ model: 'x', messages: [{ role: 'user', content: text }], params: {} });
const line = (id: string, text = id): BatchLine => ({ customId: id, request: request(text) });

describe('batch pieces', () => {
  it('splits in order within maxRequests and maxBytes; a line above maxBytes goes alone', () => {
    const lines = ['a', 'b', 'c', 'd', 'e'].map((id) => line(id));
    const ids = (batches: BatchLine[][]) => batches.map((batch) => batch.map((l) => l.customId).join(''));
    expect(ids(splitByLimits(lines, { maxRequests: 2, maxBytes: 1e9 }, () => 1))).toEqual(['ab', 'cd', 'e']);
    const size = (l: BatchLine) => (l.customId === 'c' ? 500 : 100);
    expect(ids(splitByLimits(lines, { maxRequests: 100, maxBytes: 250 }, size))).toEqual(['ab', 'c', 'de']);
  });

  it('custom ids: 43 characters of [A-Za-z0-9_-], one per resume key', () => {
    const a = customIdOf('key\u0000eval\u0000candidate');
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(customIdOf('key\u0000eval\u0000candidate')).toBe(a);
    expect(customIdOf('key\u0000eval\u0000baseline')).not.toBe(a);
  });

  it('batches.jsonl: a custom id belongs to the latest batch that holds it; torn and foreign lines are skipped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batch-log-'));
    await appendBatchLog(dir, { kind: 'submitted', id: 'b1', model: 'm', provider: 'openai', submittedAt: 'now', customIds: ['x', 'y'] });
    await appendBatchLog(dir, { kind: 'submitted', id: 'b2', model: 'm', provider: 'openai', submittedAt: 'now', customIds: ['y'] });
    await appendBatchLog(dir, { kind: 'ended', id: 'b1', state: 'completed', endedAt: 'now', counts: { total: 2, succeeded: 1, failed: 1 } });
    const { appendFile } = await import('node:fs/promises');
    await appendFile(join(dir, BATCHES_FILE), '42\n{"kind":"submitted","id":"b3","model":"m","custo');
    const state = await readBatchLog(dir);
    expect(Object.fromEntries([...state.byCustomId].map(([id, at]) => [id, at.id]))).toEqual({ x: 'b1', y: 'b2' });
    expect(state.requests.get('b1')).toBe(2);
    expect((await readBatchLog(join(dir, 'none'))).byCustomId.size).toBe(0);
  });

  it('the resume command quotes what the shell would split', () => {
    expect(commandLine('compare', ['--baseline', "it's main", '--resume', 'reports/a b'])).toBe("promptgate compare --baseline 'it'\\''s main' --resume 'reports/a b'");
  });
});

describe('the collector', () => {
  async function collect(fakeOptions: Partial<FakeBatchOptions>, options: Partial<BatchCollectorOptions> = {}) {
    const fake = fakeBatchTransport({ answer: (r) => ({ ok: true, output: `answer to ${r.messages[0].content}` }), ...fakeOptions });
    const runDir = await mkdtemp(join(tmpdir(), 'collector-'));
    const notices: RunNotice[] = [];
    const clock = virtualClock();
    const collector = createBatchCollector({
      runDir,
      signal: new AbortController().signal,
      clock,
      config: DEFAULT_BATCH,
      maxRetries: () => 2,
      direct: async () => ({ result: { ok: true, output: 'direct' }, attempts: 1, latencyMs: 1 }),
      notify: (notice) => notices.push(notice),
      onTimeout: () => {},
      ...options,
    });
    const provider = { name: 'm', kind: 'fake', model: 'x', call: async () => ({ ok: true, output: '' }), batch: fake.transport } as Provider & { batch: typeof fake.transport };
    const results = await Promise.all(['a', 'b', 'a'].map((id) => collector.call('m', provider, id, request(id), 10)));
    return { fake, results, notices, collector, runDir, clock };
  }

  it('failed polls are tried again with backoff, then the batch is read; each poll is a notice; the same custom id twice is one line', async () => {
    const { fake, results, notices, collector, runDir, clock } = await collect({ pollFault: (_id, n) => (n <= 2 ? { ok: false, error: { code: 'server_error', message: '503', retryable: true, status: 503 } } : undefined) });
    expect(results.map((r) => r.result.ok && r.result.output)).toEqual(['answer to a', 'answer to b', 'answer to a']);
    expect(results.every((r) => r.batchId === 'batch_1' && r.attempts === 1)).toBe(true);
    expect(fake.submissions).toEqual([{ id: 'batch_1', customIds: ['a', 'b'] }]);
    expect(fake.polls.get('batch_1')).toBe(4);
    expect(notices.map((n) => n.kind === 'batch' && n.state)).toEqual(['validating', 'finalizing', 'completed']);
    // The quiet time (2 s, again after the second request came), 30 s to the first poll, 1 s and 2 s after the failed ones, 30 s to the last.
    expect(clock.now()).toBe(2 * 2_000 + 30_000 + 1_000 + 2_000 + 30_000);
    expect(collector.batches()).toEqual([{ id: 'batch_1', model: 'm', provider: 'fake', requests: 2, state: 'completed', succeeded: 2, failed: 0 }]);
    const log = (await readFile(join(runDir, BATCHES_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => l.kind)).toEqual(['submitted', 'ended']);
  });

  it('a batch that failed as a whole (no results): its lines are sent again, and a line that still has none says why the batch failed', async () => {
    const fake = fakeBatchTransport({ answer: () => ({ ok: true, output: 'never read' }), states: ['failed'] });
    const transport: BatchTransport = {
      kind: fake.transport.kind,
      limits: fake.transport.limits,
      lineBytes: (l) => fake.transport.lineBytes(l),
      submit: (lines, signal) => fake.transport.submit(lines, signal),
      poll: async (id, signal) => {
        const status = await fake.transport.poll(id, signal);
        return 'ok' in status ? status : { ...status, message: 'line 1: The input file is empty.' };
      },
      async *results() {},
    };
    const collector = createBatchCollector({
      runDir: await mkdtemp(join(tmpdir(), 'collector-')),
      signal: new AbortController().signal,
      clock: virtualClock(),
      config: DEFAULT_BATCH,
      maxRetries: () => 1,
      direct: async () => ({ result: { ok: true, output: 'direct' }, attempts: 1, latencyMs: 1 }),
      notify: () => {},
      onTimeout: () => {},
    });
    const provider = { name: 'm', kind: 'fake', model: 'x', call: async () => ({ ok: true, output: '' }), batch: transport } as Provider & { batch: BatchTransport };
    const { result, attempts } = await collector.call('m', provider, 'a', request('a'), 10);
    expect(attempts).toBe(2);
    expect(fake.submissions.map((b) => b.customIds)).toEqual([['a'], ['a']]);
    expect(result).toMatchObject({ ok: false, error: { code: 'batch_line_failed', retryable: true } });
    expect(!result.ok && result.error.message).toMatch(/ended without a result for this line \(batch failed: line 1: The input file is empty\.\)$/);
  });

  it('a poll that fails for good fails the lines with its error (not retried, never an answer)', async () => {
    const { results, fake } = await collect({ pollFault: () => ({ ok: false, error: { code: 'auth', message: 'bad key', retryable: false, status: 401 } }) });
    expect(results.map((r) => !r.result.ok && r.result.error.code)).toEqual(['auth', 'auth', 'auth']);
    expect(fake.submissions).toHaveLength(1);
  });

  it('a results stream that breaks part way is read again (lines kept, nothing sent again); still broken after five reads, the unread lines are errors, not sent again', async () => {
    const once = await collect({ readBreaksAfter: (_id, read) => (read === 1 ? 1 : undefined) });
    expect(once.results.map((r) => r.result.ok)).toEqual([true, true, true]);
    expect(once.fake.reads.get('batch_1')).toBe(2);
    expect(once.fake.submissions).toHaveLength(1);
    const always = await collect({ readBreaksAfter: () => 1 });
    expect(always.results.map((r) => (r.result.ok ? 'ok' : r.result.error.code))).toEqual(['ok', 'connection', 'ok']);
    expect(always.results[1].result.ok === false && always.results[1].result.error.retryable).toBe(false);
    expect(always.fake.reads.get('batch_1')).toBe(5);
    expect(always.fake.submissions).toHaveLength(1);
  });
});
