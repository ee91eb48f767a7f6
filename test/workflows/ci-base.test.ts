import { describe, expect, it } from 'vitest';
import { isPromptgateError } from '../../src/errors.js';
import { baseCandidates, resolveCiBase } from '../../src/workflows/ci-base.js';
import { makeProject } from '../helpers/cli.js';
import { commitFiles, gitIn, initRepo } from '../helpers/git-repo.js';

describe('ci base', () => {
  it('prefers --base, then the PR base from the environment, then origin/main and main', () => {
    expect(baseCandidates('release', { GITHUB_BASE_REF: 'main' })).toEqual(['release']);
    expect(baseCandidates(undefined, { GITHUB_BASE_REF: 'develop' })).toEqual(['origin/develop', 'develop', 'origin/main', 'main']);
    expect(baseCandidates(undefined, { CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'trunk' })).toEqual(['origin/trunk', 'trunk', 'origin/main', 'main']);
    expect(baseCandidates(undefined, {})).toEqual(['origin/main', 'main']);
  });

  it('resolves the merge base with HEAD, not the base branch tip', async () => {
    const dir = await makeProject({});
    initRepo(dir);
    const branchPoint = await commitFiles(dir, { 'a.txt': '1' }, 'one');
    gitIn(dir, 'checkout', '-q', '-b', 'feature');
    await commitFiles(dir, { 'b.txt': '2' }, 'feature work');
    gitIn(dir, 'checkout', '-q', 'main');
    await commitFiles(dir, { 'a.txt': '3' }, 'main moves on');
    gitIn(dir, 'checkout', '-q', 'feature');
    const base = await resolveCiBase(dir, undefined, { GITHUB_BASE_REF: 'main' });
    expect(base.ref).toBe('main');
    expect(base.commit).toBe(branchPoint);
    expect(base.label).toMatch(/^merge base [0-9a-f]{7,} with main$/);
  });

  it('fails with exit 2 when no base exists', async () => {
    const dir = await makeProject({});
    initRepo(dir, 'trunk');
    await commitFiles(dir, { 'a.txt': '1' }, 'one');
    const error = await resolveCiBase(dir, undefined, {}).catch((e: unknown) => e);
    expect(isPromptgateError(error) && error.exitCode).toBe(2);
    expect((error as Error).message).toContain('no base branch found (tried "origin/main", "main")');
  });
});
