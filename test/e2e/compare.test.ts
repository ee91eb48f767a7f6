import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.js';
import { commitFiles, initRepo } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';
import { WORDS, wordPrompt as prompt } from '../helpers/word-suite.js';

/** Answers in capitals when told to shout; a "sloppy" instruction garbles words starting with a-c. */
function answer(request: IncomingChat) {
  const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
  const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
  if (system.includes('sloppy') && /^[a-c]/.test(word)) return { content: `${word.toUpperCase()}!!` };
  return { content: word.toUpperCase() };
}

describe('promptgate compare against git history', () => {
  let server: MockServer;
  let dir: string;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: answer });
    dir = await makeProject({});
    initRepo(dir);
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}' } }, gate: { maxRegressions: 0 } };\n`;
    const cases = ['word,__expected', ...WORDS.map((w) => `${w},equals:${w.toUpperCase()}`)].join('\n');
    await commitFiles(dir, { 'eval.config.mjs': config, 'prompts/shout.prompt': prompt('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': cases, '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'good version');
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.1.0', 'Repeat the word in capitals, be sloppy.') }, 'worse version');
  });
  afterAll(async () => server.close());

  it('--baseline HEAD~1 fails the gate and lists exactly the regressed cases', async () => {
    const result = await runCli(['compare', '--baseline', 'HEAD~1'], { cwd: dir });
    expect(result.code).toBe(1);
    const runs = await runFolders(dir);
    const run = await readRun(runs[runs.length - 1]);
    const regressed = run.cases.filter((c) => c.change === 'regressed').map((c) => c.vars.word).sort();
    expect(regressed).toEqual(['apple', 'banana', 'cherry']);
    expect(run.cases.filter((c) => c.change === 'unchanged-pass')).toHaveLength(7);
    expect(run.comparison?.rows[0].counts.regressed).toBe(3);
    expect(run.gate?.verdict).toBe('fail');
    expect(result.stdout).toContain('Regressed (3)');
    expect(result.stdout).toContain('APPLE!!');
  });

  it('--baseline @1.0.0 finds the version in history and fails the same way', async () => {
    const result = await runCli(['compare', '--baseline', '@1.0.0'], { cwd: dir });
    expect(result.code).toBe(1);
    const runs = await runFolders(dir);
    const run = await readRun(runs[runs.length - 1]);
    expect(run.cases.filter((c) => c.change === 'regressed')).toHaveLength(3);
    expect(run.cases[0].baseline?.promptVersion).toBe('1.0.0');
    expect(run.cases[0].promptVersion).toBe('1.1.0');
  });

  it('comparing a version with itself passes with every case unchanged, and shares the calls', async () => {
    server.reset();
    const result = await runCli(['compare', '--baseline', 'HEAD', '--no-cache'], { cwd: dir });
    expect(result.code).toBe(0);
    const runs = await runFolders(dir);
    const run = await readRun(runs[runs.length - 1]);
    expect(run.cases.every((c) => c.change === 'unchanged-pass' || c.change === 'unchanged-fail')).toBe(true);
    // Identical rendered messages on both sides: one call per case, used by both.
    expect(server.count).toBe(WORDS.length);
  });

  it('a warm cache makes no baseline calls, and a run: baseline makes none at all', async () => {
    await runCli(['compare', '--baseline', 'HEAD~1'], { cwd: dir });
    server.reset();
    const warm = await runCli(['compare', '--baseline', 'HEAD~1'], { cwd: dir });
    expect(warm.code).toBe(1);
    expect(server.count).toBe(0);

    const baselineRun = await runCli(['run', '--no-cache'], { cwd: dir });
    expect(baselineRun.code).toBe(0);
    const runs = await runFolders(dir);
    const stored = join(runs[runs.length - 1], 'run.json');
    server.reset();
    const fromRun = await runCli(['compare', '--baseline', `run:${stored}`, '--no-cache'], { cwd: dir });
    expect(fromRun.code).toBe(0);
    // Only the candidate side called the model.
    expect(server.count).toBe(WORDS.length);
  });

  it('a prompt absent at the baseline is reported as new, not as an error', async () => {
    await writeFile(join(dir, 'prompts/echo.prompt'), prompt('0.1.0', 'Repeat the word in capitals.'));
    await writeFile(join(dir, 'evals/echo.csv'), 'word,__expected\nplum,equals:PLUM\n');
    const result = await runCli(['compare', 'echo', '--baseline', 'HEAD'], { cwd: dir });
    expect(result.code).toBe(0);
    const runs = await runFolders(dir);
    const run = await readRun(runs[runs.length - 1]);
    expect(run.cases.map((c) => c.change)).toEqual(['new']);
  });

  it('an unknown revision is an input error (exit 2)', async () => {
    const result = await runCli(['compare', '--baseline', 'no-such-branch'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown git revision "no-such-branch"');
  });
});
