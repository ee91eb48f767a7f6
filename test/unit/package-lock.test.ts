import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

type Manifest = Record<string, unknown>;

const FIELDS = ['name', 'version', 'bin', 'engines', 'dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/** The fields npm copies from package.json into the lock file's root entry (`packages[""]`). */
function rootFields(manifest: Manifest): Manifest {
  const picked: Manifest = {};
  for (const field of FIELDS) if (manifest[field] !== undefined) picked[field] = manifest[field];
  return picked;
}

describe('package-lock.json', () => {
  // A lock whose root entry disagrees with package.json is rewritten by a fresh clone's `npm install`
  // (a dirty tree before anything ran); `npm ci` refuses it outright. Fix: npm install --package-lock-only.
  it("root entry matches package.json (name, version, bin, engines, dependency ranges)", async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
    const lock = JSON.parse(await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { name: string; version: string; packages: Record<string, Manifest> };
    expect({ name: lock.name, version: lock.version }).toEqual({ name: pkg.name, version: pkg.version });
    expect(rootFields(lock.packages[''])).toEqual(rootFields(pkg));
  });
});
