/**
 * action.yml (the composite GitHub Action) and the workflows `init --ci github` writes: every
 * `with:` a workflow gives the action is one of its inputs, required ones are given, every input the
 * action's steps read is declared; and the action's shell steps, run with bash and a stand-in `npx`,
 * pass the inputs as flags, find the run folder, and end with the gate's exit code.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DRIFT_WORKFLOW, PR_WORKFLOW, PROMPTGATE_ACTION } from '../../src/workflows/github-workflows.js';
import { makeProject, REPO_ROOT } from '../helpers/cli.js';

interface ActionInput { description: string; required?: boolean; default?: string }
interface Step { id?: string; name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string>; 'continue-on-error'?: boolean }
interface Action { inputs: Record<string, ActionInput>; outputs: Record<string, { value: string }>; runs: { using: string; steps: Step[] } }
interface Job { needs?: string | string[]; if?: string; strategy?: { matrix: Record<string, unknown[]> }; outputs?: Record<string, string>; steps: Step[] }
interface Workflow { on: Record<string, any>; permissions: Record<string, string>; jobs: Record<string, Job> }

const action = parse(await readFile(join(REPO_ROOT, 'action.yml'), 'utf8')) as Action;
const workflows = { 'promptgate-pr.yml': parse(PR_WORKFLOW) as Workflow, 'promptgate-drift.yml': parse(DRIFT_WORKFLOW) as Workflow };
const actionSteps = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => s.uses === PROMPTGATE_ACTION));

describe('action.yml', () => {
  it('is a composite action with the inputs the issue names, and reads no input it does not declare', async () => {
    expect(action.runs.using).toBe('composite');
    for (const name of ['command', 'base-ref', 'reporters', 'shard', 'working-directory', 'node-version', 'github-token', 'comment']) expect(action.inputs, name).toHaveProperty(name);
    expect(action.inputs['github-token'].default).toBe('${{ github.token }}');
    const text = await readFile(join(REPO_ROOT, 'action.yml'), 'utf8');
    const read = new Set([...text.matchAll(/inputs\.([a-z-]+)/g)].map((m) => m[1]));
    expect([...read].filter((name) => !(name in action.inputs))).toEqual([]);
    expect(Object.keys(action.inputs).filter((name) => !read.has(name))).toEqual([]);
    // The comment goes through promptgate's own updater, the run folder to upload-artifact, and the last step ends the job with the gate's code.
    expect(action.runs.steps.some((s) => s.run?.includes('promptgate comment --file'))).toBe(true);
    expect(action.runs.steps.some((s) => s.uses === 'actions/upload-artifact@v4')).toBe(true);
    expect(action.runs.steps.at(-1)).toMatchObject({ if: 'always()', env: { PG_EXIT: '${{ steps.gate.outputs.exit-code }}' } });
  });

  it("every workflow `init --ci github` writes gives the action only its inputs, and every required one", () => {
    const required = Object.entries(action.inputs).filter(([, input]) => input.required).map(([name]) => name);
    for (const [file, workflow] of Object.entries(workflows)) {
      const steps = actionSteps(workflow);
      expect(steps.length, file).toBeGreaterThan(0);
      for (const step of steps) {
        const keys = Object.keys(step.with ?? {});
        expect(keys.filter((key) => !(key in action.inputs)), `${file}: ${step.name}`).toEqual([]);
        expect(required.filter((name) => !keys.includes(name)), `${file}: ${step.name}`).toEqual([]);
      }
    }
    const [pr] = actionSteps(workflows['promptgate-pr.yml']);
    expect(pr.with).toEqual({ command: 'ci' });
    expect(workflows['promptgate-pr.yml'].permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(PROMPTGATE_ACTION).toMatch(/^[\w.-]+\/[\w.-]+@v0$/);
  });

  it('the nightly drift workflow: a shard matrix through the action, a merge of every shard, and baseline accept for the first baseline or by hand', () => {
    const { jobs, on } = workflows['promptgate-drift.yml'];
    expect(on.workflow_dispatch.inputs).toMatchObject({ accept: { type: 'boolean' }, reason: { type: 'string' } });
    const shards = jobs.drift.strategy!.matrix.shard;
    expect(shards).toEqual([1, 2, 3, 4]);
    const [shard] = actionSteps(workflows['promptgate-drift.yml']);
    expect(shard.with).toMatchObject({ command: '${{ needs.plan.outputs.command }}', shard: `\${{ matrix.shard }}/${shards.length}`, comment: false, 'artifact-name': 'promptgate-shard-${{ matrix.shard }}' });
    expect(jobs.drift.needs).toBe('plan');
    expect(jobs.plan.steps.find((s) => s.id === 'plan')?.run).toContain('reports/baseline/baseline.json');
    expect(jobs.merge.needs).toEqual(['plan', 'drift']);
    const download = jobs.merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact'));
    expect(download?.with).toEqual({ pattern: 'promptgate-shard-*', path: 'shards' });
    expect(jobs.merge.steps.find((s) => s.id === 'merge')?.run).toContain('npx promptgate merge shards/*/');
    const accept = jobs.merge.steps.find((s) => s.run?.includes('promptgate baseline accept'));
    expect(accept?.if).toBe("needs.plan.outputs.command == 'run' || inputs.accept");
    expect(accept?.run).toContain('git add -f reports/baseline');
    expect(jobs.merge.steps.at(-1)).toMatchObject({ run: 'exit "${CODE:-2}"', env: { CODE: '${{ steps.merge.outputs.exit-code }}' } });
  });
});

describe("action.yml's shell steps (bash, with a stand-in npx that records its arguments)", () => {
  const script = (id: string) => action.runs.steps.find((s) => s.id === id)!.run!;
  const hasBash = spawnSync('bash', ['--version']).status === 0;

  /**
   * Runs the gate step once per scenario (inputs → its PG_* variables; the stand-in npx exits with
   * `exit`), all in ONE bash process (forking this test process costs more than bash itself), as
   * GitHub runs a `shell: bash` step (-e, pipefail). Returns each scenario's outputs and npx arguments.
   */
  async function runGates(scenarios: Array<{ inputs: Record<string, string>; exit: number }>) {
    const root = await makeProject({});
    await mkdir(join(root, 'bin'));
    // The stand-in: records its arguments and writes a new run folder, as promptgate does.
    await writeFile(join(root, 'bin/npx'), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > args.txt\nmkdir -p reports/2026-11-30T04-17-00-000-bbbbbb\nexit "$FAKE_EXIT"\n`);
    await chmod(join(root, 'bin/npx'), 0o755);
    await writeFile(join(root, 'gate.sh'), script('gate'));
    const defaults = { PG_REPORTS: 'reports', PG_COMMAND: 'ci', PG_BASE_REF: '', PG_BASELINE: '', PG_REPORTERS: '', PG_SHARD: '', PG_ARGS: '', PG_ARTIFACT: '' };
    const quote = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;
    const driver = scenarios.map(({ inputs, exit }, i) => {
      const vars = Object.entries({ ...defaults, ...inputs, FAKE_EXIT: String(exit), GITHUB_OUTPUT: join(root, `s${i}`, 'out.txt') }).map(([k, v]) => `${k}=${quote(v)}`).join(' ');
      return `mkdir -p s${i}/reports/2026-01-01T00-00-00-000-aaaaaa s${i}/reports/baseline && (cd s${i} && env ${vars} bash --noprofile --norc -eo pipefail ../gate.sh)`;
    });
    const result = spawnSync('bash', ['-e', '-c', driver.join('\n')], { cwd: root, env: { PATH: `${join(root, 'bin')}:${process.env.PATH}`, GITHUB_RUN_ID: '99', GITHUB_RUN_ATTEMPT: '1' }, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return Promise.all(
      scenarios.map(async (_, i) => ({
        outputs: Object.fromEntries((await readFile(join(root, `s${i}`, 'out.txt'), 'utf8')).trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2))),
        args: await readFile(join(root, `s${i}`, 'args.txt'), 'utf8').then((t) => t.trim().split('\n'), () => []),
      })),
    );
  }

  it.runIf(hasBash)('passes the inputs as flags, names the new run folder, and the last step exits with the gate\'s code', async () => {
    const [ci, drift, wrong, baselineOnCi] = await runGates([
      { inputs: { PG_COMMAND: 'ci', PG_BASE_REF: 'origin/main', PG_REPORTERS: 'console, junit,markdown' }, exit: 1 },
      { inputs: { PG_COMMAND: 'drift', PG_SHARD: '2/4', PG_ARGS: 'shout --model m' }, exit: 0 },
      { inputs: { PG_COMMAND: 'ci; rm -rf /' }, exit: 0 },
      { inputs: { PG_COMMAND: 'ci', PG_BASELINE: 'run:x' }, exit: 0 },
    ]);
    expect(ci.args).toEqual(['--no-install', 'promptgate', 'ci', '--base', 'origin/main', '--reporter', 'console', '--reporter', 'junit', '--reporter', 'markdown']);
    // The gate's code is an output (the comment and the upload run first); the step itself passes.
    expect(ci.outputs).toEqual({ 'exit-code': '1', 'run-dir': 'reports/2026-11-30T04-17-00-000-bbbbbb/', 'artifact-name': 'promptgate-ci-99-1' });
    expect(drift.args).toEqual(['--no-install', 'promptgate', 'drift', '--shard', '2/4', 'shout', '--model', 'm']);
    expect(drift.outputs['artifact-name']).toBe('promptgate-drift-99-1-shard-2-of-4');
    expect(wrong).toEqual({ args: [], outputs: { 'exit-code': '2' } });
    expect(baselineOnCi).toEqual({ args: [], outputs: { 'exit-code': '2' } });

    // The last step: the job ends with the gate's code (2 when the gate never ran).
    const last = action.runs.steps.at(-1)!.run!;
    const codes = spawnSync('bash', ['-c', ['0', '1', '3', ''].map((code) => `PG_EXIT='${code}' bash -eo pipefail -c "$LAST" >/dev/null 2>&1; echo $?`).join('\n')], { env: { PATH: process.env.PATH, LAST: last }, encoding: 'utf8' });
    expect(codes.stdout.trim().split('\n')).toEqual(['0', '1', '3', '2']);
  });
});
