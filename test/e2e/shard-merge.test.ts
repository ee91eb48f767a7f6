import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer } from '../helpers/openai-server.js';
import { readCalls, readRun } from '../helpers/runs.js';
import type { RunFile, SummaryRow } from '../../src/run-record/types.js';

/**
 * A deterministic model: "yes" for item n unless n is a multiple of 4 (or, when the system
 * message says "strict", also of 5). The second model also says "no" to multiples of 7.
 */
function answer(request: IncomingChat): string {
  const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
  const n = Number(/item (\d+)/.exec(textOf(request.messages.at(-1)?.content))?.[1]);
  const no = n % 4 === 0 || (system.includes('strict') && n % 5 === 0) || (request.model === 'model-b' && n % 7 === 0);
  return no ? 'no' : 'yes';
}

const caseRows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${from + i},contains:yes`);
const CSV = (rows: string[]) => ['n,__expected', ...rows].join('\n');
const PROMPT = (system: string) => `---\nversion: 1.0.0\n---\n{{role "system"}}\n${system}\n{{role "user"}}\nIs item {{n}} fine?\n`;

/** The one run folder in `dir` (beside it: index.jsonl, the run history). */
async function onlyRun(dir: string): Promise<string> {
  const [folder] = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory());
  return join(dir, folder.name);
}

/** The deterministic part of a summary row (latencies vary between runs). */
const stable = (rows: SummaryRow[]) => rows.map(({ latencyP50: _p50, latencyP95: _p95, ...rest }) => rest);
const statuses = (run: RunFile) => run.cases.map((c) => `${c.suite}/${c.model}/${c.caseId}:${c.status}${c.change ? `:${c.change}` : ''}`);

describe('--shard i/n and promptgate merge', () => {
  let server: MockServer;
  let dir: string;
  const run = (args: string[]): Promise<CliResult> => runCliInProcess(args, { cwd: dir, env: { SHARD_TEST_KEY: 'sk-shard' } });

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (request) => ({ content: answer(request) }) });
    dir = await makeProject({
      'eval.config.mjs': `export default {
  models: {
    'model-a': { provider: 'openai', model: 'model-a', baseURL: '${server.url}', apiKeyEnv: 'SHARD_TEST_KEY' },
    'model-b': { provider: 'openai', model: 'model-b', baseURL: '${server.url}', apiKeyEnv: 'SHARD_TEST_KEY' },
  },
  suites: [{ prompt: 'items', models: ['model-a', 'model-b'] }],
  gate: { minPassRate: 0.9 },
  concurrency: 4,
  reporters: ['json'],
};
`,
      'prompts/items.prompt': PROMPT('Answer yes or no.'),
      'evals/items.csv': CSV(caseRows(1, 31)),
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('3 shards merged give the unsharded run: same cases in the same order, statuses, summary and gate verdict', async () => {
    const full = await run(['run', '--no-cache', '--out', 'full']);
    // 30 cases × 2 models; multiples of 4 (and of 7 on model-b) fail: below the 0.9 floor → exit 1.
    expect(full.code).toBe(1);
    const shardCodes: Array<number | null> = [];
    for (const i of [1, 2, 3]) shardCodes.push((await run(['run', '--no-cache', '--shard', `${i}/3`, '--out', `shards/${i}`])).code);
    const shards = await Promise.all([1, 2, 3].map(async (i) => readRun(await onlyRun(join(dir, 'shards', String(i))))));
    // Every case is in exactly one shard, and no shard is empty.
    expect(shards.map((s) => s.cases.length).every((n) => n > 0)).toBe(true);
    expect(shards.reduce((sum, s) => sum + s.cases.length, 0)).toBe(60);
    // A shard of about ten cases per model cannot tell 80% from the 90% floor: inconclusive (exit 4); the whole run can.
    expect(shardCodes.every((code) => code === 1 || code === 4)).toBe(true);
    expect(shardCodes).toContain(4);
    expect(shards.find((s, i) => shardCodes[i] === 4)?.gate?.verdict).toBe('inconclusive');

    const shardDirs = await Promise.all([3, 1, 2].map(async (i) => onlyRun(join(dir, 'shards', String(i)))));
    // The config's reporter (json) and csv: every reporter `run` has is available to merge (the
    // config's reporters alone are what the compare merge below uses).
    const merged = await run(['merge', ...shardDirs, '--out', 'merged', '--reporter', 'json', '--reporter', 'csv']);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(full.code);

    const expected = await readRun(await onlyRun(join(dir, 'full')));
    const mergedDir = await onlyRun(join(dir, 'merged'));
    const actual = await readRun(mergedDir);
    expect(statuses(actual)).toEqual(statuses(expected));
    expect(actual.cases.map((c) => c.source)).toEqual(expected.cases.map((c) => c.source));
    expect(stable(actual.summary)).toEqual(stable(expected.summary));
    expect(actual.totals).toEqual(expected.totals);
    expect(actual.gate).toEqual(expected.gate);
    expect(actual.gate?.verdict).toBe('fail');
    expect(actual.options.shard).toBeUndefined();
    expect(actual.models.map((m) => [m.name, m.reported])).toEqual(expected.models.map((m) => [m.name, m.reported]));

    expect((await readFile(join(mergedDir, 'results.csv'), 'utf8')).trim().split('\n')).toHaveLength(expected.cases.length + 1);

    const calls = await readCalls(mergedDir);
    expect(calls).toHaveLength(60);
    expect(new Set(calls.map((c) => c.runId))).toEqual(new Set([actual.runId]));
    expect(calls.map((c) => `${c.model}/${c.caseId}`).sort()).toEqual(expected.cases.map((c) => `${c.model}/${c.caseId}`).sort());
  });

  it('merges compare shards: the same comparison and verdict as the unsharded compare', async () => {
    const baseline = join(await onlyRun(join(dir, 'full')), 'run.json');
    await writeFile(join(dir, 'prompts/items.prompt'), PROMPT('Answer yes or no. Be strict.'));
    try {
      const full = await run(['compare', '--baseline', `run:${baseline}`, '--no-cache', '--out', 'cmp-full']);
      for (const i of [1, 2, 3]) await run(['compare', '--baseline', `run:${baseline}`, '--no-cache', '--shard', `${i}/3`, '--out', `cmp-shards/${i}`]);
      const shardDirs = await Promise.all([1, 2, 3].map(async (i) => onlyRun(join(dir, 'cmp-shards', String(i)))));
      const merged = await run(['merge', ...shardDirs, '--out', 'cmp-merged']);
      // 5, 10, 15, 25 and 30 regress on both models: the gate fails (exit 1) both ways.
      expect(full.code).toBe(1);
      expect(merged.stderr).toBe('');
      expect(merged.code).toBe(1);
      const expected = await readRun(await onlyRun(join(dir, 'cmp-full')));
      const actual = await readRun(await onlyRun(join(dir, 'cmp-merged')));
      expect(statuses(actual)).toEqual(statuses(expected));
      expect(actual.comparison?.rows).toEqual(expected.comparison?.rows);
      expect(actual.comparison?.gate).toEqual(expected.comparison?.gate);
      // Where the answers came from adds up over the shards: a stored baseline, a candidate drawn without the cache.
      expect(actual.comparison?.sampling).toEqual(expected.comparison?.sampling);
      expect(actual.comparison?.sampling).toMatchObject({ candidate: 'fresh', baseline: 'stored', choice: 'no-cache', by: '--no-cache' });
      expect(actual.gate).toEqual(expected.gate);
      expect(actual.comparison?.rows.map((r) => r.counts.regressed)).toEqual([5, 5]);
    } finally {
      await writeFile(join(dir, 'prompts/items.prompt'), PROMPT('Answer yes or no.'));
    }
  });

  it('refuses overlapping shards and shards of different prompt versions (exit 2)', async () => {
    const one = await onlyRun(join(dir, 'shards', '1'));
    const twice = await run(['merge', one, one, '--out', 'bad']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/shard 1\/3 is given twice/);

    const full = await onlyRun(join(dir, 'full'));
    const overlap = await run(['merge', one, full, '--out', 'bad']);
    expect(overlap.code).toBe(2);
    expect(overlap.stderr).toMatch(/the shards overlap: case "[0-9a-f]+" of suite "items"/);

    await writeFile(join(dir, 'prompts/items.prompt'), PROMPT('Answer yes or no!'));
    try {
      expect((await run(['run', '--no-cache', '--shard', '2/3', '--out', 'changed'])).code).not.toBe(2);
    } finally {
      await writeFile(join(dir, 'prompts/items.prompt'), PROMPT('Answer yes or no.'));
    }
    const mixed = await run(['merge', one, await onlyRun(join(dir, 'changed')), '--out', 'bad']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/different prompt versions: items@1\.0\.0 [0-9a-f]{12} \(candidate\)/);
    expect(mixed.stderr).not.toMatch(/\n\s+at /);
  });

  it('keeps every case in its shard when cases are added', async () => {
    const before = await Promise.all([1, 2, 3].map(async (i) => new Set((await readRun(await onlyRun(join(dir, 'shards', String(i))))).cases.map((c) => c.caseId))));
    // New rows before, between and after the old ones.
    await writeFile(join(dir, 'evals/items.csv'), CSV([...caseRows(100, 110), ...caseRows(1, 16), ...caseRows(200, 210), ...caseRows(16, 31), ...caseRows(300, 310)]));
    const after = [];
    for (const i of [1, 2, 3]) {
      await run(['run', '--no-cache', '--shard', `${i}/3`, '--out', `grown/${i}`]);
      after.push(new Set((await readRun(await onlyRun(join(dir, 'grown', String(i))))).cases.map((c) => c.caseId)));
    }
    const oldIds = new Set(before.flatMap((s) => [...s]));
    expect(oldIds.size).toBe(30);
    for (const [i, ids] of before.entries()) {
      const kept = [...after[i]].filter((id) => oldIds.has(id));
      expect(new Set(kept)).toEqual(ids);
    }
    expect(after.reduce((sum, s) => sum + s.size, 0)).toBe(60);
  });
});
