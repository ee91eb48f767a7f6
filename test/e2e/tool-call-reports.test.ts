/**
 * compare (issue 17): a case whose baseline called `refund({"amount":10})` and whose candidate
 * called `refund({"amount":100})` is listed as regressed with the argument diff
 * `refund.amount: 10 → 100` in the console, summary.md, junit.xml and report.html, and its answers
 * show as the tool calls they are; a refusal shows as `(refused: …)`. Both sides are stored runs (`run:`), made by a real run against
 * the local OpenAI server and given the tool-call answers a tool-calling model would have made:
 * this test needs no provider that speaks tools, only the comparison and its reports.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseGrade } from '../../src/graders/types.js';
import type { RunFile, SideResult } from '../../src/run-record/types.js';
import type { ToolCall } from '../../src/tools/types.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun } from '../helpers/runs.js';

const PROMPT = `---
version: 1.0.0
model: m
---
{{role "system"}}
You are a support agent. Call refund with the amount the customer paid.
{{role "user"}}
{{message}}
`;
const CASES = 'message,__expected,__id\nRefund my $10 order A1,contains:refund,refund-a1\nWhere is my order B2?,contains:order,where-b2\n';

function refund(amount: number, id: string): ToolCall[] {
  return [{ id, name: 'refund', rawArguments: `{"amount": ${amount}, "order": "A1"}`, arguments: { amount, order: 'A1' } }];
}

function grade(pass: boolean): CaseGrade {
  const reason = pass ? 'refund called with {"amount":10}' : 'refund called with amount 100, expected 10';
  return { pass, score: pass ? 1 : 0, reason, assertions: [{ type: 'tool-call', negate: false, weight: 1, spec: 'tool-call:refund {"amount":10}', pass, score: pass ? 1 : 0, reason }] };
}

/** The other case, on both sides: the model refused (a graded answer that fails `contains:order`). */
function refused(side: SideResult): void {
  const fail: CaseGrade = { pass: false, score: 0, reason: 'expected "order" in output', assertions: [{ type: 'contains', negate: false, weight: 1, spec: 'contains:order', pass: false, score: 0, reason: 'expected "order" in output' }] };
  side.repeats = side.repeats.map((r) => ({ ...r, output: '', refusal: "I can't discuss orders.", grade: fail }));
  Object.assign(side, { status: 'fail', passRate: 0, meanScore: 0 });
}

/** The refund case's side of a stored run, answered with one refund call that passes or fails. */
function answerWithRefund(side: SideResult, amount: number, pass: boolean): void {
  side.repeats = side.repeats.map((r) => ({ ...r, output: '', toolCalls: refund(amount, `call_${amount}`), grade: grade(pass) }));
  Object.assign(side, { status: pass ? 'pass' : 'fail', passRate: pass ? 1 : 0, meanScore: pass ? 1 : 0 });
}

describe('compare shows how tool calls changed', () => {
  let server: MockServer;
  let dir: string;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: () => ({ content: 'Your order is on its way.' }) });
    const config = `export default { models: { m: { provider: 'openai', model: 'agent-1', baseURL: '${server.url}', params: { temperature: 0 } } }, gate: { maxRegressions: 0 } };\n`;
    dir = await makeProject({ 'eval.config.mjs': config, 'prompts/support.prompt': PROMPT, 'evals/support.csv': CASES });
    const made = await runCliInProcess(['run', '--no-cache'], { cwd: dir });
    const stored = await readRun(/^Run folder: (.+)$/m.exec(made.stdout)![1]);
    await mkdir(join(dir, 'stored'));
    const sideOf = (run: RunFile, id: string) => run.cases.find((c) => c.caseId === id)!;
    const baseline: RunFile = structuredClone(stored);
    answerWithRefund(sideOf(baseline, 'refund-a1'), 10, true);
    refused(sideOf(baseline, 'where-b2'));
    await writeFile(join(dir, 'stored/baseline.json'), JSON.stringify(baseline));
    const candidate: RunFile = structuredClone(stored);
    answerWithRefund(sideOf(candidate, 'refund-a1'), 100, false);
    refused(sideOf(candidate, 'where-b2'));
    await writeFile(join(dir, 'stored/candidate.json'), JSON.stringify(candidate));
  });
  afterAll(async () => server.close());

  it('lists the regressed case with refund.amount: 10 → 100 in the console, summary.md, junit.xml and report.html', async () => {
    server.reset();
    const result = await runCliInProcess(
      ['compare', '--baseline', 'run:stored/baseline.json', '--candidate', 'run:stored/candidate.json', '--reporter', 'console', '--reporter', 'markdown', '--reporter', 'junit', '--reporter', 'html'],
      { cwd: dir },
    );
    expect(result.code).toBe(1);
    expect(server.count).toBe(0);
    const runDir = /^Run folder: (.+)$/m.exec(result.stdout)![1];
    const run = await readRun(runDir);
    expect(run.cases.find((c) => c.caseId === 'refund-a1')?.change).toBe('regressed');

    // Console: the answers as tool calls, then the argument that changed.
    expect(result.stdout).toContain('baseline 1.0.0: → refund({"amount":10,"order":"A1"})');
    expect(result.stdout).toContain('candidate 1.0.0: → refund({"amount":100,"order":"A1"})');
    expect(result.stdout).toMatch(/tool calls, baseline → candidate:\n\s+refund\.amount: 10 → 100\n/);
    // A refusal is shown as one in the failing list, never as an empty output.
    expect(result.stdout).toMatch(/where-b2 \(evals\/support\.csv:3\)\n\s+output: \(refused: I can't discuss orders\.\)\n/);

    const summary = await readFile(join(runDir, 'summary.md'), 'utf8');
    const row = summary.split('\n').find((line) => line.startsWith('| refund-a1'));
    expect(row).toContain('| → refund({"amount":10,"order":"A1"}) | → refund({"amount":100,"order":"A1"}) |');
    expect(row).toContain('tool calls, baseline → candidate:<br>  refund.amount: 10 → 100');
    expect(summary.split('\n').find((line) => line.startsWith('| where-b2'))).toContain("| (refused: I can't discuss orders.) | (refused: I can't discuss orders.) |");

    const junit = await readFile(join(runDir, 'junit.xml'), 'utf8');
    expect(junit).toContain('message="regressed: passed on baseline 1.0.0, fails on 1.0.0; tool calls: refund.amount: 10 → 100"');
    expect(junit).toContain('<system-out>→ refund({&quot;amount&quot;:100,&quot;order&quot;:&quot;A1&quot;})</system-out>');

    // report.html: the page's data carries the diff its script shows in the case's drawer.
    const html = await readFile(join(runDir, 'report.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html)![1]);
    const shown = data.cases.find((c: { caseId: string }) => c.caseId === 'refund-a1');
    expect(shown.toolDiffs).toEqual([{ repeat: 0, lines: ['refund.amount: 10 → 100'] }]);
  });
});
