import { describe, expect, it } from 'vitest';
import { parsePromptSource } from '../../src/prompts/parse.js';
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

  it('reads version and hash from front matter only (a broken template at the base still counts)', async () => {
    const id = await identityOfSource('---\nversion: 1.0.0\n---\n{{#if}}broken\n', 'x.prompt');
    expect(id?.version).toBe('1.0.0');
    expect(id?.hash).toMatch(/^[0-9a-f]{12}$/);
    // CRLF and BOM do not change identity.
    expect(await identityOfSource('\uFEFF---\r\nversion: 1.0.0\r\n---\r\n{{#if}}broken\r\n', 'x.prompt')).toEqual(id);
    expect(await identityOfSource('no front matter', 'x.prompt')).toBeUndefined();
  });

  it('hashes the tools files a prompt names, as parsing does: a changed tools file is a changed identity', async () => {
    const source = '---\nversion: 1.0.0\ntools: file://tools/t.json\n---\nHi\n';
    const tools = (text: string) => async () => ({ path: 'prompts/tools/t.json', text });
    const v1 = '[{"name": "lookup", "inputSchema": {"type": "object"}}]';
    const v2 = '[{"name": "lookup", "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}}]';
    const before = await identityOfSource(source, 'x.prompt', tools(v1));
    expect(before?.hash).toBe(parsePromptSource(source, 'prompts/x.prompt', { toolFiles: new Map([['tools/t.json', { path: 'prompts/tools/t.json', text: v1 }]]) }).hash);
    expect((await identityOfSource(source, 'x.prompt', tools(v2)))?.hash).not.toBe(before?.hash);
    // CRLF in the tools file does not change identity; a missing file is not the empty file.
    expect((await identityOfSource(source, 'x.prompt', tools(`${v1}\r\n`)))?.hash).toBe((await identityOfSource(source, 'x.prompt', tools(`${v1}\n`)))?.hash);
    expect((await identityOfSource(source, 'x.prompt', async () => ({ path: 'x', problem: 'not found' })))?.hash).not.toBe((await identityOfSource(source, 'x.prompt', tools('')))?.hash);
  });

  it('says so when only a tools file changed', () => {
    const verdict = judgeVersionChange('prompts/x.prompt', { version: '1.2.0', hash: 'aaa' }, { version: '1.2.0', hash: 'bbb' }, at, ['prompts/tools/t.json']);
    expect(verdict?.message).toBe(`prompts/x.prompt: its tools file changed (prompts/tools/t.json) but version is still 1.2.0 (bump it; compared with ${at})`);
  });

  it('finds the line of `version:`', () => {
    expect(versionLineOf('---\nmodel: m\nversion: 1.0.0\n---\nversion: not this\n')).toBe(3);
    expect(versionLineOf('---\nmodel: m\n---\nversion: 1\n')).toBe(1);
  });
});
