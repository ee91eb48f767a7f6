import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLock, checkLocked, parseLock, readLockFile, writeLockFile } from './lock.js';

const A = { id: 'b-prompt', version: '1.0.0', hash: 'aaaaaaaaaaaa', path: 'prompts/b-prompt.prompt' };
const B = { id: 'a-prompt', version: '2.1.0', hash: '0123456789ab', path: 'prompts/a-prompt.prompt' };

describe('prompts.lock.json', () => {
  it('builds, writes and reads back the documented format (ids sorted)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promptgate-lock-'));
    const file = join(dir, 'prompts.lock.json');
    const lock = buildLock([A, B]);
    expect(lock).toEqual({
      version: 1,
      prompts: {
        'a-prompt': { version: '2.1.0', hash: '0123456789ab', path: 'prompts/a-prompt.prompt' },
        'b-prompt': { version: '1.0.0', hash: 'aaaaaaaaaaaa', path: 'prompts/b-prompt.prompt' },
      },
    });
    await writeLockFile(file, lock);
    const text = await readFile(file, 'utf8');
    expect(text.indexOf('a-prompt')).toBeLessThan(text.indexOf('b-prompt'));
    expect(text.endsWith('}\n')).toBe(true);
    expect(await readLockFile(file)).toEqual(lock);
    expect(await readdir(dir)).toEqual(['prompts.lock.json']);
  });

  it('reads a missing lock as undefined, and rejects wrong shapes naming the file (and line)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promptgate-lock-'));
    expect(await readLockFile(join(dir, 'none.json'))).toBeUndefined();
    await writeFile(join(dir, 'bad.json'), '{\n  "version": 1,\n  "prompts": [\n');
    await expect(readLockFile(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'LOCK_INVALID', location: { line: expect.any(Number) } });
    expect(() => parseLock('{"version":2,"prompts":{}}', 'l.json')).toThrow(/l\.json: unsupported lock format version 2/);
    expect(() => parseLock('{"version":1,"prompts":{"x":{"version":"1.0.0","hash":"XYZ","path":"p"}}}', 'l.json')).toThrow(/prompts\.x\.hash/);
    expect(() => parseLock('{"version":1}', 'l.json')).toThrow(/"prompts" must be an object/);
  });

  it('checks a prompt against the lock: match, changed hash, unlisted', () => {
    const lock = buildLock([A]);
    expect(checkLocked(A, lock, 'prompts.lock.json')).toBeUndefined();
    const changed = checkLocked({ ...A, version: '1.0.1', hash: 'bbbbbbbbbbbb' }, lock, 'prompts.lock.json');
    expect(changed?.code).toBe('LOCK_MISMATCH');
    expect(changed?.message).toBe(
      'prompts/b-prompt.prompt: b-prompt@1.0.1 has hash bbbbbbbbbbbb, but prompts.lock.json locks b-prompt@1.0.0 with hash aaaaaaaaaaaa; refusing the changed file',
    );
    expect(checkLocked(B, lock, 'prompts.lock.json')?.message).toMatch(/a-prompt@2\.1\.0 \(hash 0123456789ab\) is not in prompts\.lock\.json/);
    // An id that is an Object.prototype name is not "in" the lock.
    expect(checkLocked({ ...A, id: 'constructor' }, lock, 'prompts.lock.json')?.code).toBe('LOCK_MISMATCH');
  });
});
