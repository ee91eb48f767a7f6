import { existsSync } from 'node:fs';
import { appendFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { history } from 'promptgate/node';
import type { HistoryEntry } from '../../src/history/types.js';
import { makeProject, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { initAndCommit } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';
import { WORDS, wordCases, wordPrompt } from '../helpers/word-suite.js';

/**
 * `reports/index.jsonl` and `promptgate history` on real run folders: runs made by the CLI
 * in-process against the local OpenAI server (run, an interrupted run, compare, shards and their
 * merge), one index line each with the run's figures; the index rebuilt from the folders when it
 * is missing or stale; filters; a torn line; hostile suite and model names in the Markdown.
 */

/** A suite and a model whose names try to break out of a Markdown table, into HTML, a mention, and a workflow command. */
const HOSTILE_SUITE = 'x | <img src=x onerror=alert(1)> **b** [l](http://evil.test) @admin #12\n::error::pwned';
const HOSTILE_MODEL = 'm|<script>alert(1)</script>_`code`_';
const KEY = 'sk-history-test';
/** A reporter that tells the test how many cases are done (the CLI runs in this process). */
const ABORT_REPORTER = `let done = 0;
export default { name: 'abort-after', onCaseResult() { globalThis.__historyTestCase?.(++done); } };
`;

/** Capitals when told to shout; after `sloppy` is set, lower case for the words in it. */
let sloppy = new Set<string>();
/** The model version the server reports. */
let reported = 'shout-2026-01-01';
/** Words whose calls hang (for the interrupted run). */
let hang = new Set<string>();

describe('run history: index.jsonl and promptgate history', () => {
  let server: MockServer;
  let dir: string;
  let head: string;
  const summaryFile = () => join(dir, 'step-summary.md');
  const cli = (args: string[], signal?: AbortSignal): Promise<CliResult> =>
    runCliInProcess(args, { cwd: dir, env: { HISTORY_KEY: KEY, GITHUB_STEP_SUMMARY: summaryFile() }, signal });
  const indexLines = async () => (await readFile(join(dir, 'reports', 'index.jsonl'), 'utf8')).split('\n').filter(Boolean);
  const indexEntries = async () => (await indexLines()).map((line) => JSON.parse(line) as HistoryEntry);
  const newest = async () => (await runFolders(dir)).at(-1)!;

  beforeAll(async () => {
    server = await startOpenAIServer({
      respond: (req) => {
        const word = textOf(req.messages.at(-1)?.content).trim();
        if (hang.has(word)) return { fault: 'hang' };
        const system = textOf(req.messages.find((m) => m.role === 'system')?.content);
        const shout = !system.includes('sloppy') && !sloppy.has(word);
        return { content: shout ? word.toUpperCase() : word, model: reported };
      },
    });
    dir = await makeProject({});
    const config = `export default {
  models: {
    m: { provider: 'openai', model: 'shout', baseURL: '${server.url}', apiKeyEnv: 'HISTORY_KEY', maxRetries: 0 },
    ${JSON.stringify(HOSTILE_MODEL)}: { provider: 'openai', model: 'shout', baseURL: '${server.url}', apiKeyEnv: 'HISTORY_KEY', maxRetries: 0 },
  },
  suites: [{ prompt: 'shout', models: ['m'] }, { name: ${JSON.stringify(HOSTILE_SUITE)}, prompt: 'shout', models: [${JSON.stringify(HOSTILE_MODEL)}] }],
  concurrency: 20,
  reporters: ['json'],
};
`;
    head = await initAndCommit(dir, { 'eval.config.mjs': config, 'prompts/shout.prompt': wordPrompt('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': wordCases(WORDS), '.gitignore': 'reports/\n.promptgate-cache/\n', 'abort-after.mjs': ABORT_REPORTER }, 'v1');

    // 1. Every case passes.
    const first = await cli(['run', '--no-cache']);
    expect(first.code, first.stderr).toBe(0);
    // 2. Three words fail, and the API reports a new model version.
    sloppy = new Set(['apple', 'banana', 'cherry']);
    reported = 'shout-2026-02-01';
    const second = await cli(['run', '--no-cache']);
    expect(second.code, second.stderr).toBe(0);
    // 3. Interrupted: two words never answer; the run is stopped once the 8 other cases of the
    //    first suite are in (a reporter in this process counts them: the CLI runs in-process).
    hang = new Set(['kiwi', 'lemon']);
    const controller = new AbortController();
    (globalThis as Record<string, unknown>).__historyTestCase = (done: number) => done === 8 && controller.abort();
    const third = await cli(['run', '--no-cache', '--reporter', 'json', '--reporter', './abort-after.mjs'], controller.signal);
    expect(third.code, third.stderr).toBe(130);
    hang = new Set();
    // 4. compare: the working tree's prompt is worse than HEAD's; the index holds the candidate's outcomes.
    sloppy = new Set();
    await writeFile(join(dir, 'prompts/shout.prompt'), wordPrompt('1.1.0', 'Repeat the word, be sloppy.'));
    const compared = await cli(['compare', '--baseline', 'HEAD', '--no-cache', 'shout']);
    expect(compared.code, compared.stderr).toBe(1);
    await writeFile(join(dir, 'prompts/shout.prompt'), wordPrompt('1.0.0', 'Repeat the word in capitals.'));
    // 5. Two shards and their merge: the merged run is the run the history shows.
    for (const shard of ['1/2', '2/2']) {
      const part = await cli(['run', '--no-cache', '--shard', shard]);
      expect(part.code, part.stderr).toBe(0);
    }
    const [shard1, shard2] = (await runFolders(dir)).slice(-2);
    const merged = await cli(['merge', shard1, shard2]);
    expect(merged.code, merged.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every run, compare, interrupted run, shard and merge added exactly one index line with its figures', async () => {
    const folders = await runFolders(dir);
    const entries = await indexEntries();
    expect(entries.map((e) => e.runDir)).toEqual(folders.map((f) => f.split('/').at(-1)));
    expect(entries.map((e) => e.command)).toEqual(['run', 'run', 'run', 'compare', 'run', 'run', 'run']);
    for (const entry of entries) {
      const run = await readRun(join(dir, 'reports', entry.runDir));
      expect(entry).toMatchObject({ v: 1, runId: run.runId, status: run.status, startedAt: run.startedAt, finishedAt: run.finishedAt, gitCommit: head });
    }

    const [first, second, interrupted, compare] = entries;
    const row = (entry: HistoryEntry, suite: string) => entry.rows.find((r) => r.suite === suite)!;
    expect(first.verdict).toBe('pass');
    expect(row(first, 'shout')).toMatchObject({
      model: 'm', promptId: 'shout', promptVersion: '1.0.0', modelsReported: ['shout-2026-01-01'], cases: 10, passed: 10, failed: 0, errored: 0, selected: 10, passRate: 1, meanScore: 1,
    });
    expect(row(first, 'shout').latencyP50).toEqual(expect.any(Number));
    expect(row(first, 'shout').latencyP95).toEqual(expect.any(Number));
    expect(Object.values(row(first, 'shout').outcomes)).toEqual(WORDS.map(() => 'p'));
    expect(row(first, HOSTILE_SUITE).model).toBe(HOSTILE_MODEL);

    expect(row(second, 'shout')).toMatchObject({ passed: 7, failed: 3, passRate: 0.7, modelsReported: ['shout-2026-02-01'] });
    expect(Object.values(row(second, 'shout').outcomes).filter((o) => o === 'f')).toHaveLength(3);

    // Stopped short: the line says so, and how many of the selected cases ran.
    expect(interrupted).toMatchObject({ status: 'interrupted' });
    expect(row(interrupted, 'shout')).toMatchObject({ cases: 8, selected: 10, passed: 5, failed: 3 });
    expect(Object.keys(row(interrupted, 'shout').outcomes)).toHaveLength(8);

    // compare: the candidate (working tree, 1.1.0, every answer wrong), not the baseline (all pass).
    expect(compare.verdict).toBe('fail');
    expect(row(compare, 'shout')).toMatchObject({ promptVersion: '1.1.0', passed: 0, failed: 10, passRate: 0 });
    expect(new Set(Object.values(row(compare, 'shout').outcomes))).toEqual(new Set(['f']));

    const [shardA, shardB, merged] = entries.slice(4);
    expect([shardA.shard, shardB.shard, merged.shard]).toEqual(['1/2', '2/2', undefined]);
    expect(row(merged, 'shout')).toMatchObject({ cases: 10, passed: 10 });
    expect(Object.keys(row(shardA, 'shout').outcomes).length + Object.keys(row(shardB, 'shout').outcomes).length).toBe(10);
  });

  it('history writes the page and the Markdown (shards left out), appends it to the step summary, and escapes hostile names', async () => {
    await rm(summaryFile(), { force: true });
    const result = await cli(['history']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const md = await readFile(join(dir, 'reports', 'history.md'), 'utf8');
    expect(existsSync(join(dir, 'reports', 'history.html'))).toBe(true);
    expect(await readFile(summaryFile(), 'utf8')).toBe(md);
    expect(md).toContain('5 runs');
    expect(md).toContain('2 shard runs (`--shard`) left out');
    // shout on m: 100 %, 70 %, 5 of 8 (interrupted), 0 % (compare), 100 % (merged).
    const shoutRow = md.split('\n').find((line) => line.startsWith('| shout | m |'))!;
    expect(shoutRow).toContain('| █▆▅▁█ |');
    expect(shoutRow).toContain('100.0% (10 of 10)');
    expect(shoutRow).toContain('+100.0 pp');

    // The hostile names: one row of 7 cells, nothing live.
    const rows = md.split('\n').filter((line) => line.startsWith('| '));
    expect(rows).toHaveLength(4);
    for (const line of rows) expect(line.replace(/\\\|/g, '').split('|')).toHaveLength(9);
    expect(md).not.toMatch(/<img|<script|\]\(|`code`|\*\*b\*\*/);
    expect(md).not.toMatch(/@admin|#12/);
    expect(md.split('\n').some((line) => line.trimStart().startsWith('::'))).toBe(false);
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('filters by suite, model and --since; a bad --since or a filter that keeps nothing is exit 2, one line, nothing written', async () => {
    const api = await history({ suite: 'shout', model: 'm', out: 'out/h.html' }, { cwd: dir, env: {}, stdout: sink(), stderr: sink() });
    if (!api.ok) throw new Error(api.error.text);
    expect(api.entries).toHaveLength(5);
    expect(api.entries.every((e) => e.rows.length === 1 && e.rows[0].suite === 'shout' && e.rows[0].model === 'm')).toBe(true);
    expect(api.html).toBe(join(dir, 'out', 'h.html'));
    expect(await readFile(join(dir, 'out', 'h.md'), 'utf8')).not.toContain('onerror');

    const byModel = await history({ model: HOSTILE_MODEL }, { cwd: dir, env: {}, stdout: sink(), stderr: sink() });
    expect(byModel.ok && byModel.entries.every((e) => e.rows.every((r) => r.suite === HOSTILE_SUITE))).toBe(true);

    // --since: the first run moved back a year in the index is left out of 30d.
    const lines = await indexLines();
    const moved = { ...JSON.parse(lines[0]), startedAt: '2025-01-02T00:00:00.000Z' };
    await writeFile(join(dir, 'reports', 'index.jsonl'), [JSON.stringify(moved), ...lines.slice(1)].map((l) => `${l}\n`).join(''));
    const recent = await history({ since: '30d' }, { cwd: dir, env: {}, stdout: sink(), stderr: sink() });
    expect(recent.ok && recent.entries.map((e) => e.runId)).toEqual((await indexEntries()).filter((e) => !e.shard).slice(1).map((e) => e.runId));
    const sinceDate = await history({ since: '2025-01-01' }, { cwd: dir, env: {}, stdout: sink(), stderr: sink() });
    expect(sinceDate.ok && sinceDate.entries).toHaveLength(5);
    await writeFile(join(dir, 'reports', 'index.jsonl'), lines.map((l) => `${l}\n`).join(''));

    const before = await readFile(join(dir, 'reports', 'index.jsonl'), 'utf8');
    const bad = await cli(['history', '--since', 'last tuesday', '--out', 'bad/h.html']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('promptgate: --since: "last tuesday" is neither a span nor a date (use e.g. 30d, 12h, 2w, 2026-11-01 or 2026-11-01T12:00:00Z)\n');
    const noSuite = await cli(['history', '--suite', 'nope', '--out', 'bad/h.html']);
    expect(noSuite.code).toBe(2);
    expect(noSuite.stderr).toMatch(/^promptgate: --suite: no run in reports has suite "nope" \(suites: .*"shout".*\)\n$/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    expect(await readFile(join(dir, 'reports', 'index.jsonl'), 'utf8')).toBe(before);
  });

  it('a torn last line and a foreign line are skipped with a warning; the next run still adds a whole line', async () => {
    const index = join(dir, 'reports', 'index.jsonl');
    const good = await indexLines();
    await appendFile(index, '{"hello":"world"}\n{"v":1,"runId":"2026-11-30T');
    const read = await cli(['history']);
    expect(read.code, read.stderr).toBe(0);
    expect(read.stderr).toBe(
      `promptgate: warning: reports/index.jsonl:${good.length + 1}: skipped a line that is not a run history entry this version reads\n` +
        `promptgate: warning: reports/index.jsonl:${good.length + 2}: skipped a line that is not whole JSON (a write cut short?)\n`,
    );
    expect(await readFile(join(dir, 'reports', 'history.md'), 'utf8')).toContain('5 runs');

    const next = await cli(['run', '--no-cache', 'shout']);
    expect(next.code, next.stderr).toBe(0);
    const after = await indexLines();
    expect(after.slice(0, good.length + 1)).toEqual([...good, '{"hello":"world"}']);
    expect(after[good.length + 1]).toBe('{"v":1,"runId":"2026-11-30T');
    expect(JSON.parse(after[good.length + 2]).runDir).toBe((await newest()).split('/').at(-1));
  });

  it('rebuilds index.jsonl from the run folders when it is missing or stale, the same lines as the runs wrote', async () => {
    const index = join(dir, 'reports', 'index.jsonl');
    const parsed = (line: string) => {
      try {
        return JSON.parse(line) as HistoryEntry;
      } catch {
        return undefined;
      }
    };
    const written = new Map((await indexLines()).map(parsed).filter((e) => e?.v === 1).map((e) => [e!.runId, e!]));

    // Missing: made again from every folder, equal to what the runs appended.
    await rm(index);
    const rebuilt = await cli(['history']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toContain(`index rebuilt: ${written.size} added)`);
    const lines = await indexEntries();
    expect(lines).toHaveLength(written.size);
    for (const entry of lines) expect(entry).toEqual(written.get(entry.runId));

    // --rebuild: every line made again, whatever the index says.
    await writeFile(index, lines.map((e) => `${JSON.stringify({ ...e, rows: e.rows.map((r) => ({ ...r, passRate: 0.5 })) })}\n`).join(''));
    expect((await cli(['history', '--rebuild'])).code).toBe(0);
    expect(await indexEntries()).toEqual(lines);

    // Stale: a folder with no line is added, a line whose folder is gone is kept (pruned folders keep their history), a copy of a run (baseline/) is no run.
    const [, gone, missing] = lines;
    await rm(join(dir, 'reports', gone.runDir), { recursive: true });
    await writeFile(index, lines.filter((e) => e.runId !== missing.runId).map((e) => `${JSON.stringify(e)}\n`).join(''));
    await mkdir(join(dir, 'reports', 'baseline'));
    await cp(join(dir, 'reports', lines[0].runDir, 'run.json'), join(dir, 'reports', 'baseline', 'run.json'));
    const stale = await cli(['history']);
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stdout).toContain('index rebuilt: 1 added)');
    expect(stale.stdout).toContain('(1 whose run folder is gone');
    const after = await indexEntries();
    expect(after.map((e) => e.runId)).toEqual(lines.map((e) => e.runId));
    expect(after.find((e) => e.runId === missing.runId)).toEqual(missing);
    expect(after.find((e) => e.runId === gone.runId)).toEqual(gone);

    // Up to date: read as it is, not written again.
    const text = await readFile(index, 'utf8');
    const fresh = await cli(['history']);
    expect(fresh.stdout).not.toContain('index rebuilt');
    expect(await readFile(index, 'utf8')).toBe(text);

    // --rebuild: from the folders present, so the line of the folder that is gone goes.
    expect((await cli(['history', '--rebuild'])).code).toBe(0);
    expect((await indexEntries()).map((e) => e.runId)).toEqual(lines.filter((e) => e.runId !== gone.runId).map((e) => e.runId));
  });
});

function sink(): NodeJS.WritableStream {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}
