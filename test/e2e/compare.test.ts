import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, gitBatch, gitIn, initAndCommit } from '../helpers/git-repo.js';
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
  /**
   * Made once, on first use, and read by the tests that need them (each test still works alone):
   * `compare --baseline @1.0.0` with every report, and a stored `run --no-cache` of the one suite.
   */
  let atVersion: Promise<CliResult> | undefined;
  const compareAtVersion = () => (atVersion ??= runCliInProcess(['compare', '--baseline', '@1.0.0', '--reporter', 'console', '--reporter', 'markdown', '--reporter', 'junit', '--reporter', 'html'], { cwd: dir }));
  let stored: Promise<{ code: number | null; runDir: string }> | undefined;
  const storedRun = () =>
    (stored ??= runCliInProcess(['run', '--no-cache'], { cwd: dir }).then((result) => ({ code: result.code, runDir: /^Run folder: (.+)$/m.exec(result.stdout)![1] })));

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: answer });
    dir = await makeProject({});
    // Temperature 0: deterministic settings, so compare reuses the cache (noisy sides are drawn fresh: sampling.test.ts).
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', params: { temperature: 0 } } }, gate: { maxRegressions: 0 } };\n`;
    const cases = ['word,__expected', ...WORDS.map((w) => `${w},equals:${w.toUpperCase()}`)].join('\n');
    await initAndCommit(dir, { 'eval.config.mjs': config, 'prompts/shout.prompt': prompt('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': cases, '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'good version');
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.1.0', 'Repeat the word in capitals, be sloppy.') }, 'worse version');
  });
  afterAll(async () => server.close());

  // Spawned smoke test: the built CLI (dist/bundle/bin.js) as a user runs it; the rest run main() in-process.
  it('--baseline HEAD~1 fails the gate and lists exactly the regressed cases (spawned CLI)', async () => {
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
    const result = await compareAtVersion();
    expect(result.code).toBe(1);
    const run = await readRun(/^Run folder: (.+)$/m.exec(result.stdout)![1]);
    expect(run.cases.filter((c) => c.change === 'regressed')).toHaveLength(3);
    expect(run.cases[0].baseline?.promptVersion).toBe('1.0.0');
    expect(run.cases[0].promptVersion).toBe('1.1.0');
  });

  it('comparing a version with itself passes with every case unchanged, and shares the calls', async () => {
    server.reset();
    const result = await runCliInProcess(['compare', '--baseline', 'HEAD', '--no-cache'], { cwd: dir });
    expect(result.code).toBe(0);
    const runs = await runFolders(dir);
    const run = await readRun(runs[runs.length - 1]);
    expect(run.cases.every((c) => c.change === 'unchanged-pass' || c.change === 'unchanged-fail')).toBe(true);
    // Identical rendered messages on both sides: one call per case, used by both.
    expect(server.count).toBe(WORDS.length);
  });

  it('at temperature 0 a warm cache makes no baseline calls, and a run: baseline makes none at all', async () => {
    // Warms the cache for both sides: @1.0.0 is HEAD~1's prompt, the candidate HEAD's.
    await compareAtVersion();
    server.reset();
    const warm = await runCliInProcess(['compare', '--baseline', 'HEAD~1'], { cwd: dir });
    expect(warm.code).toBe(1);
    expect(server.count).toBe(0);

    const baselineRun = await storedRun();
    expect(baselineRun.code).toBe(0);
    const stored = join(baselineRun.runDir, 'run.json');
    server.reset();
    const fromRun = await runCliInProcess(['compare', '--baseline', `run:${stored}`, '--no-cache'], { cwd: dir });
    expect(fromRun.code).toBe(0);
    // Only the candidate side called the model.
    expect(server.count).toBe(WORDS.length);
  });

  it('the console, run.json, summary.md and JUnit name the baseline commit and content hash', async () => {
    const result = await compareAtVersion();
    expect(result.code).toBe(1);
    const runDir = /^Run folder: (.+)$/m.exec(result.stdout)![1];
    const run = await readRun(runDir);
    const first = gitIn(dir, 'rev-list', '--max-parents=0', 'HEAD');
    const hash = run.cases[0].baseline!.promptHash;
    expect(run.comparison?.baseline).toEqual({
      spec: '@1.0.0',
      label: 'version 1.0.0',
      commit: first,
      prompts: [{ suite: 'shout', id: 'shout', version: '1.0.0', hash, commit: first }],
    });
    expect(run.comparison?.candidate.prompts).toEqual([{ suite: 'shout', id: 'shout', version: '1.1.0', hash: run.cases[0].promptHash }]);
    const line = `version 1.0.0 (git ${first.slice(0, 7)}): shout@1.0.0 ${hash}`;
    expect(result.stdout).toContain(`Baseline:  ${line}`);
    expect(await readFile(join(runDir, 'summary.md'), 'utf8')).toContain(`baseline ${line}`);
    const junit = await readFile(join(runDir, 'junit.xml'), 'utf8');
    expect(junit).toContain(`<property name="baseline.commit" value="${first}"/>`);
    expect(junit).toContain(`<property name="baseline.prompt.hash" value="${hash}"/>`);
    expect(await readFile(join(runDir, 'report.html'), 'utf8')).toContain(line);
  });

  it('an unknown version is exit 2 naming it and the versions the prompt has; nothing runs', async () => {
    server.reset();
    const before = await runFolders(dir);
    const result = await runCliInProcess(['compare', '--baseline', '@9.9.9'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'promptgate: prompts/shout.prompt: no commit has version 9.9.9 (--baseline @9.9.9; versions in its git history: 1.1.0, 1.0.0) (use one of those versions, a git revision (--baseline HEAD~1), or compare only the suites that have 9.9.9)',
    ]);
    expect(result.stdout).not.toContain('Gate');
    expect(server.count).toBe(0);
    expect(await runFolders(dir)).toEqual(before);
  });

  it('a missing stored run is exit 2 naming the path', async () => {
    const result = await runCliInProcess(['compare', '--baseline', 'run:reports/no-such-run/run.json'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('promptgate: reports/no-such-run/run.json: no stored run at this path (--baseline run:reports/no-such-run/run.json)');
  });

  it('a prompt absent at the baseline revision, or a suite the stored run lacks, is exit 2 naming it (never "all new, PASS")', async () => {
    // A stored run of the one suite there is, made before echo exists.
    const stored = (await storedRun()).runDir;
    await writeFile(join(dir, 'prompts/echo.prompt'), prompt('0.1.0', 'Repeat the word in capitals.'));
    await writeFile(join(dir, 'evals/echo.csv'), 'word,__expected\nplum,equals:PLUM\n');
    server.reset();
    const atGit = await runCliInProcess(['compare', 'echo', '--baseline', 'HEAD'], { cwd: dir });
    expect(atGit.code).toBe(2);
    const head = gitIn(dir, 'rev-parse', '--short', 'HEAD');
    expect(atGit.stderr).toContain(`promptgate: prompts/echo.prompt: does not exist at git ${head} (HEAD) (--baseline HEAD): there is nothing to compare its cases with`);
    const fromRun = await runCliInProcess(['compare', '--baseline', `run:${stored}`], { cwd: dir });
    expect(fromRun.code).toBe(2);
    expect(fromRun.stderr).toContain('the stored run has no suite "echo"');
    expect(fromRun.stderr).toContain('it has "shout"');
    expect(server.count).toBe(0);
    await rm(join(dir, 'prompts/echo.prompt'));
    await rm(join(dir, 'evals/echo.csv'));
  });

  it('an unknown revision is an input error (exit 2)', async () => {
    const result = await runCliInProcess(['compare', '--baseline', 'no-such-branch'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown git revision "no-such-branch"');
  });
});

describe('promptgate compare --baseline @version when several commits carry that version', () => {
  let server: MockServer;
  let dir: string;
  const lastRun = async () => readRun((await runFolders(dir)).at(-1)!);

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: answer });
    dir = await makeProject({});
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}' } } };\n`;
    const cases = ['word,__expected', ...WORDS.slice(0, 4).map((w) => `${w},equals:${w.toUpperCase()}`)].join('\n');
    await initAndCommit(dir, { 'eval.config.mjs': config, 'prompts/shout.prompt': prompt('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': cases, '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'released 1.0.0');
    // The same content committed again (a revert): still one version.
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('0.9.0', 'Repeat the word in capitals.') }, 'oops');
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.0.0', 'Repeat the word in capitals.') }, 'revert');
    // Tagged; a feature branch edits 1.0.0 without a bump, then bumps.
    gitBatch(dir, [['tag', 'released'], ['checkout', '-q', '-b', 'feature']]);
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.0.0', 'Repeat the word in capitals, be sloppy.') }, 'edit without a bump');
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.1.0', 'Repeat the word in capitals, be sloppy.') }, 'bump');
  });
  afterAll(async () => server.close());

  it('same content in several commits is one version; different contents resolve to the one on the base branch', async () => {
    const result = await runCliInProcess(['compare', '--baseline', '@1.0.0'], { cwd: dir });
    // 3 of 4 cases regress, but 4 cases cannot tell that from noise (mid-p 1/16): inconclusive, exit 4.
    expect(result.code).toBe(4);
    const released = gitIn(dir, 'rev-parse', 'released');
    expect(result.stderr).toContain(`prompts/shout.prompt: version 1.0.0 has other contents on other branches; using the one on main (git ${released.slice(0, 7)}`);
    const run = await lastRun();
    expect(run.comparison?.baseline.commit).toBe(released);
    // The released text (no "sloppy"): the three a-c words regress against it.
    expect(run.cases.filter((c) => c.change === 'regressed')).toHaveLength(3);
    expect(run.gate?.verdict).toBe('inconclusive');
  });

  it('different contents on the base branch itself are refused, listing commit and hash of each', async () => {
    gitIn(dir, 'checkout', '-q', 'main');
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.0.0', 'Repeat the word in capitals!') }, 'edit 1.0.0 on main');
    const edited = gitIn(dir, 'rev-parse', '--short', 'HEAD');
    const released = gitIn(dir, 'rev-parse', '--short', 'released');
    server.reset();
    const result = await runCliInProcess(['compare', '--baseline', '@1.0.0'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(server.count).toBe(0);
    const line = result.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(new RegExp(`^promptgate: prompts/shout\\.prompt: version 1\\.0\\.0 has 2 different contents in git history: ${edited} \\(hash [0-9a-f]{12}\\), ${released} \\(hash [0-9a-f]{12}\\), and not exactly one of them is on main \\(choose one: --baseline git:<commit>\\)$`));
    gitIn(dir, 'checkout', '-q', 'feature');
  });
});

/** "sloppy" garbles words starting with a-c, "careless" those starting with a-h. */
function garble(request: IncomingChat) {
  const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
  const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
  if ((system.includes('sloppy') && /^[a-c]/.test(word)) || (system.includes('careless') && /^[a-h]/.test(word))) return { content: `${word.toUpperCase()}!!` };
  return { content: word.toUpperCase() };
}

describe('the gate\'s three verdicts at repeat 1, with no maxRegressions policy', () => {
  let server: MockServer;
  let dir: string;
  const compare = (candidate: string, reporters: string[] = []) => runCliInProcess(['compare', '--baseline', '@1.0.0', '--candidate', candidate, ...reporters.flatMap((r) => ['--reporter', r])], { cwd: dir });
  const runOf = async (stdout: string) => readRun(/^Run folder: (.+)$/m.exec(stdout)![1]);

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: garble });
    dir = await makeProject({});
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}' } } };\n`;
    const cases = ['word,__expected', ...WORDS.map((w) => `${w},equals:${w.toUpperCase()}`)].join('\n');
    await initAndCommit(dir, { 'eval.config.mjs': config, 'prompts/shout.prompt': prompt('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': cases, '.gitignore': 'reports/\n.promptgate-cache/\n' }, '1.0.0');
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.1.0', 'Repeat the word in capitals, be sloppy.') }, '1.1.0');
    await commitFiles(dir, { 'prompts/shout.prompt': prompt('1.2.0', 'Repeat the word in capitals, be careless.') }, '1.2.0');
  });
  afterAll(async () => server.close());

  it('three regressions in ten cases are inconclusive (exit 4), in every report, with what would decide it', async () => {
    const result = await compare('@1.1.0', ['console', 'json', 'markdown', 'junit', 'html']);
    expect(result.code).toBe(4);
    const runDir = /^Run folder: (.+)$/m.exec(result.stdout)![1];
    const run = await readRun(runDir);
    const [row] = run.comparison!.rows;
    expect(row).toMatchObject({ verdict: 'inconclusive', test: 'mcnemar-midp', pValue: 0.0625, pValueFamily: 0.0625, counts: { regressed: 3, improved: 0 } });
    expect(row.decidedBy).toMatch(/^neither: lower bound \u22120\.\d\d \u2264 \u22120\.02 \(margin\) and mid-p McNemar: 3 regressed vs 0 improved \(exact\), p=0\.06\d \u2265 0\.05$/);
    expect(row.passRateDeltaCi[0]).toBeLessThanOrEqual(-0.02);
    expect(row.passRateDeltaCi[1]).toBeGreaterThanOrEqual(0);
    expect(row.toDecide?.cases).toBeGreaterThan(0);
    expect(run.gate?.verdict).toBe('inconclusive');
    expect(run.comparison?.familyWise).toMatchObject({ rows: 1, pValue: 0.0625, alphaCase: 0 });
    const decide = run.gate!.reasons.find((r) => r.includes('would likely decide it'))!;
    expect(decide).toMatch(/^shout \u00d7 m: about \d+ more cases? would likely decide it \(more repeats help only if the outputs vary from run to run\)$/);
    expect(row.toDecide?.repeats).toBeNull();
    // Its own line in every report.
    expect(result.stdout).toMatch(/^Gate: INCONCLUSIVE \u2014 .*would likely decide it/m);
    const summary = await readFile(join(runDir, 'summary.md'), 'utf8');
    expect(summary).toContain('# \u2754 promptgate compare: inconclusive');
    expect(summary).toContain(`- ${decide.replace(/\u00d7/g, '\u00d7')}`);
    const junit = await readFile(join(runDir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<property name="gate.verdict" value="inconclusive"/>');
    expect(junit).toMatch(/<property name="gate.inconclusive" value="[^"]*would likely decide it[^"]*"\/>/);
    const html = await readFile(join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('"kind":"inconclusive"');
    expect(html).toContain('would likely decide it');
  });

  it('eight regressions in ten cases fail the gate by the test (exit 1), with an interval below zero', async () => {
    const result = await compare('@1.2.0');
    expect(result.code).toBe(1);
    const [row] = (await runOf(result.stdout)).comparison!.rows;
    expect(row).toMatchObject({ verdict: 'fail', test: 'mcnemar-midp', counts: { regressed: 8, improved: 0 } });
    expect(row.pValue).toBeCloseTo(2 ** -9, 14);
    expect(row.decidedBy).toBe('mid-p McNemar: 8 regressed vs 0 improved (exact), p=0.002 < 0.05');
    expect(row.passRateDeltaCi[1]).toBeLessThan(0);
    expect(result.stdout).toMatch(/^Gate: FAIL \u2014 shout \u00d7 m: pass rate 1\.00 \u2192 0\.20 /m);
  });

  it('at --repeat 3 the p-value counts ties whole: three always-broken cases in ten are p = 1/8 (mid-p would say 1/16), inconclusive (exit 4)', async () => {
    const result = await runCliInProcess(['compare', '--baseline', '@1.0.0', '--candidate', '@1.1.0', '--repeat', '3'], { cwd: dir });
    expect(result.code).toBe(4);
    const run = await runOf(result.stdout);
    const [row] = run.comparison!.rows;
    expect(row).toMatchObject({ verdict: 'inconclusive', test: 'sign-flip', counts: { regressed: 3, improved: 0 } });
    expect(row.pValue).toBeCloseTo(1 / 8, 14);
    expect(row.decidedBy).toMatch(/^neither: lower bound \u22120\.\d\d \u2264 \u22120\.02 \(margin\) and sign-flip over 10 cases \(exact\), p=0\.13 \u2265 0\.05$/);
    expect(run.gate?.verdict).toBe('inconclusive');
  });

  it('an unchanged candidate passes: its lower bound is above \u2212margin (exit 0)', async () => {
    const result = await compare('@1.0.0');
    expect(result.code).toBe(0);
    const [row] = (await runOf(result.stdout)).comparison!.rows;
    expect(row).toMatchObject({ verdict: 'pass', passRateDeltaCi: [0, 0] });
    expect(row.decidedBy).toMatch(/^non-inferiority: lower bound 0\.00 > \u22120\.02 \(margin\), p=0\.00049 < 0\.05/);
  });
});
