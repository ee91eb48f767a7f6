import { describe, expect, it } from 'vitest';
import { renderRunAnnotations, renderViolationAnnotations, MAX_ANNOTATIONS } from '../../src/workflows/annotations.js';
import { HOSTILE, makeRun } from '../reporters/synthetic.js';

describe('run annotations', () => {
  it('an ::error per regressed case and failed row, a ::warning per errored case, on the prompt file', async () => {
    const run = makeRun({ cases: 0, extra: [{ kind: 'regressed', id: 'r1' }, { kind: 'unchanged-pass' }, { kind: 'errored', id: 'e1' }, { kind: 'improved' }] });
    const lines = await renderRunAnnotations(run, run.cases, (id) => (id === 'support' ? 'prompts/support.prompt' : undefined));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^::error file=prompts\/support\.prompt,line=1,title=promptgate%3A support › gpt-4o-mini failed the gate::/);
    expect(lines[1]).toMatch(/^::error file=prompts\/support\.prompt,line=1,title=promptgate%3A regressed%3A support › gpt-4o-mini › r1::support › gpt-4o-mini › r1: regressed: passed on baseline 1\.0\.0, fails on 1\.1\.0%0A/);
    expect(lines[2]).toMatch(/^::warning file=prompts\/support\.prompt,line=1,title=promptgate%3A errored%3A .* e1::.*candidate errored: PROVIDER_TIMEOUT/);
  });

  it('keeps hostile text on one line and caps the count with a notice', async () => {
    const extra = Array.from({ length: MAX_ANNOTATIONS + 5 }, (_, i) => ({ kind: 'regressed' as const, id: `c${i}`, reason: HOSTILE.markdown, description: `${HOSTILE.control}\n::add-mask::x` }));
    const run = makeRun({ cases: 0, extra });
    const lines = await renderRunAnnotations(run, run.cases, () => 'prompts/support.prompt');
    expect(lines).toHaveLength(MAX_ANNOTATIONS + 1);
    expect(lines.every((l) => !l.includes('\n') && !l.includes('\r'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^::notice title=promptgate::6 more annotation\(s\) not shown/);
  });

  it('puts a version violation on the version line', () => {
    const [line] = renderViolationAnnotations([
      { promptId: 'x', file: 'prompts/x.prompt', repoPath: 'app/prompts/x.prompt', line: 2, kind: 'not-bumped', before: { version: '1.0.0', hash: 'a' }, after: { version: '1.0.0', hash: 'b' }, message: 'prompts/x.prompt: content changed but version is still 1.0.0 (bump it)' },
    ]);
    expect(line).toBe('::error file=app/prompts/x.prompt,line=2,title=promptgate%3A version not bumped::prompts/x.prompt: content changed but version is still 1.0.0 (bump it)');
  });
});
