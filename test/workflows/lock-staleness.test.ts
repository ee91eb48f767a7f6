import { describe, expect, it } from 'vitest';
import { buildLock } from '../../src/runtime/lock.js';
import { describeStaleLock, diffLocks } from '../../src/workflows/lock-staleness.js';

const p = (id: string, version: string, hash: string, path = `prompts/${id}.prompt`) => ({ id, version, hash, path });

describe('stale lock detection', () => {
  it('finds no difference in an identical lock', () => {
    const lock = buildLock([p('a', '1.0.0', 'aaaaaaaaaaaa'), p('b', '2.0.0', 'bbbbbbbbbbbb')]);
    expect(diffLocks(lock, buildLock([p('b', '2.0.0', 'bbbbbbbbbbbb'), p('a', '1.0.0', 'aaaaaaaaaaaa')]))).toEqual([]);
  });

  it('names every id that differs: changed, added, removed, moved', () => {
    const locked = buildLock([p('a', '1.0.0', 'aaaaaaaaaaaa'), p('gone', '1.0.0', 'cccccccccccc'), p('moved', '1.0.0', 'dddddddddddd')]);
    const current = buildLock([p('a', '1.1.0', 'abababababab'), p('new', '0.1.0', 'eeeeeeeeeeee'), p('moved', '1.0.0', 'dddddddddddd', 'prompts/sub/moved.prompt')]);
    expect(diffLocks(locked, current)).toEqual([
      { id: 'a', detail: 'locked 1.0.0 (aaaaaaaaaaaa), working tree 1.1.0 (abababababab)' },
      { id: 'gone', detail: 'locked but no longer in the project' },
      { id: 'moved', detail: 'locked at prompts/moved.prompt, now at prompts/sub/moved.prompt' },
      { id: 'new', detail: 'not locked (0.1.0, eeeeeeeeeeee)' },
    ]);
  });

  it('describes a stale lock in one line naming the ids', () => {
    const text = describeStaleLock('prompts.lock.json', [{ id: 'a', detail: 'x' }, { id: 'b', detail: 'y' }]);
    expect(text).toMatch(/^prompts\.lock\.json: stale lock, 2 prompt id\(s\) differ from the working tree: a: x; b: y/);
    expect(text).not.toContain('\n');
  });
});
