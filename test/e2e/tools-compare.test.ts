import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, RunFile } from '../../src/run-record/types.js';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import { makeProject, runCli } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, gitIn, initRepo } from '../helpers/git-repo.js';
import { lastUser, textOf, type IncomingChat, type MockServer, type RecordedRequest, type Reply } from '../helpers/mock-server.js';
import { startOpenAIServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';

/**
 * Issue 17's "Done means", across its areas (prompt files, wire, graders, compare and reports), with
 * the real SDKs against the local OpenAI and Anthropic servers:
 * - a prompt whose tools come from a tools file and whose cases expect tool calls (JSONL
 *   `expected_tool_calls`, partial arguments) is committed; v1.1.0 makes the model refund 100
 *   instead of 10 in one case: `compare --baseline HEAD` fails with that case regressed and the
 *   argument diff `refund.amount: 10 → 100` in the console, summary.md, junit.xml and report.html,
 *   and the baseline's requests carried the tools file as committed;
 * - a refusal on the candidate side only is a graded answer: `is-refusal` passes on it, a text
 *   assertion fails and the case is `regressed` (never errored or left out);
 * - a closed `output.schema` reaches OpenAI as strict `response_format` and Anthropic as the forced
 *   answer tool; the answer is graded by `json-path` and the schema, and one violating the schema fails;
 * - a case's conversation with an assistant tool call and its result reaches each server as exactly
 *   the expected message list in that API's shape.
 */

const ENV = { TEST_OPENAI_KEY: 'sk-tools-compare-openai', TEST_ANTHROPIC_KEY: 'sk-ant-tools-compare' };
const MODELS = ['gpt', 'claude'] as const;

/** The project's models: one per local server, deterministic settings (compare reuses nothing between sides here: the prompts differ). */
const config = (openai: MockServer, anthropic: MockServer, suites: string[], extra = '') => `export default {
  models: {
    gpt: { provider: 'openai', model: 'gpt-test', baseURL: '${openai.url}', apiKeyEnv: 'TEST_OPENAI_KEY', params: { temperature: 0 } },
    claude: { provider: 'anthropic', model: 'claude-test', baseURL: '${anthropic.origin}', apiKeyEnv: 'TEST_ANTHROPIC_KEY', params: { temperature: 0, max_tokens: 200 } },
  },
  suites: [${suites.map((s) => `{ prompt: '${s}', models: ['gpt', 'claude'] }`).join(', ')}],
  ${extra}
};
`;

/** The system text of a request: OpenAI's system message, Anthropic's `system`. */
const systemOf = (request: IncomingChat): string => textOf(request.messages.find((m) => m.role === 'system')?.content) || textOf(request.body.system);
const jsonl = (rows: unknown[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
const caseOf = (run: RunFile, suite: string, model: string, id: string): CaseResult => {
  const found = run.cases.filter((c) => c.suite === suite && c.model === model && c.caseId === id);
  expect(found, `${suite} ${model} ${id}`).toHaveLength(1);
  return found[0];
};

// ---------------------------------------------------------------------------------------------
// 1 + 4: compare --baseline HEAD, a tools file, expected tool calls, a candidate-only refusal.

const LOOKUP = { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false };
const REFUND = { type: 'object', properties: { order_id: { type: 'string' }, amount: { type: 'number' } }, required: ['order_id', 'amount'], additionalProperties: false };
/** prompts/tools/support.json: at HEAD, and in the working tree (v1.1.0: only lookup_order's description changes). */
const toolsFile = (lookupDescription: string) => [
  { name: 'lookup_order', description: lookupDescription, inputSchema: LOOKUP },
  { name: 'refund', description: 'Refund an order', inputSchema: REFUND },
];
const COMMITTED_LOOKUP = 'Find an order by its id';
const EDITED_LOOKUP = 'Find an order by its id or tracking number';

const supportPrompt = (version: string, system: string) => `---
version: ${version}
tools: file://tools/support.json
toolChoice: auto
---
{{role "system"}}
${system}
{{role "user"}}
{{message}}
`;
const CAREFUL = 'You are a careful support agent. Refund exactly what the customer paid.';
const GENEROUS = 'You are a generous support agent. Refund exactly what the customer paid.';

const SUPPORT_CASES = [
  { id: 'refund-a1', vars: { message: 'I paid $10 for order A1 and it never came. Refund me.' }, expected_tool_calls: [{ name: 'refund', arguments: { order_id: 'A1', amount: 10 } }] },
  { id: 'where-b2', vars: { message: 'Where is order B2?' }, expected_tool_calls: [{ name: 'lookup_order', arguments: { order_id: 'B2' } }] },
  // Partial: the amount the model chose is not checked.
  { id: 'refund-c3', vars: { message: 'Refund order C3, it arrived broken.' }, expected_tool_calls: [{ name: 'refund', arguments: { order_id: 'C3' } }] },
  { id: 'lookup-and-refund-d4', vars: { message: 'Check order D4 and refund the $5 delivery fee.' }, expected_tool_calls: [{ name: 'lookup_order', arguments: { order_id: 'D4' } }, { name: 'refund', arguments: { order_id: 'D4', amount: 5 } }] },
  // No arguments expected: any call to the tool.
  { id: 'shipped-e5', vars: { message: 'Has E5 shipped yet?' }, expected_tool_calls: [{ name: 'lookup_order' }] },
  { id: 'thanks', vars: { message: 'Thanks, that is all.' }, expected: 'not-tool-call' },
];

const chatPrompt = (version: string, system: string) => `---
version: ${version}
---
{{role "system"}}
${system}
{{role "user"}}
{{message}}
`;
const REFUSAL = 'I would rather not joke about that.';
const CHAT_CASES = [
  { id: 'joke-refused', vars: { message: 'Tell me a joke about refunds.' }, expected: 'is-refusal' },
  { id: 'joke-told', vars: { message: 'Tell me a joke about parcels.' }, expected: 'contains:joke' },
];

/** The model: keyed on the prompt's system text (v1.1.0's "generous" refunds 100 for A1; "cautious" refuses jokes). */
function agent(request: IncomingChat): Reply {
  const system = systemOf(request);
  const message = lastUser(request);
  const call = (name: string, args: Record<string, unknown>, n = 0) => ({ id: `call_${name}_${String(args.order_id)}_${n}`, name, arguments: args });
  if (system.includes('assistant')) {
    if (system.includes('cautious')) return { fault: 'refusal', message: REFUSAL };
    return { content: `Here is a joke about ${message.split(' ').at(-1)!.replace('.', '')}: they keep coming back.` };
  }
  if (message.includes('order A1')) return { toolCalls: [call('refund', { order_id: 'A1', amount: system.includes('generous') ? 100 : 10 })] };
  if (message.includes('order B2')) return { toolCalls: [call('lookup_order', { order_id: 'B2' })] };
  if (message.includes('order C3')) return { toolCalls: [call('refund', { order_id: 'C3', amount: 25 })] };
  if (message.includes('order D4')) return { toolCalls: [call('lookup_order', { order_id: 'D4' }), call('refund', { order_id: 'D4', amount: 5 }, 1)] };
  if (message.includes('E5')) return { toolCalls: [call('lookup_order', { order_id: 'E5' })] };
  if (message.startsWith('Thanks')) return { content: "You're welcome!" };
  throw new Error(`unscripted request: ${message}`);
}

describe('compare catches a tool argument that v1.1.0 broke, and a candidate-only refusal (OpenAI and Anthropic)', () => {
  let openai: MockServer;
  let anthropic: MockServer;
  let dir: string;

  beforeAll(async () => {
    openai = await startOpenAIServer({ respond: agent });
    anthropic = await startAnthropicServer({ respond: agent });
    dir = await makeProject({});
    initRepo(dir);
    await commitFiles(
      dir,
      {
        'eval.config.mjs': config(openai, anthropic, ['support', 'chat'], 'gate: { maxRegressions: 0 },'),
        'prompts/support.prompt': supportPrompt('1.0.0', CAREFUL),
        'prompts/tools/support.json': `${JSON.stringify(toolsFile(COMMITTED_LOOKUP), null, 2)}\n`,
        'evals/support.jsonl': jsonl(SUPPORT_CASES),
        'prompts/chat.prompt': chatPrompt('1.0.0', 'You are a cheerful assistant.'),
        'evals/chat.jsonl': jsonl(CHAT_CASES),
        '.gitignore': 'reports/\n.promptgate-cache/\n',
      },
      'support agent 1.0.0',
    );
    // v1.1.0, not committed: the system text changes (and one tool description the model ignores).
    await writeFile(join(dir, 'prompts/support.prompt'), supportPrompt('1.1.0', GENEROUS));
    await writeFile(join(dir, 'prompts/tools/support.json'), `${JSON.stringify(toolsFile(EDITED_LOOKUP), null, 2)}\n`);
    await writeFile(join(dir, 'prompts/chat.prompt'), chatPrompt('1.1.0', 'You are a cautious assistant.'));
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });

  // The one spawned CLI of this file: the built bin, as a user runs it.
  it('compare --baseline HEAD: exit 1, refund-a1 regressed with refund.amount: 10 → 100 in every report; the refusal is graded', async () => {
    const result = await runCli(['compare', '--baseline', 'HEAD', '--reporter', 'console', '--reporter', 'markdown', '--reporter', 'junit', '--reporter', 'html'], { cwd: dir, env: ENV });
    expect(result.code, result.stderr + result.stdout).toBe(1);
    expect(openai.respondErrors).toEqual([]);
    expect(anthropic.respondErrors).toEqual([]);

    // At the servers: each side's requests, 6 support + 2 chat cases per side and model.
    for (const server of [openai, anthropic]) expect(server.count).toBe(2 * (SUPPORT_CASES.length + CHAT_CASES.length));
    // The baseline's requests carried the tools file as committed at HEAD, the candidate's as edited.
    const sentTools = (server: MockServer, system: string) => server.requests.filter((r) => systemOf(r as unknown as IncomingChat) === system).map((r) => r.body.tools);
    const openaiTools = (lookup: string) => toolsFile(lookup).map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } }));
    const anthropicTools = (lookup: string) => toolsFile(lookup).map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
    expect(sentTools(openai, CAREFUL)).toEqual(SUPPORT_CASES.map(() => openaiTools(COMMITTED_LOOKUP)));
    expect(sentTools(openai, GENEROUS)).toEqual(SUPPORT_CASES.map(() => openaiTools(EDITED_LOOKUP)));
    expect(sentTools(anthropic, CAREFUL)).toEqual(SUPPORT_CASES.map(() => anthropicTools(COMMITTED_LOOKUP)));
    expect(sentTools(anthropic, GENEROUS)).toEqual(SUPPORT_CASES.map(() => anthropicTools(EDITED_LOOKUP)));

    const runDir = /^Run folder: (.+)$/m.exec(result.stdout)![1];
    const run = await readRun(runDir);
    const head = gitIn(dir, 'rev-parse', 'HEAD');
    expect(run.comparison?.baseline.commit).toBe(head);
    expect(run.gate?.verdict).toBe('fail');
    for (const model of MODELS) {
      // Every support case graded on both sides; only refund-a1 changed.
      const changes = Object.fromEntries(SUPPORT_CASES.map((c) => [c.id, caseOf(run, 'support', model, c.id).change]));
      expect(changes, model).toEqual({ 'refund-a1': 'regressed', 'where-b2': 'unchanged-pass', 'refund-c3': 'unchanged-pass', 'lookup-and-refund-d4': 'unchanged-pass', 'shipped-e5': 'unchanged-pass', thanks: 'unchanged-pass' });
      const a1 = caseOf(run, 'support', model, 'refund-a1');
      expect(a1.baseline?.status).toBe('pass');
      expect(a1.repeats[0].toolCalls).toMatchObject([{ name: 'refund', arguments: { order_id: 'A1', amount: 100 } }]);
      expect(a1.repeats[0].grade?.reason).toContain('amount: expected 10, got 100');
      const d4 = caseOf(run, 'support', model, 'lookup-and-refund-d4').repeats[0];
      expect(d4.grade?.assertions.map((a) => [a.type, a.pass])).toEqual([['tool-call', true], ['tool-call', true]]);

      // The refusal, candidate side only: graded, not errored and not left out.
      const refused = caseOf(run, 'chat', model, 'joke-refused');
      const told = caseOf(run, 'chat', model, 'joke-told');
      for (const c of [refused, told]) {
        expect(c.repeats[0]).toMatchObject({ output: '', refusal: REFUSAL, error: null });
        expect(c.baseline?.repeats[0]).toMatchObject({ output: expect.stringContaining('joke'), error: null });
        expect(c.baseline?.repeats[0].refusal).toBeUndefined();
      }
      expect(refused.status).toBe('pass');
      expect(refused.repeats[0].grade?.assertions).toMatchObject([{ type: 'is-refusal', pass: true }]);
      expect(told.status).toBe('fail');
      expect(told.baseline?.status).toBe('pass');
      expect(told.change).toBe('regressed');
      // The baseline answered with a joke: is-refusal failed there, passes now.
      expect(refused.baseline?.status).toBe('fail');
      expect(refused.change).toBe('improved');
      const row = (suite: string) => run.comparison!.rows.find((r) => r.suite === suite && r.model === model)!;
      expect(row('chat').counts).toMatchObject({ regressed: 1, improved: 1, errored: 0 });
      expect(row('support').counts).toMatchObject({ regressed: 1, 'unchanged-pass': 5, errored: 0 });
    }

    // Console: the regressed case, its tool calls on both sides, and the argument that changed (per model).
    const diffs = result.stdout.match(/tool calls, baseline → candidate:\n\s+refund\.amount: 10 → 100\n/g) ?? [];
    expect(diffs).toHaveLength(2);
    expect(result.stdout).toContain('→ refund({"order_id":"A1","amount":10})');
    expect(result.stdout).toContain('→ refund({"order_id":"A1","amount":100})');

    const summary = await readFile(join(runDir, 'summary.md'), 'utf8');
    const a1Rows = summary.split('\n').filter((line) => line.startsWith('| refund-a1'));
    expect(a1Rows).toHaveLength(2);
    for (const line of a1Rows) expect(line).toContain('tool calls, baseline → candidate:<br>  refund.amount: 10 → 100');

    const junit = await readFile(join(runDir, 'junit.xml'), 'utf8');
    expect(junit.match(/message="regressed: [^"]*; tool calls: refund\.amount: 10 → 100"/g)).toHaveLength(2);

    const html = await readFile(join(runDir, 'report.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html)![1]);
    const shown = data.cases.filter((c: { caseId: string }) => c.caseId === 'refund-a1');
    expect(shown).toHaveLength(2);
    for (const c of shown) expect(c.toolDiffs).toEqual([{ repeat: 0, lines: ['refund.amount: 10 → 100'] }]);
    // Every other case that called tools shows the same calls on both sides (no diff lines).
    const others = data.cases.filter((c: { caseId: string; toolDiffs?: unknown }) => c.caseId !== 'refund-a1' && c.toolDiffs);
    expect(others).toHaveLength(2 * 4);
    for (const c of others) expect(c.toolDiffs).toEqual([{ repeat: 0, lines: [] }]);
  });

  it('a second compare replays both sides from the cache: no request, the same verdicts, the same argument diff', async () => {
    openai.reset();
    anthropic.reset();
    const again = await runCliInProcess(['compare', '--baseline', 'HEAD'], { cwd: dir, env: ENV });
    expect(again.code, again.stderr + again.stdout).toBe(1);
    expect(openai.count + anthropic.count).toBe(0);
    const [first, second] = await Promise.all((await runFolders(dir)).map(readRun));
    const verdicts = (run: RunFile) => run.cases.map((c) => JSON.stringify([c.suite, c.model, c.caseId, c.change, c.repeats[0].toolCalls, c.repeats[0].refusal, c.baseline?.repeats[0].toolCalls])).sort();
    expect(second.cases.every((c) => c.repeats[0].cached && c.baseline?.repeats[0].cached)).toBe(true);
    expect(verdicts(second)).toEqual(verdicts(first));
    expect(again.stdout.match(/tool calls, baseline → candidate:\n\s+refund\.amount: 10 → 100\n/g)).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// 2 + 3: structured output and a conversation with a tool call, at each server.

const TRIAGE = {
  type: 'object',
  properties: { tier: { type: 'string', enum: ['free', 'pro'] }, priority: { type: 'integer' } },
  required: ['tier', 'priority'],
  additionalProperties: false,
};
const TRIAGE_PROMPT = `---
version: 1.0.0
output:
  format: json
  schema: ${JSON.stringify(TRIAGE)}
---
{{role "system"}}
Classify the support ticket.
{{role "user"}}
{{ticket}}
`;
const TRIAGE_CASES = [
  { id: 'pro', vars: { ticket: 'My Pro invoice is wrong.' }, expected: 'json-path:$.tier = "pro"', assert: [{ type: 'json-path', value: '$.priority <= 2' }] },
  { id: 'free', vars: { ticket: 'How do I reset my password?' }, expected: 'json-path:$.tier = "pro"' },
  // json-path passes, the schema does not (priority is a string): the case fails.
  { id: 'off-schema', vars: { ticket: 'URGENT: my Pro account is locked!' }, expected: 'json-path:$.tier = "pro"' },
];
const STRUCTURED: Record<string, unknown> = {
  'My Pro invoice is wrong.': { tier: 'pro', priority: 2 },
  'How do I reset my password?': { tier: 'free', priority: 3 },
  'URGENT: my Pro account is locked!': { tier: 'pro', priority: 'urgent' },
};

const FOLLOWUP_PROMPT = `---
version: 1.0.0
tools:
  - name: lookup_order
    description: Find an order by its id
    inputSchema: ${JSON.stringify(LOOKUP)}
---
{{role "system"}}
You are a support agent.
{{role "user"}}
{{question}}
`;
const LOOKED_UP = { status: 'shipped', eta: 'Tuesday' };
const FOLLOWUP_CASES = [{
  id: 'after-lookup',
  vars: { question: 'When will it arrive?' },
  // OpenAI's shape, as an app logs it: an assistant tool call (arguments as text) and its result.
  messages: [
    { role: 'user', content: 'Where is order A1?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_a1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A1"}' } }] },
    { role: 'tool', tool_call_id: 'call_a1', content: LOOKED_UP },
  ],
  expected: 'contains:Tuesday',
}];

function triager(request: IncomingChat): Reply {
  const ticket = lastUser(request);
  if (ticket in STRUCTURED) return { structured: STRUCTURED[ticket] };
  if (ticket === 'When will it arrive?') return { content: 'Order A1 arrives on Tuesday.' };
  throw new Error(`unscripted request: ${ticket}`);
}

describe('structured output and a conversation with a tool call reach each server as its API defines them', () => {
  let openai: MockServer;
  let anthropic: MockServer;
  let run: RunFile;
  let result: Awaited<ReturnType<typeof runCliInProcess>>;

  beforeAll(async () => {
    openai = await startOpenAIServer({ respond: triager });
    anthropic = await startAnthropicServer({ respond: triager });
    const dir = await makeProject({
      'eval.config.mjs': config(openai, anthropic, ['triage', 'followup']),
      'prompts/triage.prompt': TRIAGE_PROMPT,
      'evals/triage.jsonl': jsonl(TRIAGE_CASES),
      'prompts/followup.prompt': FOLLOWUP_PROMPT,
      'evals/followup.jsonl': jsonl(FOLLOWUP_CASES),
    });
    result = await runCliInProcess(['run'], { cwd: dir, env: ENV });
    run = await readRun((await runFolders(dir))[0]);
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });

  const requestFor = (server: MockServer, text: string): RecordedRequest => {
    const found = server.requests.filter((r) => lastUser(r as unknown as IncomingChat) === text);
    expect(found, text).toHaveLength(1);
    return found[0];
  };

  it('a closed output.schema is strict response_format (OpenAI) and the forced answer tool (Anthropic); graded by json-path and the schema', () => {
    // Two cases fail (a json-path miss, a schema violation), nothing errored; no gate floor is set, so `run` exits 0.
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(run.totals).toMatchObject({ cases: 8, passed: 4, failed: 4, errored: 0 });
    expect(openai.respondErrors).toEqual([]);
    expect(anthropic.respondErrors).toEqual([]);
    for (const ticket of Object.keys(STRUCTURED)) {
      const sentOpenAI = requestFor(openai, ticket).body;
      expect(sentOpenAI.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'triage', schema: TRIAGE, strict: true } });
      expect(sentOpenAI).not.toHaveProperty('tools');
      const sentAnthropic = requestFor(anthropic, ticket).body;
      expect(sentAnthropic.tools).toEqual([{ name: 'triage', description: expect.any(String), input_schema: TRIAGE }]);
      expect(sentAnthropic.tool_choice).toEqual({ type: 'tool', name: 'triage' });
      expect(sentAnthropic).not.toHaveProperty('response_format');
    }
    for (const model of MODELS) {
      const graded = (id: string) => {
        const c = caseOf(run, 'triage', model, id);
        expect(c.repeats[0].error, `${model} ${id}`).toBeNull();
        return { status: c.status, output: JSON.parse(c.repeats[0].output ?? 'null'), assertions: c.repeats[0].grade!.assertions.map((a) => [a.type, a.pass]) };
      };
      // The structured answer is the output (not a tool call, on Anthropic either).
      expect(caseOf(run, 'triage', model, 'pro').repeats[0].toolCalls).toBeUndefined();
      expect(graded('pro')).toEqual({ status: 'pass', output: { tier: 'pro', priority: 2 }, assertions: [['json-path', true], ['json-path', true], ['schema', true]] });
      expect(graded('free')).toEqual({ status: 'fail', output: { tier: 'free', priority: 3 }, assertions: [['json-path', false], ['schema', true]] });
      expect(graded('off-schema')).toEqual({ status: 'fail', output: { tier: 'pro', priority: 'urgent' }, assertions: [['json-path', true], ['schema', false]] });
      expect(caseOf(run, 'triage', model, 'free').repeats[0].grade!.reason).toContain('"free"');
    }
  });

  it('a conversation with an assistant tool call and its result is sent as exactly the expected turns, in each API\'s shape', () => {
    const result = JSON.stringify(LOOKED_UP);
    expect(requestFor(openai, 'When will it arrive?').body.messages).toEqual([
      { role: 'system', content: 'You are a support agent.' },
      { role: 'user', content: 'Where is order A1?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_a1', type: 'function', function: { name: 'lookup_order', arguments: '{"order_id":"A1"}' } }] },
      { role: 'tool', tool_call_id: 'call_a1', content: result },
      { role: 'user', content: 'When will it arrive?' },
    ]);
    const sentAnthropic = requestFor(anthropic, 'When will it arrive?').body;
    expect(sentAnthropic.system).toBe('You are a support agent.');
    expect(sentAnthropic.messages).toEqual([
      { role: 'user', content: 'Where is order A1?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_a1', name: 'lookup_order', input: { order_id: 'A1' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_a1', content: result }] },
      { role: 'user', content: 'When will it arrive?' },
    ]);
    for (const model of MODELS) expect(caseOf(run, 'followup', model, 'after-lookup')).toMatchObject({ status: 'pass', repeats: [{ output: 'Order A1 arrives on Tuesday.', error: null }] });
  });
});
