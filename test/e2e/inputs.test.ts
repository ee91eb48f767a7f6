import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun } from '../helpers/runs.js';

/**
 * Inputs that used to be ignored without a word: a case file that pairs with no prompt or suite
 * (exit 2 in run and check), a CSV column or JSONL vars key no template reads (a warning that
 * changes no exit code), and CR-only line ends in a CSV (now read as line ends).
 */
describe('silently ignored inputs', () => {
  let server: MockServer;
  const config = () => `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY' } }, defaultModel: 'm' };\n`;
  const shout = '---\nversion: 1.0.0\n---\n{{word}}\n';
  const cli = (args: string[], cwd: string) => runCliInProcess(args, { cwd, env: { MOCK_KEY: 'k' } });
  const runDirOf = (stdout: string) => /^Run folder: (.+)$/m.exec(stdout)![1];

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (req) => ({ content: textOf(req.messages.at(-1)?.content).trim().toUpperCase() }) });
  });
  afterAll(async () => server.close());

  it('a case file that pairs with no prompt or suite (the old README advice for cases from-log) is exit 2 in run and check', async () => {
    const dir = await makeProject({ 'eval.config.mjs': config(), 'prompts/summarize.prompt': shout, 'evals/summarize.csv': 'word,__expected\napple,equals:APPLE\nbanana,equals:BANANA\n' });
    const first = await cli(['run'], dir);
    expect(first.code).toBe(0);
    // Production-style cases from a log, written where the README used to say.
    const calls = join(runDirOf(first.stdout), 'calls.jsonl');
    expect((await cli(['cases', 'from-log', calls, '--prompt', 'summarize', '--out', 'evals/summarize-prod.jsonl'], dir)).code).toBe(0);
    await writeFile(join(dir, 'evals/summarize.csv'), 'word,__expected\ncherry,equals:CHERRY\n');

    server.reset();
    const expected =
      'promptgate: evals/summarize-prod.jsonl: case file pairs with no prompt or suite, so its cases would never run: it would need prompts/summarize-prod.prompt' +
      " (move it to evals/summarize/summarize-prod.jsonl to make it cases of summarize, add a suite with cases: 'evals/summarize-prod.jsonl', or list it in ignoreCases in the config)";
    for (const command of ['run', 'check']) {
      const result = await cli([command], dir);
      expect(result.code, command).toBe(2);
      expect(result.stderr.trim(), command).toBe(expected);
    }
    // Selecting another suite does not hide it.
    expect((await cli(['run', 'summarize'], dir)).code).toBe(2);
    expect(server.count).toBe(0);

    // Where the README says now: evals/<id>/ pairs with the prompt, and its cases run.
    await mkdir(join(dir, 'evals/summarize'));
    await rename(join(dir, 'evals/summarize-prod.jsonl'), join(dir, 'evals/summarize/prod.jsonl'));
    const paired = await cli(['run'], dir);
    expect(paired.code, paired.stderr).toBe(0);
    const run = await readRun(runDirOf(paired.stdout));
    expect(run.cases.map((c) => c.vars.word).sort()).toEqual(['apple', 'banana', 'cherry']);

    // Or keep it where it is, on purpose: ignoreCases.
    await rename(join(dir, 'evals/summarize/prod.jsonl'), join(dir, 'evals/summarize-prod.jsonl'));
    await writeFile(join(dir, 'eval.config.mjs'), config().replace("defaultModel: 'm' }", "defaultModel: 'm', ignoreCases: ['evals/*-prod.jsonl'] }"));
    const ignored = await cli(['check'], dir);
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(ignored.stdout).toContain('1 prompt(s), 1 case(s)');
  });

  it('with suites in the config, a convention file its suite does not read is named the same way', async () => {
    const dir = await makeProject({
      'eval.config.mjs': config().replace("defaultModel: 'm' }", "defaultModel: 'm', suites: [{ prompt: 'shout', cases: 'data/shout.csv' }] }"),
      'prompts/shout.prompt': shout,
      'data/shout.csv': 'word,__expected\napple,equals:APPLE\n',
      'evals/shout.csv': 'word,__expected\nfig,equals:FIG\n',
    });
    const result = await cli(['check'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('promptgate: evals/shout.csv: case file pairs with no prompt or suite, so its cases would never run: the suite of prompts/shout.prompt reads its cases from elsewhere');
  });

  it('a CSV column or JSONL vars key no template reads is a one-line warning in run and check; the exit code does not change', async () => {
    const dir = await makeProject({
      'eval.config.mjs': config(),
      'prompts/shout.prompt': shout,
      'evals/shout.csv': 'word,expected\napple,APPLE\n',
      'evals/shout/more.jsonl': '{"vars": {"word": "fig"}, "expected": "equals:FIG"}\n{"vars": {"word": "kiwi", "expected": "KIWI"}}\n',
    });
    const warnings = [
      "promptgate: warning: evals/shout.csv:1: column 'expected' is not used by prompts/shout.prompt (did you mean `__expected`?)",
      'promptgate: warning: evals/shout/more.jsonl:2: vars key \'expected\' is not used by prompts/shout.prompt (did you mean the line\'s own "expected" key, outside "vars"?)',
    ];
    const check = await cli(['check'], dir);
    expect(check.code).toBe(0);
    expect(check.stderr.trim().split('\n')).toEqual(warnings);
    const run = await cli(['run'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual(warnings);

    // A column a template reads is no warning; nor is any column when the template reads the whole context.
    await writeFile(join(dir, 'evals/shout.csv'), 'word,note\napple,fruit\n');
    await writeFile(join(dir, 'evals/shout/more.jsonl'), '{"vars": {"word": "fig", "note": "x"}}\n');
    await writeFile(join(dir, 'prompts/shout.prompt'), '---\nversion: 1.0.0\n---\n{{word}} ({{note}})\n');
    expect((await cli(['check'], dir)).stderr).toBe('');
    await writeFile(join(dir, 'evals/shout.csv'), 'word,note,extra\napple,fruit,1\n');
    await writeFile(join(dir, 'prompts/shout.prompt'), '---\nversion: 1.0.0\n---\n{{json this}}\n');
    expect((await cli(['check'], dir)).stderr).toBe('');
  });

  it('CSV files with old-Mac CR line ends, or CR, LF and CRLF mixed, are read row by row', async () => {
    const dir = await makeProject({
      'eval.config.mjs': config(),
      'prompts/shout.prompt': shout,
      'evals/shout.csv': 'word,__expected\rapple,equals:APPLE\rbanana,equals:BANANA\r',
      'prompts/mixed.prompt': shout,
      'evals/mixed.csv': 'word,__expected\r\ncherry,equals:CHERRY\rdamson,equals:DAMSON\nelder,equals:ELDER\r\n',
    });
    const check = await cli(['check'], dir);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('2 prompt(s), 5 case(s)');
    server.reset();
    const result = await cli(['run'], dir);
    expect(result.code, result.stderr).toBe(0);
    const run = await readRun(runDirOf(result.stdout));
    expect(run.cases.map((c) => [c.vars.word, c.status, c.source.line])).toEqual([
      ['cherry', 'pass', 2],
      ['damson', 'pass', 3],
      ['elder', 'pass', 4],
      ['apple', 'pass', 2],
      ['banana', 'pass', 3],
    ]);
    expect(server.count).toBe(5);
  });
});
