import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffWords } from 'diff';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReportData } from '../../src/reporters/html/data.js';
import { createHtmlReporter, renderHtml } from '../../src/reporters/html/index.js';
import { computeWordDiff } from '../../src/reporters/html/word-diff.js';
import { buildReportView } from '../../src/reporters/html/view.js';
import { HOSTILE, makeDrift, makeRun, streamOf } from './synthetic.js';

const BREAKOUT = '</script><script>alert(1)</script><!-- <script> </SCRIPT > \u2028\u2029 & end';

function scripts(html: string): Array<{ attrs: string; body: string }> {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)].map((m) => ({ attrs: m[1], body: m[2] }));
}

async function hostileReport(): Promise<{ html: string; run: ReturnType<typeof makeRun> }> {
  const run = makeRun({ cases: 10, extra: [{
    kind: 'regressed', id: 'hostile', description: HOSTILE.script,
    candidateOutput: `${HOSTILE.img} ${BREAKOUT}`, baselineOutput: `${HOSTILE.svg} ${HOSTILE.script}`,
    vars: { q: HOSTILE.svg, nested: { html: HOSTILE.img } }, reason: HOSTILE.img,
  }] });
  return { html: await renderHtml(run, streamOf(run.cases)), run };
}

describe('renderHtml (static checks)', () => {
  it('is one self-contained page with a strict CSP that allows exactly its script', async () => {
    const { html } = await hostileReport();
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("img-src data:");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    const all = scripts(html);
    expect(all).toHaveLength(2);
    expect(all[0].attrs).toBe(' type="application/json" id="data"');
    const app = all[1];
    expect(app.attrs).toBe('');
    const hash = createHash('sha256').update(app.body, 'utf8').digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
  });

  it('has no inline event handlers and loads nothing from the network', async () => {
    const { html } = await hostileReport();
    const withoutData = html.replace(scripts(html)[0].body, '');
    expect(withoutData).not.toMatch(/\son[a-z]+\s*=/i);
    expect(withoutData).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
  });

  it('embeds data that no output can break out of, and that round-trips', async () => {
    const { html, run } = await hostileReport();
    const data = scripts(html)[0].body;
    expect(data).not.toMatch(/[<>&\u2028\u2029]/);
    const parsed = JSON.parse(data);
    const hostile = parsed.cases.find((c: { caseId: string }) => c.caseId === 'hostile');
    const original = run.cases.find((c) => c.caseId === 'hostile');
    expect(hostile.candidate.repeats[0].output).toBe(original?.repeats[0].output);
    expect(hostile.baseline.repeats[0].output).toBe(original?.baseline?.repeats[0].output);
    expect(hostile.vars).toEqual({ q: HOSTILE.svg, nested: { html: HOSTILE.img } });
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<svg');
  });

  it('escapes the title', async () => {
    const run = makeRun({ cases: 1 });
    const html = await renderHtml({ ...run, runId: '</title><script>x</script>' }, streamOf(run.cases));
    expect(html).toContain('<title>promptgate compare · &lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>');
  });

  it('sorts the most severe cases first and diffs baseline against candidate', async () => {
    const run = makeRun({ cases: 20 });
    const data = await buildReportData(run, streamOf(run.cases));
    expect(data.cases.map((c) => c.change).slice(0, 4)).toEqual(['regressed', 'regressed', 'errored', 'unchanged-fail']);
    expect(data.cases.at(-1)?.change).toBe('unchanged-pass');
    const diff = data.cases[0].diffs?.[0];
    expect(diff?.same).toBe(false);
    expect(diff?.parts?.some(([op]) => op === -1)).toBe(true);
    expect(diff?.parts?.some(([op]) => op === 1)).toBe(true);
    expect('cases' in data.run).toBe(false);
  });

  it('cuts long outputs for the page and says so', async () => {
    const long = 'x'.repeat(30_000);
    const run = makeRun({ cases: 0, extra: [{ kind: 'regressed', id: 'long', candidateOutput: long }] });
    const data = await buildReportData(run, streamOf(run.cases), { maxOutputChars: 1000 });
    const rep = data.cases[0].candidate.repeats[0];
    expect(rep.output).toHaveLength(1000);
    expect(rep.outputLength).toBe(30_000);
  });

  it('writes report.html through the reporter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-html-'));
    afterAll(() => rm(dir, { recursive: true, force: true }));
    const { cases, ...header } = makeRun({ cases: 3 });
    const files = await createHtmlReporter().onRunEnd?.(header, () => streamOf(cases), dir);
    expect(files).toEqual([join(dir, 'report.html')]);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
  });
});

describe('the drift section', () => {
  it('carries what drift found (model versions, changed outputs, new errors) as text cells, escaped in the page', async () => {
    const run = { ...makeRun({ cases: 5, compare: false }), command: 'drift' as const, drift: makeDrift() };
    const view = buildReportView(run);
    expect(view.sections).toHaveLength(1);
    const [drift] = view.sections;
    expect(drift.title).toBe('Drift');
    expect(drift.lines[0]).toContain('2026-11-01T03-00-00-000-abcdef');
    expect(drift.tables.map((t) => t.caption)).toEqual(['Model versions that changed', 'Outputs that changed', 'New errors (2)']);
    expect(drift.tables[0].table.rows[0].map((c) => c.text)).toEqual(['gpt-4o-mini', 'gpt-4o-mini-2024-07-18', `gpt-4o-mini-2026-11-20 ${HOSTILE.script}`]);
    expect(drift.tables[1].table.rows[0].map((c) => c.text)).toEqual(['support', 'gpt-4o-mini', '9 / 60', '15.0%']);
    expect(drift.tables[2].table.rows[0][3].text).toBe(`provider_error: 500 ${HOSTILE.img}`);
    const html = await renderHtml(run, streamOf(run.cases));
    expect(html).not.toContain(HOSTILE.img);
    expect(html).not.toContain(HOSTILE.script);
    const data = JSON.parse(/<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '{}');
    expect(data.view.sections[0].tables[2].table.rows[0][3].text).toBe(`provider_error: 500 ${HOSTILE.img}`);
  });

  it('is absent from runs that are not drift runs', () => {
    expect(buildReportView(makeRun({ cases: 3 })).sections).toEqual([]);
  });
});

describe('computeWordDiff', () => {
  const sides = (parts: Array<[number, string]>) => ({
    baseline: parts.filter(([op]) => op <= 0).map(([, t]) => t).join(''),
    candidate: parts.filter(([op]) => op >= 0).map(([, t]) => t).join(''),
  });

  it('marks inserted and deleted words', () => {
    const d = computeWordDiff('returns within thirty days', 'returns within two weeks');
    expect(d.parts).toEqual([[0, 'returns within '], [-1, 'thirty days'], [1, 'two weeks']]);
    expect(d.capped).toBe(false);
  });

  it('sets aside a shared head and tail without splitting words, and rebuilds both texts', () => {
    const pairs: Array<[string, string]> = [
      ['we refund within thirty days of purchase.', 'we refund within thirty day of purchase.'],
      ['a b c day', 'a b c days'],
      ['same start, different end', 'same start, other end entirely'],
      ['prefix only', 'prefix only and more'],
      ['x', 'y'],
      ['line one\nline two\nline three', 'line one\nline 2\nline three'],
    ];
    // diffWords itself keeps words exactly but may move a space (see its docs); so compare words.
    const words = (t: string) => t.split(/\s+/).filter(Boolean);
    for (const [a, b] of pairs) {
      const d = computeWordDiff(a, b);
      const rebuilt = sides(d.parts ?? []);
      expect(words(rebuilt.baseline)).toEqual(words(a));
      expect(words(rebuilt.candidate)).toEqual(words(b));
      // Setting the head and tail aside gives what diffWords gives on the whole texts.
      const whole = diffWords(a, b).map((c) => [c.added ? 1 : c.removed ? -1 : 0, c.value]);
      expect(d.parts).toEqual(whole);
    }
    const d = computeWordDiff('a b c day', 'a b c days');
    expect(d.parts).toEqual([[0, 'a b c '], [-1, 'day'], [1, 'days']]);
    expect(d.cost).toBe(7);
  });

  it('reports equal texts without parts', () => {
    expect(computeWordDiff('same', 'same')).toEqual({ parts: [], capped: false, same: true, cost: 0 });
  });

  it('caps long inputs and flags it', () => {
    const d = computeWordDiff('a '.repeat(5000), 'b '.repeat(5000), { maxChars: 100 });
    expect(d.capped).toBe(true);
    const text = (d.parts ?? []).map(([, t]) => t).join('');
    expect(text.length).toBeLessThanOrEqual(200);
  });

  it('gives up on texts too different to diff usefully', () => {
    const a = Array.from({ length: 400 }, (_, i) => `a${i}`).join(' ');
    const b = Array.from({ length: 400 }, (_, i) => `b${i}`).join(' ');
    expect(computeWordDiff(a, b, { maxEdits: 50 }).parts).toBeNull();
  });
});

describe('diff budget', () => {
  it('spends the budget on the most severe cases first, then skips', async () => {
    const run = makeRun({ cases: 40 });
    const data = await buildReportData(run, streamOf(run.cases), { diffBudget: 300 });
    const diffs = data.cases.map((c) => c.diffs?.[0]);
    expect(data.cases[0].change).toBe('regressed');
    expect(diffs[0]?.parts).not.toBeNull();
    expect(diffs[0]?.skipped).toBeUndefined();
    const last = diffs.at(-1);
    expect(last?.parts).toBeNull();
    expect(last?.skipped).toBe(true);
  });
});
