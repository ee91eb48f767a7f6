import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, gitIn, initRepo } from '../helpers/git-repo.js';
import { PROMPTGATE_ACTION } from '../../src/workflows/github-workflows.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Workflow {
  name: string;
  on: Record<string, any>;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}

const stepsOf = (workflow: Workflow) => Object.values(workflow.jobs)[0].steps;

describe('promptgate init', () => {
  it('scaffolds a project that runs and checks out of the box, with two valid GitHub workflows', async () => {
    const dir = await makeProject({});
    const init = await runCliInProcess(['init', '--ci', 'github'], { cwd: dir });
    expect(init.code).toBe(0);
    for (const file of ['eval.config.ts', 'prompts/hello.prompt', 'evals/hello.csv', '.gitignore', '.github/workflows/promptgate-pr.yml', '.github/workflows/promptgate-drift.yml']) {
      expect(init.stdout).toContain(`created  ${file}`);
    }
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toContain('reports/\n.promptgate-cache/\n');

    const run = await runCliInProcess(['run'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('hello@1.0.0');
    expect(run.stdout).toMatch(/2 cases · 2 passed/);
    const check = await runCliInProcess(['check'], { cwd: dir });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('all valid');

    const pr = parse(await readFile(join(dir, '.github/workflows/promptgate-pr.yml'), 'utf8')) as Workflow;
    expect(pr.on.pull_request.paths).toEqual(expect.arrayContaining(['prompts/**', 'evals/**', 'eval.config.*']));
    const prSteps = stepsOf(pr);
    expect(prSteps.find((s) => s.uses?.startsWith('actions/checkout'))?.with).toEqual({ 'fetch-depth': 0 });
    expect(prSteps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(20);
    expect(prSteps.some((s) => s.run === 'npm ci')).toBe(true);
    const cache = prSteps.find((s) => s.uses?.startsWith('actions/cache'));
    expect(cache?.with?.path).toBe('.promptgate-cache');
    expect(String(cache?.with?.key)).toContain("hashFiles('prompts/**', 'evals/**')");
    // The gate runs through promptgate's action (comment, upload, exit code: test/workflows/action.test.ts).
    const gateIndex = prSteps.findIndex((s) => s.uses === PROMPTGATE_ACTION && s.with?.command === 'ci');
    expect(gateIndex).toBeGreaterThan(prSteps.indexOf(cache!));

    const drift = parse(await readFile(join(dir, '.github/workflows/promptgate-drift.yml'), 'utf8')) as Workflow;
    expect(drift.on.schedule[0].cron).toMatch(/^\S+ \S+ \* \* \*$/);
    expect(drift.on).toHaveProperty('workflow_dispatch');
    const driftSteps = drift.jobs.drift.steps;
    expect(driftSteps.find((s) => s.uses?.startsWith('actions/checkout'))?.with).toEqual({ 'fetch-depth': 0 });
    expect(driftSteps.some((s) => s.uses?.startsWith('actions/cache') && s.with?.path === '.promptgate-cache')).toBe(true);
    expect(driftSteps.some((s) => s.uses === PROMPTGATE_ACTION)).toBe(true);
    expect(drift.jobs.merge.steps.some((s) => s.run?.includes('gh issue create'))).toBe(true);
  });

  it('never overwrites: a second init skips every file and keeps edits', async () => {
    const dir = await makeProject({ '.gitignore': 'node_modules/' });
    expect((await runCliInProcess(['init'], { cwd: dir })).code).toBe(0);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n\n# promptgate\nreports/\n.promptgate-cache/\n');
    await writeFile(join(dir, 'prompts/hello.prompt'), '---\nversion: 9.9.9\n---\nmine\n');
    const again = await runCliInProcess(['init'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('created');
    expect(again.stdout).toContain('skipped  prompts/hello.prompt (already exists)');
    expect(again.stdout).toContain('skipped  eval.config.ts (eval.config.ts already exists)');
    expect(await readFile(join(dir, 'prompts/hello.prompt'), 'utf8')).toBe('---\nversion: 9.9.9\n---\nmine\n');
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n\n# promptgate\nreports/\n.promptgate-cache/\n');
  });

  it('an unknown --ci is a usage error (exit 2)', async () => {
    const dir = await makeProject({});
    const result = await runCliInProcess(['init', '--ci', 'jenkins'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown CI "jenkins"');
  });
});

describe('promptgate check: version discipline and prompts.lock.json', () => {
  const bumped = (source: string, version: string, text: string) => source.replace(/version: \S+/, `version: ${version}`).replace('in one short sentence', text);

  it('in a git repo: an edit without a bump fails naming the file; a bump passes; a stale lock fails naming the id', async () => {
    const dir = await makeProject({});
    expect((await runCliInProcess(['init'], { cwd: dir })).code).toBe(0);
    initRepo(dir);
    const original = await readFile(join(dir, 'prompts/hello.prompt'), 'utf8');
    await commitFiles(dir, {}, 'scaffold');

    const lock = await runCliInProcess(['lock'], { cwd: dir });
    expect(lock.code).toBe(0);
    expect(lock.stdout).toContain('wrote prompts.lock.json (1 prompt)');
    const locked = JSON.parse(await readFile(join(dir, 'prompts.lock.json'), 'utf8'));
    expect(locked).toEqual({ version: 1, prompts: { hello: { version: '1.0.0', hash: expect.stringMatching(/^[0-9a-f]{12}$/), path: 'prompts/hello.prompt' } } });
    const clean = await runCliInProcess(['check'], { cwd: dir });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('prompts.lock.json matches the working tree');
    await commitFiles(dir, {}, 'lock');

    await writeFile(join(dir, 'prompts/hello.prompt'), bumped(original, '1.0.0', 'in two long sentences'));
    const notBumped = await runCliInProcess(['check'], { cwd: dir });
    expect(notBumped.code).toBe(1);
    expect(notBumped.stderr).toContain('prompts/hello.prompt: content changed but version is still 1.0.0 (bump it');

    await writeFile(join(dir, 'prompts/hello.prompt'), bumped(original, '1.1.0', 'in two long sentences'));
    const staleLock = await runCliInProcess(['check'], { cwd: dir });
    expect(staleLock.code).toBe(1);
    expect(staleLock.stderr).not.toContain('bump it');
    expect(staleLock.stderr).toMatch(/prompts\.lock\.json: stale lock, 1 prompt id\(s\) differ from the working tree: hello: locked 1\.0\.0 \([0-9a-f]{12}\), working tree 1\.1\.0/);

    expect((await runCliInProcess(['lock'], { cwd: dir })).stdout).toMatch(/hello: locked 1\.0\.0 .* working tree 1\.1\.0/);
    expect((await runCliInProcess(['check'], { cwd: dir })).code).toBe(0);

    // --base compares with an older revision: 1.1.0 is above 1.0.0 there too.
    expect((await runCliInProcess(['check', '--base', 'HEAD~1'], { cwd: dir })).code).toBe(0);
    const unknown = await runCliInProcess(['check', '--base', 'nope'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown git revision "nope"');
    expect(gitIn(dir, 'status', '--porcelain')).toContain('prompts/hello.prompt');
  });

  it('a malformed lock is bad input (exit 2)', async () => {
    const dir = await makeProject({});
    expect((await runCliInProcess(['init'], { cwd: dir })).code).toBe(0);
    await writeFile(join(dir, 'prompts.lock.json'), '{ "version": 1, "prompts": [] }');
    const result = await runCliInProcess(['check'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('prompts.lock.json');
  });
});
