import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseResult, RunFile } from '../../src/run-record/types.js';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { lastUser } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type RecordedRequest, type Reply } from '../helpers/openai-server.js';
import { runSchema } from '../helpers/run-schema.js';
import { readCalls, readRun, runFolders } from '../helpers/runs.js';

/**
 * Tools and structured output through the CLI, with the real SDKs against the local OpenAI and
 * Anthropic servers: the servers receive the prompt's tools, tool choice and structured-output
 * request exactly; tool-call answers (valid and invalid JSON arguments) and refusals are graded
 * answers recorded in calls.jsonl and run.json (valid against schemas/run.schema.json); a second
 * run replays them from the cache identically, with no call to either server.
 */


/** The tools of prompts/support.prompt, as JSON Schema (lookup_order's is written in Picoschema). */
const TOOLS = [
  {
    name: 'lookup_order',
    description: 'Find an order by its id',
    inputSchema: { type: 'object', properties: { orderId: { type: 'string', description: 'the order id' } }, additionalProperties: false, required: ['orderId'] },
  },
  { name: 'escalate', inputSchema: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] } },
];
/** triage.prompt's `tier: string` (closed: strict); triage-loose.prompt adds an optional `note` (not strict). */
const TRIAGE = { type: 'object', properties: { tier: { type: 'string' } }, additionalProperties: false, required: ['tier'] };
const LOOSE = { type: 'object', properties: { tier: { type: 'string' }, note: { type: ['string', 'null'] } }, additionalProperties: false, required: ['tier'] };
const REFUSAL = 'I cannot help with that order.';
const BROKEN = '{"reason": "late",';

const FILES = {
  'prompts/support.prompt': `---
version: 1.0.0
tools:
  - name: lookup_order
    description: Find an order by its id
    inputSchema:
      orderId: string, the order id
  - name: escalate
    inputSchema:
      type: object
      properties:
        reason: { type: string }
      required: [reason]
toolChoice: required
---
{{question}}
`,
  'evals/support.csv': ['question,__expected', 'where is order 42,not-contains:sorry', 'escalate with broken arguments,not-contains:sorry', 'please refuse,not-contains:sorry'].join('\n'),
  'prompts/triage.prompt': '---\nversion: 1.0.0\noutput:\n  format: json\n  schema:\n    tier: string\n---\nClassify: {{ticket}}\n',
  'evals/triage.csv': 'ticket,__expected\nmy invoice is wrong,is-json\n',
  'prompts/triage-loose.prompt': '---\nversion: 1.0.0\noutput:\n  format: json\n  schema:\n    tier: string\n    note?: string\n---\nClassify: {{ticket}}\n',
  'evals/triage-loose.csv': 'ticket,__expected\nmy invoice is wrong,is-json\n',
};

/** What both servers answer: a structured answer when one is asked for, else by the question. */
function answer(provider: 'openai' | 'anthropic') {
  return (request: IncomingChat): Reply => {
    if (request.body.response_format || request.body.tool_choice && (request.body.tool_choice as { type?: string }).type === 'tool') return { structured: { tier: 'pro' } };
    const text = lastUser(request);
    if (text.includes('order 42')) return { toolCalls: [{ id: 'call_42', name: 'lookup_order', arguments: { orderId: '42' } }] };
    // Only OpenAI sends arguments as text, which may be invalid JSON; Anthropic sends an object.
    if (text.includes('broken')) return { toolCalls: [{ id: 'call_b', name: 'escalate', arguments: provider === 'openai' ? BROKEN : { reason: 'late' } }] };
    if (text.includes('refuse')) return { fault: 'refusal', message: REFUSAL };
    return { content: 'unexpected' };
  };
}

describe('tools and structured output through the CLI (real SDKs, local servers)', () => {
  let openai: MockServer;
  let anthropic: MockServer;
  let dir: string;

  beforeAll(async () => {
    openai = await startOpenAIServer({ respond: answer('openai') });
    anthropic = await startAnthropicServer({ respond: answer('anthropic') });
    dir = await makeProject({
      ...FILES,
      'eval.config.mjs': `export default {
  models: {
    gpt: { provider: 'openai', model: 'gpt-4o-mini', baseURL: '${openai.url}' },
    claude: { provider: 'anthropic', model: 'claude-x', baseURL: '${anthropic.origin}' },
  },
  suites: [
    { prompt: 'support', models: ['gpt', 'claude'] },
    { prompt: 'triage', models: ['gpt', 'claude'] },
    { prompt: 'triage-loose', models: ['gpt'] },
  ],
  reporters: ['json', 'console'],
};
`,
    });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });

  it('sends tools, tool choice and structured output exactly; records tool calls and refusals; a second run replays them from the cache', async () => {
    const first = await runCliInProcess(['run'], { cwd: dir, env: {} });
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(openai.respondErrors).toEqual([]);
    expect(anthropic.respondErrors).toEqual([]);

    // At the servers: every request, exactly as the APIs define them.
    const bySubject = (server: MockServer, subject: string): RecordedRequest => {
      const found = server.requests.filter((r) => lastUser(r as unknown as IncomingChat).includes(subject));
      expect(found, subject).toHaveLength(1);
      return found[0];
    };
    expect(openai.count).toBe(5);
    expect(anthropic.count).toBe(4);
    for (const question of ['where is order 42', 'escalate with broken arguments', 'please refuse']) {
      const sentOpenAI = bySubject(openai, question).body;
      expect(sentOpenAI.tools).toEqual([
        { type: 'function', function: { name: 'lookup_order', description: 'Find an order by its id', parameters: TOOLS[0].inputSchema } },
        { type: 'function', function: { name: 'escalate', parameters: TOOLS[1].inputSchema } },
      ]);
      expect(sentOpenAI.tool_choice).toBe('required');
      expect(sentOpenAI.messages).toEqual([{ role: 'user', content: question }]);
      expect(sentOpenAI).not.toHaveProperty('response_format');
      const sentAnthropic = bySubject(anthropic, question).body;
      expect(sentAnthropic.tools).toEqual([
        { name: 'lookup_order', description: 'Find an order by its id', input_schema: TOOLS[0].inputSchema },
        { name: 'escalate', input_schema: TOOLS[1].inputSchema },
      ]);
      expect(sentAnthropic.tool_choice).toEqual({ type: 'any' });
    }
    const triageRequests = openai.requests.filter((r) => r.body.response_format);
    expect(triageRequests.map((r) => r.body.response_format)).toEqual(expect.arrayContaining([
      { type: 'json_schema', json_schema: { name: 'triage', schema: TRIAGE, strict: true } },
      { type: 'json_schema', json_schema: { name: 'triage-loose', schema: LOOSE, strict: false } },
    ]));
    expect(triageRequests).toHaveLength(2);
    for (const request of triageRequests) expect(request.body).not.toHaveProperty('tools');
    const forced = anthropic.requests.filter((r) => (r.body.tool_choice as { type?: string }).type === 'tool');
    expect(forced).toHaveLength(1);
    expect(forced[0].body.tools).toEqual([{ name: 'triage', description: expect.stringContaining('final answer'), input_schema: TRIAGE }]);
    expect(forced[0].body.tool_choice).toEqual({ type: 'tool', name: 'triage' });

    // calls.jsonl and run.json: tool calls with id, name, raw and parsed arguments; refusals as answers.
    const [runDir] = await runFolders(dir);
    const calls = await readCalls(runDir);
    const run = await readRun(runDir);
    const { validateRun, validateCall } = runSchema();
    expect(validateRun(run), JSON.stringify(validateRun.errors)).toBe(true);
    for (const call of calls) expect(validateCall(call), JSON.stringify(validateCall.errors)).toBe(true);
    expect(calls.every((c) => c.error === null && c.cached === false)).toBe(true);

    const callOf = (model: string, subject: string, suite = subject === 'invoice' ? 'triage' : 'support') => {
      const found = calls.filter((c) => c.model === model && c.suite === suite && JSON.stringify(c.vars).includes(subject));
      expect(found, `${model} ${subject}`).toHaveLength(1);
      return found[0];
    };
    const caseOf = (model: string, subject: string, suite = subject === 'invoice' ? 'triage' : 'support'): CaseResult => {
      const found = run.cases.filter((c) => c.model === model && c.suite === suite && JSON.stringify(c.vars).includes(subject));
      expect(found, `${model} ${subject}`).toHaveLength(1);
      return found[0];
    };
    const lookup = { id: 'call_42', name: 'lookup_order', rawArguments: '{"orderId":"42"}', arguments: { orderId: '42' } };
    for (const [model, finish] of [['gpt', 'tool_calls'], ['claude', 'tool_use']] as const) {
      const call = callOf(model, 'order 42');
      expect(call).toMatchObject({ output: '', toolCalls: [lookup], finishReason: finish, toolChoice: 'required', tools: TOOLS });
      expect(call).not.toHaveProperty('refusal');
      const result = caseOf(model, 'order 42');
      expect(result.status).toBe('pass');
      expect(result.repeats[0]).toMatchObject({ output: '', toolCalls: [lookup], error: null });
      const refused = callOf(model, 'refuse');
      expect(refused).toMatchObject({ output: '', refusal: REFUSAL, finishReason: model === 'gpt' ? 'stop' : 'refusal' });
      expect(refused).not.toHaveProperty('toolCalls');
      // Graded (not the error `refused` of format 2).
      expect(caseOf(model, 'refuse').repeats[0]).toMatchObject({ output: '', refusal: REFUSAL, error: null, grade: { pass: true } });
      expect(callOf(model, 'invoice')).toMatchObject({ output: '{"tier":"pro"}', responseSchema: { name: 'triage', schema: TRIAGE, strict: true } });
      expect(caseOf(model, 'invoice').status).toBe('pass');
    }
    expect(callOf('gpt', 'invoice', 'triage-loose')).toMatchObject({ output: '{"tier":"pro"}', responseSchema: { name: 'triage-loose', strict: false } });
    // Invalid JSON arguments: the text as sent, no parse, and why.
    const broken = callOf('gpt', 'broken').toolCalls[0];
    expect(broken).toMatchObject({ id: 'call_b', name: 'escalate', rawArguments: BROKEN });
    expect(broken).not.toHaveProperty('arguments');
    expect(broken.argumentsError).toMatch(/^the arguments are not valid JSON: /);
    expect(caseOf('gpt', 'broken').repeats[0].toolCalls).toEqual([broken]);
    expect(callOf('claude', 'broken').toolCalls).toEqual([{ id: 'call_b', name: 'escalate', rawArguments: '{"reason":"late"}', arguments: { reason: 'late' } }]);

    // The second run: no request reaches either server, and every answer replays identically.
    openai.reset();
    anthropic.reset();
    const second = await runCliInProcess(['run'], { cwd: dir, env: {} });
    expect(second.code, second.stderr + second.stdout).toBe(0);
    expect(openai.count + anthropic.count).toBe(0);
    const [, secondDir] = await runFolders(dir);
    const replayed = await readCalls(secondDir);
    const answerOf = (c: Record<string, any>) => JSON.stringify([c.model, c.promptId, c.vars, c.output, c.toolCalls, c.refusal, c.finishReason, c.requestKey]);
    expect(replayed.every((c) => c.cached === true)).toBe(true);
    expect(replayed.map(answerOf).sort()).toEqual(calls.map(answerOf).sort());
    const outcomes = (r: RunFile) => r.cases.map((c) => JSON.stringify([c.model, c.vars, c.status, c.repeats[0].output, c.repeats[0].toolCalls, c.repeats[0].refusal])).sort();
    expect(outcomes(await readRun(secondDir))).toEqual(outcomes(run));
  });

  it('a custom provider may answer with tool calls and a refusal; a malformed list errors the case, never a pass', async () => {
    const custom = await makeProject({
      'prompts/support.prompt': FILES['prompts/support.prompt'],
      'evals/support.csv': ['question,__expected', 'where is order 42,not-contains:sorry', 'please refuse,not-contains:sorry', 'bad list,not-contains:sorry', 'nameless call,not-contains:sorry'].join('\n'),
      'eval.config.mjs': `export default {
  models: {
    gw: {
      model: 'gateway-1',
      provider: (request) => {
        const question = request.messages.at(-1).content;
        if (!request.tools || request.toolChoice !== 'required') return 'the tools did not arrive';
        if (question.includes('order 42')) return { ok: true, output: '', finishReason: 'tool_calls', toolCalls: [{ id: 'g1', name: 'lookup_order', arguments: { orderId: '42' } }] };
        if (question.includes('refuse')) return { ok: true, output: '', refusal: 'Not allowed.' };
        if (question.includes('bad list')) return { ok: true, output: 'fine', toolCalls: 'lookup_order' };
        return { ok: true, output: 'fine', toolCalls: [{ id: 'g2', arguments: {} }] };
      },
    },
  },
  defaultModel: 'gw',
  reporters: ['json', 'console'],
};
`,
    });
    const result = await runCliInProcess(['run'], { cwd: custom, env: {} });
    expect(result.code, result.stderr + result.stdout).toBe(3);
    const [runDir] = await runFolders(custom);
    const run = await readRun(runDir);
    const byQuestion = Object.fromEntries(run.cases.map((c) => [String(c.vars.question), c]));
    expect(byQuestion['where is order 42']).toMatchObject({ status: 'pass' });
    expect(byQuestion['where is order 42'].repeats[0].toolCalls).toEqual([{ id: 'g1', name: 'lookup_order', rawArguments: '{"orderId":"42"}', arguments: { orderId: '42' } }]);
    expect(byQuestion['please refuse'].repeats[0]).toMatchObject({ output: '', refusal: 'Not allowed.', error: null });
    for (const [question, why] of [['bad list', 'a "toolCalls" that is not an array'], ['nameless call', 'a toolCalls[0] without a non-empty string "name"']]) {
      const failed = byQuestion[question];
      expect(failed.status, question).toBe('error');
      expect(failed.repeats[0].grade).toBeNull();
      expect(failed.repeats[0].error?.code).toBe('provider_error');
      expect(failed.repeats[0].error?.message).toContain(why);
    }
  });
});
