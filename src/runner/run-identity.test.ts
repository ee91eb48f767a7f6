import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/resolve.js';
import type { UserConfig } from '../config/types.js';
import type { PromptFile } from '../prompts/types.js';
import type { SuiteRun } from './engine.js';
import type { SuitePlan } from './plan.js';
import { buildRunIdentity, checkResumable, identityDifference, RUN_IDENTITY_FILE, writeRunIdentity, type IdentityInput } from './run-identity.js';
import { makeRun } from '../../test/reporters/synthetic.js';

const prompt = (version: string, hash: string) => ({ id: 'shout', version, hash, path: 'prompts/shout.prompt' }) as PromptFile;

async function setup() {
  const root = await mkdtemp(join(tmpdir(), 'pg-identity-'));
  await writeFile(join(root, 'shout.csv'), 'word,__expected\nw0,contains:W0\n');
  const user: UserConfig = {
    models: {
      staging: { provider: 'openai', model: 'm', baseURL: 'http://127.0.0.1:1/v1' },
      prod: { provider: 'openai', model: 'm' },
    },
  };
  const input = (changes: Partial<IdentityInput> = {}, plan: Partial<SuitePlan> = {}, baseline?: SuiteRun['baseline']): IdentityInput => ({
    config: resolveConfig(user, root),
    suites: [{ plan: { name: 'shout', prompt: prompt('1.0.0', 'aaa'), promptPath: '', caseFiles: [join(root, 'shout.csv')], models: ['staging', 'prod'], repeat: 1, assert: [], ...plan }, candidate: { kind: 'prompt', prompt: prompt('1.0.0', 'aaa') }, baseline }],
    runId: 'r1',
    command: 'run',
    ...changes,
  });
  return { root, user, input };
}

describe('run identity', () => {
  it('names the first setting that changes results, and nothing for settings that do not', async () => {
    const { root, user, input } = await setup();
    const base = await buildRunIdentity(input());
    const differs = async (changes: Partial<IdentityInput>, plan: Partial<SuitePlan> = {}, baseline?: SuiteRun['baseline']) =>
      identityDifference(base, await buildRunIdentity(input(changes, plan, baseline)));

    expect(await differs({ runId: 'another' })).toBeUndefined();
    expect(await differs({ config: resolveConfig({ ...user, concurrency: 1, reporters: ['junit'] }, root) })).toBeUndefined();
    expect(await differs({ command: 'compare' })).toBe('the command changed ("run" → "compare")');
    expect(await differs({ filter: 'w1' })).toBe('the case filter (--filter) changed (none → "w1")');
    expect(await differs({ shard: '2/3' })).toBe('the shard (--shard) changed (none → "2/3")');
    expect(await differs({ models: ['prod'] })).toBe('the model selection (--model) changed (none → ["prod"])');
    expect(await differs({ specs: { baseline: 'main' } })).toBe('the baseline spec (--baseline) changed (none → "main")');
    expect(await differs({}, { models: ['prod'] })).toBe('the models of suite "shout" changed ("staging, prod" → "prod")');
    expect(await differs({}, { repeat: 3 })).toBe('the repeat count (--repeat) of suite "shout" changed (1 → 3)');
    expect(await differs({}, {}, { kind: 'prompt', prompt: prompt('0.9.0', 'bbb') })).toBe('the baseline prompt version of suite "shout" changed (none → "shout@0.9.0 bbb")');
    const candidate = await buildRunIdentity({ ...input(), suites: [{ ...input().suites[0], candidate: { kind: 'prompt', prompt: prompt('1.0.1', 'ccc') } }] });
    expect(identityDifference(base, candidate)).toBe('the candidate prompt version of suite "shout" changed ("shout@1.0.0 aaa" → "shout@1.0.1 ccc")');
    const params = resolveConfig({ ...user, models: { ...user.models, prod: { provider: 'openai', model: 'm', params: { temperature: 1 } } } }, root);
    expect(await differs({ config: params })).toMatch(/^the config digest changed \("[0-9a-f]{12}" → "[0-9a-f]{12}"\)$/);
    await writeFile(join(root, 'shout.csv'), 'word,__expected\nw0,contains:W1\n');
    expect(await differs({})).toMatch(/^the case file shout\.csv of suite "shout" changed \("sha256 [0-9a-f]{12}" → "sha256 [0-9a-f]{12}"\)$/);
  });

  it('checkResumable: refuses a complete run, a folder without an identity, and a changed one; accepts the same', async () => {
    const { input } = await setup();
    const dir = await mkdtemp(join(tmpdir(), 'pg-identity-run-'));
    const identity = await buildRunIdentity(input());
    await expect(checkResumable(dir, 'shown', identity)).rejects.toThrow(`cannot resume: the run folder has no ${RUN_IDENTITY_FILE}`);
    await writeRunIdentity(dir, identity);
    expect(JSON.parse(await readFile(join(dir, RUN_IDENTITY_FILE), 'utf8'))).toEqual(identity);
    await expect(checkResumable(dir, 'shown', identity)).resolves.toBeUndefined();
    const changed = await buildRunIdentity(input({ filter: 'x' }));
    const error = await checkResumable(dir, 'shown', changed).catch((e: unknown) => e);
    expect((error as { format(): string }).format()).toBe(
      `shown/${RUN_IDENTITY_FILE}: cannot resume: the case filter (--filter) changed (none → "x") since the interrupted run (start a new run without --resume, or resume with the settings of the interrupted run)`,
    );
    const stored = (status: 'complete' | 'interrupted') => `${JSON.stringify({ ...makeRun({ cases: 0 }), runId: 'r1', status })}\n`;
    await writeFile(join(dir, 'run.json'), stored('complete'));
    await expect(checkResumable(dir, 'shown', identity)).rejects.toThrow('cannot resume run r1: it is already complete');
    await writeFile(join(dir, 'run.json'), stored('interrupted'));
    await expect(checkResumable(dir, 'shown', identity)).resolves.toBeUndefined();
  });
});
