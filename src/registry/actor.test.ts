import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actorOf } from './actor.js';

describe('actorOf', () => {
  it('the CI actor first, then git user.name <user.email> of the repository, then the OS user', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'pg-actor-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo });
    git('init', '-q');
    git('config', 'user.name', 'Ada Lovelace');
    git('config', 'user.email', 'ada@example.com');
    expect(await actorOf({ GITHUB_ACTOR: 'octocat' }, repo)).toBe('octocat (CI)');
    expect(await actorOf({}, repo)).toBe('Ada Lovelace <ada@example.com>');
    git('config', '--unset', 'user.email');
    // Only the name set here; a global email (if the machine has one) is still git's answer.
    expect(await actorOf({}, repo)).toMatch(/^Ada Lovelace( <.+>)?$/);
  });

  it('outside git, without a git identity: the OS user', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-actor-'));
    // An empty global and system config: no identity from the machine's git settings.
    const prior = { g: process.env.GIT_CONFIG_GLOBAL, s: process.env.GIT_CONFIG_NOSYSTEM };
    process.env.GIT_CONFIG_GLOBAL = join(dir, 'none');
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    try {
      expect(await actorOf({}, dir)).toBe(userInfo().username);
    } finally {
      if (prior.g === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = prior.g;
      if (prior.s === undefined) delete process.env.GIT_CONFIG_NOSYSTEM;
      else process.env.GIT_CONFIG_NOSYSTEM = prior.s;
    }
  });
});
