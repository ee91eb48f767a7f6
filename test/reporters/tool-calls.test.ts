/**
 * Tool calls and refusals in every report (issue 17): a regressed case whose baseline called
 * `refund({"amount":10})` and whose candidate called `refund({"amount":100})` shows
 * `refund.amount: 10 → 100` in the console, summary.md, junit.xml, report.html and the GitHub
 * annotations; an answer that only called a tool or refused is shown as such, never as an empty
 * string; tool names and arguments are model output and stay inert in each format.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { buildReportData } from '../../src/reporters/html/data.js';
import { renderHtml } from '../../src/reporters/html/render.js';
import { renderJunit } from '../../src/reporters/junit.js';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import type { CaseResult, RunFile } from '../../src/run-record/types.js';
import type { ToolCall } from '../../src/tools/types.js';
import { renderRunAnnotations } from '../../src/workflows/annotations.js';
import { consoleText, HOSTILE, makeHeader, makeCase, streamOf } from './synthetic.js';

function call(name: string, args: Record<string, unknown>, id = 'call_1'): ToolCall {
  return { id, name, rawArguments: JSON.stringify(args), arguments: args };
}

/** A case of `kind` whose first repeat on each side answered only with these tool calls (or a refusal). */
function withAnswers(c: CaseResult, candidate: Partial<CaseResult['repeats'][number]>, baseline?: Partial<CaseResult['repeats'][number]>): CaseResult {
  c.repeats[0] = { ...c.repeats[0], output: '', ...candidate };
  if (c.baseline && baseline) c.baseline.repeats[0] = { ...c.baseline.repeats[0], output: '', ...baseline };
  return c;
}

// Tool names, arguments and refusals are model output: markup, control characters, a pipe, a mention, a workflow command.
const HOSTILE_NAME = `refund\u001b[31m${HOSTILE.img}`;
const HOSTILE_NOTE = `${HOSTILE.script} | @octocat ]]>`;
const REFUSAL = "I can't help with refunds.\n::add-mask::x \u0007";

function toolRun(): RunFile {
  const cases = [
    withAnswers(makeCase({ kind: 'regressed', id: 'refund-amount' }, 0), { toolCalls: [call('refund', { amount: 100, order: 'A1' }, 'call_new')] }, { toolCalls: [call('refund', { amount: 10, order: 'A1' }, 'call_old')] }),
    withAnswers(
      makeCase({ kind: 'regressed', id: 'hostile-tool' }, 1),
      { toolCalls: [call(HOSTILE_NAME, { note: HOSTILE_NOTE, amount: 2 })] },
      { toolCalls: [call(HOSTILE_NAME, { note: 'fine', amount: 1 })] },
    ),
    withAnswers(makeCase({ kind: 'unchanged-fail', id: 'refused' }, 2), { refusal: REFUSAL }, { refusal: REFUSAL }),
    makeCase({ kind: 'unchanged-pass', id: 'plain' }, 3),
  ];
  return { ...makeHeader(cases, true), cases };
}

describe('tool calls and refusals in reports', () => {
  it('the console lists the argument diff under the regressed case and shows tool-call and refusal answers', async () => {
    const text = await consoleText(toolRun());
    const block = text.slice(text.indexOf('refund-amount'), text.indexOf('hostile-tool'));
    expect(block).toContain('baseline 1.0.0: → refund({"amount":10,"order":"A1"})');
    expect(block).toContain('candidate 1.1.0: → refund({"amount":100,"order":"A1"})');
    expect(block).toContain('tool calls, baseline → candidate:');
    expect(block).toContain('  refund.amount: 10 → 100');
    // Only what changed: the order id is the same on both sides.
    expect(block).not.toContain('refund.order');
    // The failing list shows a refusal as one, not as an empty output; its line break and bell are shown, not sent.
    expect(text).toContain("output: (refused: I can't help with refunds. ⏎ ::add-mask::x \\x07)");
    expect(text).not.toMatch(/^\s*::add-mask::/m);
    // An escape code in a tool name is shown as text (consoleText strips real ones: this one was never sent).
    expect(text).toContain('refund\\x1b[31m<img src=x onerror=alert(1)>.amount: 1 → 2');
  });

  it('summary.md shows the argument diff in the regressed case and the tool calls as its outputs, escaped', async () => {
    const run = toolRun();
    const md = await renderMarkdown(run, streamOf(run.cases));
    const row = md.split('\n').find((line) => line.startsWith('| refund-amount |'));
    expect(row).toBeDefined();
    expect(row).toContain('→ refund({"amount":10,"order":"A1"})');
    expect(row).toContain('→ refund({"amount":100,"order":"A1"})');
    expect(row).toContain('refund.amount: 10 → 100');
    const hostile = md.split('\n').find((line) => line.startsWith('| hostile-tool |'));
    expect(hostile).toBeDefined();
    expect(hostile).not.toMatch(/<script|<img|(?<!\\)\| @octocat|@octocat/);
    expect(hostile).toContain('&lt;script&gt;');
    expect(hostile).toContain('refund&#91;31m&lt;img src=x onerror=alert(1)&gt;.note:');
    expect(hostile).toContain('\\| @&#8203;octocat');
    expect(md).toContain("(refused: I can't help with refunds.<br>::add-mask::x )");
  });

  it('junit.xml puts the argument diff in the failure message and body, the tool calls in system-out', async () => {
    const run = toolRun();
    const xml = await renderJunit(run, streamOf(run.cases));
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true, trimValues: false, isArray: (n) => ['testsuite', 'testcase', 'failure'].includes(n) }).parse(xml);
    const cases = doc.testsuites.testsuite[0].testcase as Array<{ name: string; failure?: Array<{ message: string; '#text': string }>; 'system-out'?: string }>;
    const regressed = cases.find((c) => c.name === 'refund-amount')!;
    expect(regressed.failure?.[0].message).toBe('regressed: passed on baseline 1.0.0, fails on 1.1.0; tool calls: refund.amount: 10 → 100');
    expect(regressed.failure?.[0]['#text']).toContain('tool calls, baseline → candidate:\n  refund.amount: 10 → 100');
    expect(regressed['system-out']).toBe('→ refund({"amount":100,"order":"A1"})');
    const hostile = cases.find((c) => c.name === 'hostile-tool')!;
    // XML cannot hold ESC: it is dropped, the markup is escaped (the parser reads it back as text).
    expect(hostile.failure?.[0]['#text']).toContain(`refund[31m${HOSTILE.img}.note: "fine" → `);
    expect(cases.find((c) => c.name === 'refused')?.['system-out']).toBe("(refused: I can't help with refunds.\n::add-mask::x )");
  });

  it('report.html carries the argument diff per repeat and embeds tool names and arguments inertly', async () => {
    const run = toolRun();
    const data = await buildReportData(run, streamOf(run.cases));
    const byId = (id: string) => data.cases.find((c) => c.caseId === id)!;
    expect(byId('refund-amount').toolDiffs).toEqual([{ repeat: 0, lines: ['refund.amount: 10 → 100'] }]);
    expect(byId('plain').toolDiffs).toBeUndefined();
    const html = await renderHtml(run, streamOf(run.cases));
    const dataJson = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(dataJson).toContain('refund.amount: 10 → 100');
    // Nothing of the hostile tool closes the data element or becomes markup.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
  });

  it('a GitHub annotation of the regressed case carries the argument diff on one line', async () => {
    const run = toolRun();
    const lines = await renderRunAnnotations(run, run.cases, () => 'prompts/support.prompt');
    const line = lines.find((l) => l.includes('refund-amount::'));
    expect(line).toContain('%0Atool calls, baseline → candidate:%0A  refund.amount: 10 → 100%0A');
    expect(lines.every((l) => !l.includes('\n') && !l.includes('\r'))).toBe(true);
  });
});
