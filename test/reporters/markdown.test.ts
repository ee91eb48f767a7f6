import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMarkdownReporter, renderMarkdown } from '../../src/reporters/markdown.js';
import type { RunFile } from '../../src/run-record/types.js';
import { HOSTILE, makeRun, streamOf } from './synthetic.js';

async function render(run: RunFile, options?: Parameters<typeof renderMarkdown>[2]): Promise<string> {
  return renderMarkdown(run, streamOf(run.cases), options);
}

/** Cells of a table row, split on unescaped pipes. */
function cells(line: string): string[] {
  return line.split(/(?<!\\)\|/).slice(1, -1);
}

function section(md: string, heading: string): string {
  const start = md.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = md.indexOf('\n## ', start + heading.length);
  return md.slice(start, next === -1 ? undefined : next);
}

describe('renderMarkdown', () => {
  it('titles the verdict: pass, fail, no verdict, no gate', async () => {
    const run = makeRun({ cases: 10 });
    expect((await render(run)).split('\n')[0]).toBe('# ❌ promptgate compare: fail');
    expect((await render({ ...run, gate: { verdict: 'pass', reasons: [] } })).split('\n')[0]).toBe('# ✅ promptgate compare: pass');
    expect((await render({ ...run, gate: { verdict: 'error', reasons: ['3 cases errored'] } })).split('\n')[0]).toBe('# ⚠️ promptgate compare: no verdict');
    const plain = makeRun({ cases: 10, compare: false });
    expect((await render(plain)).split('\n')[0]).toBe('# ℹ️ promptgate run: no gate');
  });

  it('shows totals, gate reasons and a comparison row per suite × model', async () => {
    const run = makeRun({ cases: 40 });
    const md = await render(run);
    expect(md).toContain(`**40** cases · **30** passed · **8** failed · **2** errored`);
    expect(md).toContain('- support › gpt-4o-mini: 4 case(s) regressed');
    const rows = md.split('\n').filter((l) => l.startsWith('| support |'));
    expect(rows).toHaveLength(1);
    // 40 cases: 4 regressed, 2 improved, 2 errored (baseline passed), 4 failing on both, 28 passing on both.
    expect(cells(rows[0]).map((c) => c.trim())).toEqual([
      'support', 'gpt-4o-mini', '40', '85.0%', '75.0%', '−10.0 pp [−15.0, −5.0]', '4', '2', '2', '❌ fail: 4 case(s) regressed',
    ]);
    const two = await render(makeRun({ cases: 40, models: ['gpt-4o-mini', 'claude-haiku'] }));
    expect(two.split('\n').filter((l) => l.startsWith('| support |')).map((l) => cells(l)[1].trim())).toEqual(['gpt-4o-mini', 'claude-haiku']);
  });

  it('uses the summary figures when nothing was compared', async () => {
    const md = await render(makeRun({ cases: 20, compare: false }));
    const header = md.split('\n').find((l) => l.startsWith('| Suite |'));
    expect(header).toContain('Pass rate');
    expect(header).not.toContain('Baseline');
    const row = md.split('\n').find((l) => l.startsWith('| support |'));
    expect(cells(row ?? '').map((c) => c.trim()).slice(2, 8)).toEqual(['support@1.1.0', '20', '16', '3', '1', '80.0%']);
  });

  it('lists regressed cases first, then errored, then failing ones (the order of every report)', async () => {
    const md = await render(makeRun({ cases: 40 }));
    const regressedAt = md.indexOf('## Regressed cases (4)');
    const erroredAt = md.indexOf('## Errored cases (2)');
    const failingAt = md.indexOf('## Failing cases (4)');
    expect(regressedAt).toBeGreaterThan(0);
    expect(erroredAt).toBeGreaterThan(regressedAt);
    expect(failingAt).toBeGreaterThan(erroredAt);
    const regressed = section(md, '## Regressed cases');
    for (const id of ['case-00000', 'case-00001', 'case-00020', 'case-00021']) expect(regressed).toContain(id);
    expect(regressed).toContain('regressed: passed on baseline 1.0.0, fails on 1.1.0');
    const errored = section(md, '## Errored cases');
    expect(errored).toContain('PROVIDER_TIMEOUT: request timed out');
    expect(errored).not.toContain('case-00000');
    const failing = section(md, '## Failing cases');
    for (const id of ['case-00004', 'case-00005', 'case-00024', 'case-00025']) expect(failing).toContain(id);
    expect(failing).not.toContain('case-00000');
  });

  it('caps each list and says how many more there are', async () => {
    const md = await render(makeRun({ cases: 1200 }));
    const regressed = section(md, '## Regressed cases (120)');
    expect(regressed.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Case') && !l.startsWith('| ---'))).toHaveLength(50);
    expect(regressed).toContain('…and 70 more.');
  });

  it('keeps hostile text inside its cell, literal and without HTML', async () => {
    const run = makeRun({ cases: 0, extra: [{
      kind: 'regressed', id: 'hostile', description: `${HOSTILE.script} | desc`,
      candidateOutput: HOSTILE.markdown, baselineOutput: `${HOSTILE.img}\n${HOSTILE.svg}`, reason: `${HOSTILE.control} | ${HOSTILE.cdata}`,
    }] });
    const md = await render(run);
    const row = md.split('\n').find((l) => l.includes('hostile'));
    expect(row).toBeDefined();
    expect(cells(row ?? '')).toHaveLength(5);
    // The only raw tag left is the <br> we put in for line breaks.
    expect(md.replace(/<br>/g, '')).not.toMatch(/<[a-z/!]/i);
    expect(row).toContain('&lt;img src=x onerror=alert(1)&gt;<br>"&gt;&lt;svg onload=alert(3)&gt;');
    expect(row).toContain('pipe \\| here<br>new line &#96;code&#96;');
    expect(row).not.toContain('`');
    expect(row).not.toMatch(/[\u0000\u0007\u001B]/);
  });

  it('shortens outputs to 200 characters', async () => {
    const long = 'word '.repeat(200);
    const md = await render(makeRun({ cases: 0, extra: [{ kind: 'regressed', id: 'long', candidateOutput: long, baselineOutput: long }] }));
    const row = md.split('\n').find((l) => l.includes('| long |')) ?? '';
    const candidate = cells(row)[3].trim();
    expect(Array.from(candidate)).toHaveLength(200);
    expect(candidate.endsWith('…')).toBe(true);
  });

  it('stays within the byte limit with a note when it has to cut', async () => {
    const run = makeRun({ cases: 2000, models: Array.from({ length: 200 }, (_, i) => `model-${i}`) });
    const md = await render(run, { maxBytes: 20_000 });
    expect(Buffer.byteLength(md, 'utf8')).toBeLessThanOrEqual(20_000);
    expect(md).toContain('truncated to stay within the size limit');
    expect(md.startsWith('# ❌ promptgate compare: fail')).toBe(true);
    const full = await render(run);
    expect(Buffer.byteLength(full, 'utf8')).toBeLessThanOrEqual(1024 * 1024);
    expect(full).not.toContain('truncated');
  });

  it('writes summary.md through the reporter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-md-'));
    afterAll(() => rm(dir, { recursive: true, force: true }));
    const { cases, ...header } = makeRun({ cases: 5 });
    const files = await createMarkdownReporter().onRunEnd?.(header, () => streamOf(cases), dir);
    expect(files).toEqual([join(dir, 'summary.md')]);
    expect(await readFile(join(dir, 'summary.md'), 'utf8')).toMatch(/^# ❌ promptgate compare: fail/);
  });
});
