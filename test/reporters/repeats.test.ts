/**
 * pass@k, pass^k and flaky cases in every report, the flakiest first; and the sampling line
 * (where a comparison's answers came from).
 */
import { parse } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { CSV_HEADER, renderCsv } from '../../src/reporters/csv.js';
import { describeSampling } from '../../src/reporters/format.js';
import { buildReportData } from '../../src/reporters/html/data.js';
import { buildReportView, flakySection } from '../../src/reporters/html/view.js';
import { renderJunit } from '../../src/reporters/junit.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import type { ComparisonSampling, RunFile } from '../../src/run-record/types.js';
import { consoleText, makeRepeatRun, streamOf } from './synthetic.js';

const SAMPLING: ComparisonSampling = {
  candidate: 'fresh',
  baseline: 'cache',
  cachedCalls: 24,
  choice: 'baseline-cache',
  by: '--baseline-cache',
  sides: { candidate: { noisy: true, calls: 24, cached: 0 }, baseline: { noisy: true, calls: 24, cached: 24 } },
};
const STATEMENT = 'candidate: drawn fresh, 0 of 24 calls from the cache (noisy: repeat > 1 or temperature not 0); baseline: 24 of 24 calls from the cache (--baseline-cache)';

// [baseline, candidate] repeats passed of 4. Flakiness 4·p·(1 − p): case-2 and case-5 1, case-1 and case-4 0.75, the rest 0.
const PASSES: Array<[number, number]> = [[4, 4], [4, 1], [2, 2], [0, 0], [3, 4], [4, 2]];
const FLAKIEST = ['case-2', 'case-5', 'case-1', 'case-4'];

function repeatRun(): RunFile {
  return makeRepeatRun(PASSES, 4, SAMPLING);
}

describe('pass@k, pass^k and flaky cases', () => {
  it('the run summary carries the suite means of both sides', () => {
    const run = repeatRun();
    expect(run.summary[0].repeatStats).toEqual({ k: 4, cases: 6, passAtK: 5 / 6, passHatK: 2 / 6, flaky: 3 });
    expect(run.summary[0].baselineRepeatStats).toEqual({ k: 4, cases: 6, passAtK: 5 / 6, passHatK: 3 / 6, flaky: 2 });
  });

  it('markdown: pass@k · pass^k and flaky columns, then the flaky cases, flakiest first; and the sampling line', async () => {
    const run = repeatRun();
    const md = await renderMarkdown(run, streamOf(run.cases));
    expect(md).toContain(`Sampling: ${STATEMENT.replace('>', '&gt;')}`);
    const table = md.split('\n').filter((line) => line.startsWith('| '));
    expect(table[0]).toContain('| pass@4 · pass^4 | Flaky |');
    expect(table[2]).toContain('| 83.3% · 50.0% → 83.3% · 33.3% | 2 → 3 |');
    const start = md.indexOf('## Flaky cases (4), flakiest first');
    expect(start).toBeGreaterThan(md.indexOf('## Regressed cases (1)'));
    const flaky = md.slice(start, md.indexOf('\n## ', start + 1));
    const ids = [...flaky.matchAll(/^\| (case-\d+) \|/gm)].map((m) => m[1]);
    expect(ids).toEqual(FLAKIEST);
    expect(flaky).toContain('| case-1 | support › gpt-4o-mini | 4/4 | 1/4 | regressed |');
  });

  it('html: flakiest first within each severity, a flaky section, pass@k columns and the sampling fact', async () => {
    const run = repeatRun();
    const data = await buildReportData(run, streamOf(run.cases));
    // Regressed, then failing, then the rest with the flakiest first.
    expect(data.cases.map((c) => c.caseId)).toEqual(['case-1', 'case-3', 'case-2', 'case-5', 'case-4', 'case-0']);
    expect(data.cases.find((c) => c.caseId === 'case-4')!.flakiness).toEqual({ candidate: '4/4', baseline: '3/4', passAtK: 1, passHatK: 1, flaky: true, score: 0.75 });
    expect(data.cases.find((c) => c.caseId === 'case-0')!.flakiness!.flaky).toBe(false);
    const section = flakySection(data.cases)!;
    expect(section.lines[0]).toContain('4 case(s) passed some but not all of their repeats, flakiest first');
    expect(section.tables[0].table.rows.map((row) => row[0].text)).toEqual(FLAKIEST);
    const view = buildReportView(run);
    expect(view.facts).toContainEqual(['Sampling', STATEMENT]);
    expect(view.table.head).toContain('pass@4 · pass^4');
    const at = view.table.head.indexOf('Flaky');
    expect(view.table.rows[0][at].text).toBe('2 → 3');
  });

  it('junit: suite means and sampling as suite properties, repeats passed and flaky as case properties', async () => {
    const run = repeatRun();
    const xml = await renderJunit(run, streamOf(run.cases));
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) }).parse(xml);
    const suite = doc.testsuites.testsuite[0];
    const props = Object.fromEntries(suite.properties.property.map((p: { name: string; value: string }) => [p.name, p.value]));
    expect(props).toMatchObject({ sampling: STATEMENT, 'repeat.k': '4', 'pass@k': '0.8333', 'pass^k': '0.3333', flaky: '3', 'baseline.pass^k': '0.5000', 'baseline.flaky': '2' });
    const caseProps = (id: string) => Object.fromEntries(suite.testcase.find((t: { name: string }) => t.name === id).properties.property.map((p: { name: string; value: string }) => [p.name, p.value]));
    expect(caseProps('case-2')).toEqual({ 'repeats.passed': '2/4', 'pass@k': '1', 'pass^k': '0', 'baseline.repeats.passed': '2/4', flaky: 'true' });
    expect(caseProps('case-0')).toMatchObject({ 'repeats.passed': '4/4', flaky: 'false' });
  });

  it('csv: repeats, repeats passed, pass@k, pass^k, flaky and cache use per case', async () => {
    const run = repeatRun();
    const [header, ...rows] = parse(await renderCsv(run.cases)) as string[][];
    expect(header).toEqual([...CSV_HEADER]);
    const get = (id: string, name: string) => rows.find((r) => r[2] === id)![header.indexOf(name)];
    expect(['repeats', 'repeats passed', 'pass@k', 'pass^k', 'flaky', 'baseline repeats passed', 'cached', 'baseline cached'].map((n) => get('case-1', n))).toEqual(['4', '1', '1', '0', 'true', '4', '0', '0']);
    expect(get('case-0', 'flaky')).toBe('false');
    expect(get('case-3', 'pass@k')).toBe('0');
  });

  it('console: the means per suite × model and the flakiest cases, and the sampling line', async () => {
    const text = await consoleText(repeatRun());
    expect(text).toContain(`Sampling:  ${STATEMENT}`);
    expect(text).toContain('support › gpt-4o-mini: candidate pass@4 83.3% · pass^4 33.3% · 3 flaky · baseline pass@4 83.3% · pass^4 50.0% · 2 flaky');
    const flaky = text.slice(text.indexOf('Flaky (4)'));
    expect([...flaky.matchAll(/› (case-\d+) \(/g)].map((m) => m[1])).toEqual(FLAKIEST);
    expect(flaky).toContain('repeats passed: baseline 4/4 → candidate 1/4');
  });

  it('at repeat 1 nothing is flaky and no report shows pass@k', async () => {
    const run = makeRepeatRun([[1, 1], [1, 0], [0, 1]], 1);
    const md = await renderMarkdown(run, streamOf(run.cases));
    expect(md).not.toContain('pass@');
    expect(md).not.toContain('Flaky');
    expect(buildReportView(run).table.head.join()).not.toContain('pass@');
    expect(flakySection((await buildReportData(run, streamOf(run.cases))).cases)).toBeUndefined();
    expect(await renderJunit(run, streamOf(run.cases))).not.toContain('pass@');
    const text = await consoleText(run);
    expect(text).not.toContain('pass@');
    expect(text).not.toContain('Flaky');
  });
});

describe('describeSampling', () => {
  const sides = (candidate: [boolean, number, number], baseline: [boolean, number, number]) => ({
    candidate: { noisy: candidate[0], calls: candidate[1], cached: candidate[2] },
    baseline: { noisy: baseline[0], calls: baseline[1], cached: baseline[2] },
  });

  it('says why each side came from where it did', () => {
    expect(describeSampling({ candidate: 'cache', baseline: 'cache', cachedCalls: 7, choice: 'default', sides: sides([false, 10, 4], [false, 10, 3]) }))
      .toBe('candidate: 4 of 10 calls from the cache (deterministic: temperature 0, repeat 1); baseline: 3 of 10 calls from the cache (deterministic: temperature 0, repeat 1)');
    expect(describeSampling({ candidate: 'fresh', baseline: 'stored', cachedCalls: 0, choice: 'no-cache', by: 'drift', sides: sides([true, 10, 0], [false, 0, 0]) }))
      .toBe("candidate: drawn fresh, 0 of 10 calls from the cache (drift); baseline: a stored run's results (no calls)");
    expect(describeSampling({ candidate: 'fresh', baseline: 'fresh', cachedCalls: 0, choice: 'no-cache', by: '--no-cache', sides: sides([false, 5, 0], [false, 0, 0]) }))
      .toBe('candidate: drawn fresh, 0 of 5 calls from the cache (--no-cache); baseline: no calls');
    expect(describeSampling({ ...SAMPLING, by: 'gate.baselineCache', rows: [] })).toBe(`${STATEMENT.replace('--baseline-cache', 'gate.baselineCache')}; suite × model rows were sampled differently (run.json comparison.sampling.rows)`);
  });
});
