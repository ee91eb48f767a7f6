import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCases } from '../../src/cases/index.js';
import type { TestCase } from '../../src/cases/index.js';
import { loadPrompts, traced } from '../../src/index.js';
import { buildLock, writeLockFile } from '../../src/runtime/lock.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { summarizeSource } from './fixtures.js';

const GREET = '---\nversion: 0.1.0\n---\nHi {{name}}\n';
let server: MockServer;
let project: string;
let hashV1: string;

/** A production log made the way an app makes it: real SDK client, traced, file sink. */
beforeAll(async () => {
  server = await startOpenAIServer({ respond: (req) => ({ content: `answer ${String(req.messages.at(-1)?.content).length}` }) });
  project = await makeProject({ 'prompts/summarize.prompt': summarizeSource('1.0.0'), 'prompts/greet.prompt': GREET });
  const prompts = await loadPrompts({ dir: join(project, 'prompts'), lockFile: false });
  hashV1 = prompts.get('summarize').hash;
  await writeLockFile(join(project, 'prompts.lock.json'), buildLock(prompts.ids().map((id) => ({ ...prompts.get(id), id }))));
  const client = traced(new OpenAI({ apiKey: 'sk-cli-test', baseURL: server.url, maxRetries: 0 }), { file: join(project, 'calls.jsonl') });
  const ask = (text: string) => client.chat.completions.create({ ...prompts.get('summarize').openai({ text }), model: 'gpt-4o-mini' });
  await ask('first text');
  await ask('=1+2 formula-looking');
  await ask('first text');
  await client.chat.completions.create({ ...prompts.get('greet').openai({ name: 'Ada' }), model: 'gpt-4o-mini' });
});
afterAll(() => server.close());

async function readCaseFile(file: string): Promise<TestCase[]> {
  const out: TestCase[] = [];
  for await (const item of readCases([file], { rootDir: project })) out.push(item);
  return out;
}

describe('promptgate cases from-log', () => {
  it('needs --prompt when the log holds several prompts', async () => {
    const result = await runCliInProcess(['cases', 'from-log', 'calls.jsonl'], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/greet, summarize.*--prompt/);
  });

  it('prints JSONL cases, one per distinct variables, that the case reader accepts', async () => {
    const result = await runCliInProcess(['cases', 'from-log', 'calls.jsonl', '--prompt', 'summarize'], { cwd: project });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('wrote 2 case(s) for summarize from 3 call(s)');
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => l.vars)).toEqual([{ text: 'first text' }, { text: '=1+2 formula-looking' }]);
    expect(lines.every((l) => l.assert === undefined)).toBe(true);
    await writeFile(join(project, 'from-log.jsonl'), result.stdout);
    const cases = await readCaseFile(join(project, 'from-log.jsonl'));
    expect(cases.map((c) => c.id)).toEqual(lines.map((l) => l.id));
    expect(cases[0].description).toMatch(/2 calls \(summarize@1\.0\.0\)/);
  });

  it('writes a CSV with --expect-output, values exactly as logged; refuses to overwrite without --force', async () => {
    const args = ['cases', 'from-log', 'calls.jsonl', '-p', 'summarize', '--expect-output', '--out', 'evals/summarize.csv'];
    expect((await runCliInProcess(args, { cwd: project })).code).toBe(0);
    const cases = await readCaseFile(join(project, 'evals/summarize.csv'));
    // No formula prefix: the case renders the prompt production rendered.
    expect(cases.map((c) => c.vars.text)).toEqual(['first text', '=1+2 formula-looking']);
    expect(cases[0].assertions).toMatchObject([{ type: 'equals', value: 'answer 33' }]);

    const again = await runCliInProcess(args, { cwd: project });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists.*--force/);
    expect((await runCliInProcess([...args, '--force'], { cwd: project })).code).toBe(0);
  });

  it('keeps JSON types (JSONL by default); refuses a CSV that would turn false into "false"', async () => {
    const dir = await makeProject({ 'prompts/weather.prompt': '---\nversion: 1.0.0\n---\n{{#if vip}}Dear guest, {{/if}}{{city}}: {{temp}}, {{days}} days\n' });
    const prompts = await loadPrompts({ dir: join(dir, 'prompts'), lockFile: false });
    const client = traced(new OpenAI({ apiKey: 'sk-cli-test', baseURL: server.url, maxRetries: 0 }), { file: join(dir, 'calls.jsonl') });
    const vars = { city: 'Oslo', temp: '-5 degrees', vip: false, days: 3 };
    await client.chat.completions.create({ ...prompts.get('weather').openai(vars), model: 'gpt-4o-mini' });

    const jsonl = await runCliInProcess(['cases', 'from-log', 'calls.jsonl', '--out', 'evals/weather.jsonl'], { cwd: dir });
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const [item] = await readCases([join(dir, 'evals/weather.jsonl')], { rootDir: dir }).next().then((r) => [r.value as TestCase]);
    expect(item.vars).toEqual(vars);

    const csv = await runCliInProcess(['cases', 'from-log', 'calls.jsonl', '--out', 'evals/weather.csv'], { cwd: dir });
    expect(csv.code).toBe(2);
    expect(csv.stderr.trim().split('\n')).toHaveLength(1);
    expect(csv.stderr).toMatch(/^promptgate: cannot write a CSV case file: variable "vip" of case \S+ is a boolean \(false\).*write JSONL instead/);
    await expect(readFile(join(dir, 'evals/weather.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a missing log file', async () => {
    const result = await runCliInProcess(['cases', 'from-log', 'nope.jsonl'], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('log file not found: nope.jsonl');
  });
});

describe('promptgate list --log', () => {
  it('shows which versions served calls, how many, and that they match the lock and the working tree', async () => {
    const result = await runCliInProcess(['list', '--log', 'calls.jsonl'], { cwd: project });
    expect(result.code).toBe(0);
    const row = result.stdout.split('\n').find((line) => line.includes('summarize'));
    expect(row).toBeDefined();
    expect(row).toContain('1.0.0');
    expect(row).toContain(hashV1);
    expect(row).toMatch(/│ 3 +│ 0 +│/);
    expect(row).toContain('gpt-4o-mini-2024-01-01');
    expect(row).toContain('locked');
    expect(row).toContain('same');
  });

  it('flags a working tree and a lock that moved on (JSON output)', async () => {
    const dir = await makeProject({ 'prompts/summarize.prompt': summarizeSource('1.1.0'), 'calls.jsonl': await readFile(join(project, 'calls.jsonl'), 'utf8') });
    const v2 = await loadPrompts({ dir: join(dir, 'prompts') });
    await writeLockFile(join(dir, 'prompts.lock.json'), buildLock([{ ...v2.get('summarize'), id: 'summarize' }]));
    const result = await runCliInProcess(['list', '--log', 'calls.jsonl', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    const summarize = summary.versions.find((v: { promptId: string }) => v.promptId === 'summarize');
    expect(summarize).toMatchObject({
      version: '1.0.0', hash: hashV1, calls: 3, latest: true,
      lock: 'differs', lockedVersion: { version: '1.1.0', hash: v2.get('summarize').hash },
      workingTree: 'differs', workingTreeVersion: { version: '1.1.0' },
    });
    expect(summary.versions.find((v: { promptId: string }) => v.promptId === 'greet')).toMatchObject({ lock: 'not-locked', workingTree: 'missing' });

    const table = await runCliInProcess(['list', '--log', 'calls.jsonl'], { cwd: dir });
    expect(table.stdout).toMatch(/warning: summarize is served at 1\.0\.0 .* but prompts\.lock\.json locks 1\.1\.0/);
  });
});
