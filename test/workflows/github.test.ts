import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { appendStepSummary, escapeAnnotationData, escapeAnnotationProperty, formatAnnotation, isGithubActions, stopCommands } from '../../src/workflows/github.js';

describe('GitHub workflow commands', () => {
  it('escapes data the way the Actions toolkit does: %, CR and LF', () => {
    expect(escapeAnnotationData('50% done\r\nnext: a, b')).toBe('50%25 done%0D%0Anext: a, b');
    // A `%0A` already in the text must not turn into a line break when decoded.
    expect(escapeAnnotationData('literal %0A')).toBe('literal %250A');
  });

  it('escapes properties also for ":" and ","', () => {
    expect(escapeAnnotationProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('formats one line per annotation, even for hostile text', () => {
    const line = formatAnnotation('error', { file: 'prompts/x,y.prompt', line: 3, title: 'regressed: a' }, 'bad\n::set-env name=X::1');
    expect(line).toBe('::error file=prompts/x%2Cy.prompt,line=3,title=regressed%3A a::bad%0A::set-env name=X::1');
    expect(line.split('\n')).toHaveLength(1);
    expect(formatAnnotation('warning', {}, 'plain')).toBe('::warning::plain');
    expect(formatAnnotation('notice', { line: 0 }, 'x')).toBe('::notice::x');
  });

  it('knows when it runs under GitHub Actions', () => {
    expect(isGithubActions({ GITHUB_ACTIONS: 'true' })).toBe(true);
    expect(isGithubActions({ GITHUB_ACTIONS: 'false' })).toBe(false);
    expect(isGithubActions({})).toBe(false);
  });

  it('appends to $GITHUB_STEP_SUMMARY, and does nothing without it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'promptgate-summary-'));
    const file = join(dir, 'summary.md');
    await writeFile(file, '# earlier step\n');
    expect(await appendStepSummary('# promptgate', { GITHUB_STEP_SUMMARY: file })).toBe(file);
    expect(await readFile(file, 'utf8')).toBe('# earlier step\n# promptgate\n');
    expect(await appendStepSummary('# promptgate', {})).toBeUndefined();
  });

  it('stops and resumes workflow commands with a random token', () => {
    let text = '';
    const out = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
    const resume = stopCommands(out);
    const token = /^::stop-commands::(promptgate-[0-9a-f]{16})\n$/.exec(text)?.[1];
    expect(token).toBeDefined();
    resume();
    expect(text.endsWith(`::${token}::\n`)).toBe(true);
    let other = '';
    stopCommands(new Writable({ write(chunk, _enc, done) { other += String(chunk); done(); } }));
    expect(other).not.toContain(token!);
  });
});
