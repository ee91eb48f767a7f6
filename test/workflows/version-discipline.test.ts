import { describe, expect, it } from 'vitest';
import { identityOfSource, judgeVersionChange, versionLineOf } from '../../src/workflows/version-discipline.js';

const at = 'HEAD';

describe('version discipline', () => {
  it('accepts unchanged content, new prompts and real bumps', () => {
    expect(judgeVersionChange('prompts/x.prompt', { version: '1.2.0', hash: 'aaa' }, { version: '1.2.0', hash: 'aaa' }, at)).toBeUndefined();
    expect(judgeVersionChange('prompts/x.prompt', undefined, { version: '0.1.0', hash: 'bbb' }, at)).toBeUndefined();
    expect(judgeVersionChange('prompts/x.prompt', { version: '1.2.0', hash: 'aaa' }, { version: '1.2.1', hash: 'bbb' }, at)).toBeUndefined();
    expect(judgeVersionChange('prompts/x.prompt', { version: '1.2.0-rc.1', hash: 'aaa' }, { version: '1.2.0', hash: 'bbb' }, at)).toBeUndefined();
  });

  it('refuses changed content with the same version, naming the file', () => {
    const verdict = judgeVersionChange('prompts/x.prompt', { version: '1.2.0', hash: 'aaa' }, { version: '1.2.0', hash: 'bbb' }, at);
    expect(verdict?.kind).toBe('not-bumped');
    expect(verdict?.message).toMatch(/^prompts\/x\.prompt: content changed but version is still 1\.2\.0 \(bump it/);
  });

  it('treats build metadata as no bump (semver precedence ignores it)', () => {
    expect(judgeVersionChange('p', { version: '1.2.0', hash: 'a' }, { version: '1.2.0+build.5', hash: 'b' }, at)?.kind).toBe('not-bumped');
  });

  it('refuses a version that went down', () => {
    const verdict = judgeVersionChange('prompts/x.prompt', { version: '1.10.0', hash: 'aaa' }, { version: '1.9.0', hash: 'bbb' }, at);
    expect(verdict?.kind).toBe('downgraded');
    expect(verdict?.message).toContain('prompts/x.prompt: version went down from 1.10.0 to 1.9.0');
  });

  it('skips a base file that was not a valid prompt', () => {
    expect(judgeVersionChange('p', { version: 'latest', hash: 'a' }, { version: '1.0.0', hash: 'b' }, at)).toBeUndefined();
  });

  it('reads version and hash from front matter only (a broken template at the base still counts)', () => {
    const id = identityOfSource('---\nversion: 1.0.0\n---\n{{#if}}broken\n', 'x.prompt');
    expect(id?.version).toBe('1.0.0');
    expect(id?.hash).toMatch(/^[0-9a-f]{12}$/);
    // CRLF and BOM do not change identity.
    expect(identityOfSource('\uFEFF---\r\nversion: 1.0.0\r\n---\r\n{{#if}}broken\r\n', 'x.prompt')).toEqual(id);
    expect(identityOfSource('no front matter', 'x.prompt')).toBeUndefined();
  });

  it('finds the line of `version:`', () => {
    expect(versionLineOf('---\nmodel: m\nversion: 1.0.0\n---\nversion: not this\n')).toBe(3);
    expect(versionLineOf('---\nmodel: m\n---\nversion: 1\n')).toBe(1);
  });
});
