import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitOnBranch, gitIn, initAndCommit } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun } from '../helpers/runs.js';
import { WORDS, wordCases, wordPrompt as prompt } from '../helpers/word-suite.js';

/**
 * How many git processes one command starts (each is 5-10 ms of a user's wait): a `git` first on
 * PATH logs its arguments and runs the real one. compare and ci ask git each question once per
 * command (the revision with HEAD in one rev-parse, ci's merge base remembered) and read the prompt
 * files at a revision in one `git cat-file --batch`; the limits are what that reaches, so a change
 * that asks again fails here. The results are checked too: fewer questions, the same answers.
 */
describe('git processes per command', () => {
  let server: MockServer;
  let repo: string;
  let log: string;
  const saved = process.env.PATH;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (r) => ({ content: textOf(r.messages.find((m) => m.role === 'user')?.content).trim().toUpperCase() }) });
    const base = await mkdtemp(join(tmpdir(), 'pg-git-processes-'));
    repo = join(base, 'repo');
    mkdirSync(repo);
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY' } } };\n`;
    await initAndCommit(
      repo,
      {
        'eval.config.mjs': config,
        'prompts/alpha.prompt': prompt('1.0.0', 'Repeat the word in capitals.'),
        'prompts/beta.prompt': prompt('1.0.0', 'Say the word in capitals.'),
        'evals/alpha.csv': wordCases(WORDS.slice(0, 2)),
        'evals/beta.csv': wordCases(WORDS.slice(2, 4)),
        '.gitignore': 'reports/\n.promptgate-cache/\n',
      },
      'two prompts',
    );
    // A feature branch: both prompts bumped, and a new one (absent at the base).
    commitOnBranch(repo, 'feature', 'main', {
      'prompts/alpha.prompt': prompt('1.1.0', 'Repeat the word in capitals!'),
      'prompts/beta.prompt': prompt('1.1.0', 'Say the word in capitals!'),
      'prompts/gamma.prompt': prompt('0.1.0', 'Shout the word.'),
      'evals/gamma.csv': wordCases(WORDS.slice(4, 6)),
    }, 'feature');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const bin = join(base, 'bin');
    log = join(base, 'git.log');
    mkdirSync(bin);
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    process.env.PATH = `${bin}${delimiter}${saved ?? ''}`;
  });
  afterAll(async () => {
    process.env.PATH = saved;
    await server.close();
  });

  /** The CLI in-process with the logging git, and the git commands it started. */
  const withGitLog = async (args: string[]) => {
    const before = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
    const result = await runCliInProcess(args, { cwd: repo, env: { MOCK_KEY: 'k' } });
    const gits = readFileSync(log, 'utf8').split('\n').filter(Boolean).slice(before);
    return { ...result, gits };
  };

  it('compare --baseline HEAD~1 of two suites: at most 2 git processes (rev-parse of the revision and HEAD, one cat-file for both prompts)', async () => {
    const head = gitIn(repo, 'rev-parse', 'HEAD');
    const base = gitIn(repo, 'rev-parse', 'HEAD~1');
    const result = await withGitLog(['compare', 'alpha', 'beta', '--baseline', 'HEAD~1']);
    expect(result.stderr).not.toMatch(/promptgate: (?!note)/);
    expect(result.gits.length, result.gits.join('\n')).toBeLessThanOrEqual(2);
    const run = await readRun(/^Run folder: (.+)$/m.exec(result.stdout)![1]);
    // The answers the saved processes gave: the revision's commit and prompts, and HEAD for gitCommit.
    expect(run.gitCommit).toBe(head);
    expect(run.comparison?.baseline.label).toBe(`git ${gitIn(repo, 'rev-parse', '--short', base)} (HEAD~1)`);
    expect(run.comparison?.baseline.prompts?.map((p) => [p.id, p.version])).toEqual([['alpha', '1.0.0'], ['beta', '1.0.0']]);
    expect(run.comparison?.candidate.prompts?.map((p) => [p.id, p.version])).toEqual([['alpha', '1.1.0'], ['beta', '1.1.0']]);
  });

  it('ci with a new prompt: at most 6 git processes (HEAD and the base in one rev-parse, merge-base, its short form, diff, ls-files, one cat-file)', async () => {
    const result = await withGitLog(['ci', '--base', 'main']);
    expect(result.gits.length, result.gits.join('\n')).toBeLessThanOrEqual(6);
    const short = gitIn(repo, 'rev-parse', '--short', 'main');
    expect(result.stdout).toContain(`comparing 3 of 3 suite(s) with the merge base ${short} with main`);
    expect(result.stdout).toContain('gamma: prompt changed: prompts/gamma.prompt; cases changed: evals/gamma.csv; new prompt, no baseline: decided by the floor only');
    const run = await readRun(/^Run folder: (.+)$/m.exec(result.stdout)![1]);
    expect(run.command).toBe('ci');
    expect(run.gitCommit).toBe(gitIn(repo, 'rev-parse', 'HEAD'));
    expect(run.comparison?.baseline.prompts).toEqual([
      expect.objectContaining({ id: 'alpha', version: '1.0.0' }),
      expect.objectContaining({ id: 'beta', version: '1.0.0' }),
      { suite: 'gamma', id: 'gamma', missing: true },
    ]);
  });
});
