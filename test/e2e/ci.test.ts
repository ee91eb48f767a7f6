import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, commitOnBranch, gitBatch, gitIn, initAndCommit } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';
import { WORDS as ALL_WORDS, wordCases, wordPrompt as prompt } from '../helpers/word-suite.js';

const WORDS = ALL_WORDS.slice(0, 6);

/** Capitals; a "sloppy" instruction garbles words starting with a-c. */
function answer(request: IncomingChat) {
  const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
  const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
  if (system.includes('sloppy') && /^[a-c]/.test(word)) return { content: `${word.toUpperCase()}!!` };
  return { content: word.toUpperCase() };
}

/** The parsed JUnit file as plain objects (arrays for repeated elements). */
function parseJunit(xml: string) {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) });
  return parser.parse(xml) as { testsuites: { failures: string; testsuite: Array<{ name: string; testcase: Array<{ name: string; failure?: { message: string; type: string } }> }> } };
}

describe('promptgate ci on a pull-request branch', () => {
  let server: MockServer;
  let upstream: string;
  let work: string;
  let summaryDir: string;

  /** `promptgate ci` under GitHub Actions, in-process through main() (`spawned`: the built CLI in a child process). */
  const ci = async (args: string[] = [], spawned = false): Promise<CliResult & { summary: string }> => {
    const summaryFile = join(summaryDir, `summary-${Math.random().toString(36).slice(2)}.md`);
    await writeFile(summaryFile, '');
    const result = await (spawned ? runCli : runCliInProcess)(['ci', ...args], { cwd: work, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summaryFile, GITHUB_BASE_REF: 'main' } });
    return { ...result, summary: await readFile(summaryFile, 'utf8') };
  };
  /** A fresh branch off the branch point, with `files` committed on it (one child process). */
  const branch = async (name: string, files: Record<string, string>) => commitOnBranch(work, name, 'branch-point', files, `${name}: change`);

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: answer });
    summaryDir = await mkdtemp(join(tmpdir(), 'promptgate-ci-summary-'));
    upstream = await mkdtemp(join(tmpdir(), 'promptgate-ci-upstream-'));
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY' } }, gate: { maxRegressions: 0 } };\n`;
    await initAndCommit(
      upstream,
      {
        'eval.config.mjs': config,
        'prompts/alpha.prompt': prompt('1.0.0', 'Repeat the word in capitals.'),
        'prompts/beta.prompt': prompt('2.0.0', 'Repeat the word in capitals, please.'),
        'prompts/gamma.prompt': prompt('0.3.0', 'Say the word in capitals.'),
        'evals/alpha.csv': wordCases(WORDS),
        'evals/beta.csv': wordCases(WORDS.slice(0, 3)),
        'evals/gamma.csv': wordCases(WORDS.slice(3)),
        '.gitignore': 'reports/\n.promptgate-cache/\n',
      },
      'three prompts',
    );
    // A clone, as actions/checkout makes one: `origin/main` is the PR's base.
    work = await mkdtemp(join(tmpdir(), 'promptgate-ci-work-'));
    await rm(work, { recursive: true });
    gitBatch(tmpdir(), [['clone', '-q', upstream, work], ['-C', work, 'config', 'commit.gpgsign', 'false'], ['-C', work, 'tag', 'branch-point']]);
    // main moves on after the branch point: gamma changes there, never on the branches.
    await commitFiles(upstream, { 'prompts/gamma.prompt': prompt('0.4.0', 'Say the word in capitals, be sloppy.'), 'NOTES.md': 'later\n' }, 'main moves on');
    gitIn(work, 'fetch', '-q', 'origin');
  });
  afterAll(async () => {
    await server.close();
  });

  it('a changed prompt without a version bump fails (exit 1) naming the file, before calling any model', async () => {
    await branch('no-bump', { 'prompts/alpha.prompt': prompt('1.0.0', 'Repeat the word in capitals, be sloppy.') });
    server.reset();
    const result = await ci();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('prompts/alpha.prompt: content changed but version is still 1.0.0 (bump it');
    expect(result.stdout).toMatch(/^::error file=prompts\/alpha\.prompt,line=2,title=promptgate%3A version not bumped::prompts\/alpha\.prompt: content changed/m);
    expect(result.summary).toContain('version discipline');
    expect(result.summary).toContain('prompts/alpha.prompt');
    expect(server.count).toBe(0);
  });

  it('a lower version is refused too', async () => {
    await branch('downgrade', { 'prompts/beta.prompt': prompt('1.9.0', 'Repeat the word in capitals, kindly.') });
    const result = await ci();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('prompts/beta.prompt: version went down from 2.0.0 to 1.9.0');
  });

  // Spawned smoke test: the built CLI under GITHUB_ACTIONS (the other tests run main() in-process).
  it('a bumped, worse prompt: only its suite is compared; exit 1; JUnit, step summary and annotations name the regressed cases (spawned CLI)', async () => {
    await branch('worse', { 'prompts/alpha.prompt': prompt('1.1.0', 'Repeat the word in capitals, be sloppy.') });
    server.reset();
    const result = await ci([], true);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('comparing 1 of 3 suite(s) with the merge base');
    expect(result.stdout).toContain('alpha: prompt changed: prompts/alpha.prompt');

    const runDir = /^Run folder: (.+)$/m.exec(result.stdout)![1];
    expect(await runFolders(work)).toContain(runDir);
    const run = await readRun(runDir);
    expect(run.command).toBe('ci');
    // gamma changed on main after the branch point, beta not at all: neither is compared.
    expect([...new Set(run.cases.map((c) => c.suite))]).toEqual(['alpha']);
    expect(run.cases.filter((c) => c.change === 'regressed').map((c) => c.vars.word).sort()).toEqual(['apple', 'banana', 'cherry']);
    expect(run.cases[0].baseline?.promptVersion).toBe('1.0.0');
    // Only alpha's two versions were called: beta's and gamma's instructions never reached the model.
    const systems = new Set(server.requests.map((r) => textOf(r.messages.find((m) => m.role === 'system')?.content)));
    expect([...systems].sort()).toEqual(['Repeat the word in capitals, be sloppy.', 'Repeat the word in capitals.']);

    const junit = parseJunit(await readFile(join(runDir, 'junit.xml'), 'utf8'));
    expect(junit.testsuites.testsuite.map((s) => s.name)).toEqual(['alpha › m']);
    const failures = junit.testsuites.testsuite[0].testcase.filter((t) => t.failure).map((t) => t.name).sort();
    expect(failures).toEqual(['apple', 'banana', 'cherry']);
    expect(junit.testsuites.testsuite[0].testcase.find((t) => t.name === 'apple')!.failure!.type).toBe('regressed');

    expect(result.summary).toContain('Regressed cases (3)');
    for (const word of ['apple', 'banana', 'cherry']) expect(result.summary).toContain(word);
    expect(result.summary).not.toContain('damson |');
    // The step summary is the run's summary.md.
    expect(result.summary).toContain(await readFile(join(runDir, 'summary.md'), 'utf8'));

    const annotations = result.stdout.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations.filter((l) => l.includes('title=promptgate%3A regressed%3A')).length).toBe(3);
    expect(annotations.every((l) => l.startsWith('::error file=prompts/alpha.prompt,line=1,'))).toBe(true);
    expect(annotations.some((l) => l.includes('apple') && l.includes('passed on baseline 1.0.0, fails on 1.1.0'))).toBe(true);
    // Model output printed by the console report sits between stop-commands markers, annotations after them.
    const stop = /^::stop-commands::(promptgate-[0-9a-f]+)$/m.exec(result.stdout);
    expect(stop).not.toBeNull();
    const resumeAt = result.stdout.indexOf(`::${stop![1]}::`);
    expect(resumeAt).toBeGreaterThan(result.stdout.indexOf('APPLE!!'));
    expect(result.stdout.indexOf('::error ')).toBeGreaterThan(resumeAt);
  });

  it('a stale lock fails the job only after the evals ran and were published (exit 1, naming `promptgate lock`)', async () => {
    gitIn(work, 'checkout', '-q', '-B', 'stale-lock', 'branch-point');
    expect((await runCliInProcess(['lock'], { cwd: work })).code).toBe(0);
    // The lock is committed, then alpha changes (bumped, as good) without `promptgate lock`.
    await commitFiles(work, { 'prompts.lock.json': await readFile(join(work, 'prompts.lock.json'), 'utf8'), 'prompts/alpha.prompt': prompt('1.2.0', 'Repeat the word in capitals!') }, 'stale-lock: change');
    server.reset();
    const result = await ci();
    expect(result.code).toBe(1);
    // The evals ran: the new alpha on its six cases (the base version may come from the cache).
    expect(server.requests.filter((r) => textOf(r.messages.find((m) => m.role === 'system')?.content) === 'Repeat the word in capitals!')).toHaveLength(6);
    const runDir = /^Run folder: (.+)$/m.exec(result.stdout)![1];
    const junit = parseJunit(await readFile(join(runDir, 'junit.xml'), 'utf8'));
    expect(junit.testsuites.testsuite[0].testcase).toHaveLength(6);
    // Published: the evals' summary, then why the job fails.
    expect(result.summary).toContain('promptgate ci: pass');
    expect(result.summary.indexOf('stale prompts.lock.json')).toBeGreaterThan(result.summary.indexOf('promptgate ci: pass'));
    expect(result.summary).toContain('`promptgate lock`');
    const stderr = result.stderr.trim().split('\n');
    expect(stderr.at(-1)).toMatch(/^promptgate: prompts\.lock\.json: stale lock, 1 prompt id\(s\) differ from the working tree: alpha: locked 1\.0\.0 .*run `promptgate lock`/);
    expect(result.stdout).toMatch(/^::error file=prompts\.lock\.json,line=1,title=promptgate%3A stale prompts\.lock\.json::/m);
  });

  it('a bumped prompt that is as good passes (exit 0); --baseline-cache is stated in the step summary', async () => {
    await branch('same-quality', { 'prompts/alpha.prompt': prompt('1.2.0', 'Repeat the word in capitals!') });
    const result = await ci(['--baseline-cache']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('comparing 1 of 3 suite(s)');
    expect(result.stdout).not.toMatch(/^::error/m);
    expect(result.summary).toContain('promptgate ci: pass');
    expect(result.summary).toMatch(/Sampling: candidate: drawn fresh, 0 of (\d+) calls from the cache .*; baseline: \d+ of \1 calls from the cache \(--baseline-cache\)/);
  });

  it('a pull request that adds a prompt runs it with no baseline, says so, and decides it by the floor only', async () => {
    const added = { 'evals/delta.csv': wordCases(WORDS.slice(0, 3)) };
    await branch('new-prompt', { ...added, 'prompts/delta.prompt': prompt('0.1.0', 'Repeat the word in capitals.') });
    const result = await ci();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('delta: prompt changed: prompts/delta.prompt; cases changed: evals/delta.csv; new prompt, no baseline: decided by the floor only');
    const run = await readRun(/^Run folder: (.+)$/m.exec(result.stdout)![1]);
    expect(run.comparison?.baseline.prompts).toEqual([{ suite: 'delta', id: 'delta', missing: true }]);
    expect(run.comparison?.rows[0].test).toBe('floor-only');
    expect(run.gate?.reasons).toEqual(['delta \u00d7 m: no case has a graded baseline result (a new prompt, only new cases, or an ungraded baseline): decided by the floor only: all 3 cases pass (with no gate.minPassRate, every case must pass)']);
    expect(result.stdout).toContain('delta: none (new prompt, no baseline)');
    expect(result.summary).toContain('delta: none (new prompt, no baseline)');
    expect(result.summary).toContain('decided by the floor only: all 3 cases pass');

    // Nothing to compare is no free pass: a new prompt whose cases fail fails the gate.
    await branch('new-sloppy-prompt', { ...added, 'prompts/delta.prompt': prompt('0.1.0', 'Repeat the word in capitals, be sloppy.') });
    const sloppy = await ci();
    expect(sloppy.code).toBe(1);
    expect(sloppy.summary).toContain('with no gate.minPassRate, every case must pass: 3 of 3 cases fail');
  });

  it('changed cases alone select their suite', async () => {
    await branch('more-cases', { 'evals/beta.csv': wordCases(WORDS.slice(0, 4)) });
    const result = await ci();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('comparing 1 of 3 suite(s)');
    expect(result.stdout).toContain('beta: cases changed: evals/beta.csv');
  });

  it('a branch that changes no prompt, case or config exits 0 and says so', async () => {
    await branch('docs-only', { 'README.md': '# docs\n' });
    server.reset();
    const result = await ci();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no prompt suites changed');
    expect(result.summary).toContain('no prompt suites changed');
    expect(server.count).toBe(0);
  });

  it('a config change compares every suite; --base overrides the environment', async () => {
    gitIn(work, 'checkout', '-q', '-B', 'config-change', 'branch-point');
    const config = (await readFile(join(work, 'eval.config.mjs'), 'utf8')).replace('maxRegressions: 0', 'maxRegressions: 1');
    await commitFiles(work, { 'eval.config.mjs': config }, 'loosen the gate');
    const result = await ci(['--base', 'branch-point']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('comparing 3 of 3 suite(s) with the merge base');
    expect(result.stdout).toContain('every suite is compared');
  });

  it('an inconclusive gate follows gate.inconclusive: fail (default, exit 1, saying what would decide it), neutral (exit 4), pass (exit 0)', async () => {
    // Without the maxRegressions policy, 3 regressions in 6 cases (mid-p 1/16) and 3 unchanged cases prove nothing either way.
    gitIn(work, 'checkout', '-q', '-B', 'inconclusive', 'branch-point');
    const base = (await readFile(join(work, 'eval.config.mjs'), 'utf8')).replace('gate: { maxRegressions: 0 }', 'gate: {}');
    expect(base).toContain('gate: {}');
    await commitFiles(work, { 'eval.config.mjs': base, 'prompts/alpha.prompt': prompt('1.1.0', 'Repeat the word in capitals, be sloppy.') }, 'inconclusive: change');
    const failing = await ci();
    expect(failing.code).toBe(1);
    const run = await readRun(/^Run folder: (.+)$/m.exec(failing.stdout)![1]);
    expect(run.gate?.verdict).toBe('inconclusive');
    expect(run.comparison?.rows.map((r) => r.verdict)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    expect(failing.stderr.trim().split('\n').at(-1)).toMatch(/^promptgate: the gate is inconclusive, which fails ci \(gate\.inconclusive: "fail"\): alpha \u00d7 m: about \d+ more cases? would likely decide it .*; set gate\.inconclusive to "neutral" \(exit 4\) or "pass" to let it through$/);
    expect(failing.summary).toContain('promptgate ci: inconclusive');
    for (const [policy, code] of [['neutral', 4], ['pass', 0]] as const) {
      await commitFiles(work, { 'eval.config.mjs': base.replace('gate: {}', `gate: { inconclusive: '${policy}' }`) }, `inconclusive: ${policy}`);
      const result = await ci();
      expect(result.code).toBe(code);
      expect(result.summary).toContain('promptgate ci: inconclusive');
      if (policy === 'pass') expect(result.stderr).toMatch(/^promptgate: note: the gate is inconclusive \(gate\.inconclusive is "pass", so ci passes\): /m);
      else expect(result.stderr).not.toContain('the gate is inconclusive');
    }
  });

  it('an unknown base is an input error (exit 2)', async () => {
    const result = await ci(['--base', 'no-such-branch']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown git revision "no-such-branch"');
  });
});
