import { describe, expect, it } from 'vitest';
import { pointerStack } from './label-moves.js';
import type { LabelEvent } from './types.js';

let seq = 0;
const event = (action: LabelEvent['action'], version: string): LabelEvent => ({
  seq: ++seq,
  id: 'greet',
  label: 'production',
  version,
  hash: `h${version}`,
  action,
  at: '2026-01-01T00:00:00.000Z',
  by: 'Ada',
  previous: null,
});

describe('pointerStack', () => {
  it('undoes promotes as a stack: a rollback pops, a promote pushes, re-promoting the current version does not', () => {
    const versions = (events: LabelEvent[]) => pointerStack(events).map((pointer) => pointer.version);
    expect(versions([])).toEqual([]);
    expect(versions([event('promote', '1'), event('promote', '2'), event('promote', '3')])).toEqual(['1', '2', '3']);
    expect(versions([event('promote', '1'), event('promote', '2'), event('promote', '3'), event('rollback', '2')])).toEqual(['1', '2']);
    expect(versions([event('promote', '1'), event('promote', '2'), event('rollback', '1'), event('promote', '3')])).toEqual(['1', '3']);
    expect(versions([event('promote', '1'), event('promote', '2'), event('promote', '2')])).toEqual(['1', '2']);
  });
});
