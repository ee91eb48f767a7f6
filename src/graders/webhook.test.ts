import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGraderSpec } from '../cases/grader-spec.js';
import { gradeAssertion } from './grade.js';
import { makeContext } from './test-context.js';
import { validateAssertion } from './validate.js';

/**
 * promptfoo's `webhook` grader (its assertions/webhook.ts): POST {output, context: {prompt, vars}}
 * and read {pass, score?, reason?}; under `not-` the pass swaps and the score is 1 − score. Any
 * fault is an error, never a pass (promptfoo passes an answer without `pass`; promptgate does not).
 */

const source = { file: 'evals/t.csv', line: 2 };
let server: Server;
let url: string;
const received: unknown[] = [];

/** Answers by the output it is sent. */
const ANSWERS: Record<string, { status?: number; body?: string; hang?: boolean }> = {
  good: { body: JSON.stringify({ pass: true, score: 0.9, reason: 'looks good' }) },
  bad: { body: JSON.stringify({ pass: false }) },
  big: { body: JSON.stringify({ pass: true, score: 80 }) },
  nopass: { body: JSON.stringify({ score: 1 }) },
  stringpass: { body: JSON.stringify({ pass: 'true' }) },
  status: { status: 500, body: JSON.stringify({ pass: true }) },
  notjson: { body: 'hello' },
  hang: { hang: true },
};

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const parsed = JSON.parse(body) as { output: string };
      received.push({ ...parsed, contentType: request.headers['content-type'], method: request.method });
      const answer = ANSWERS[parsed.output];
      if (answer.hang) return;
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/grade`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** A webhook that never answers always runs out of time; every other answer comes long before it. */
const timeoutFor = (output: string) => (output === 'hang' ? '100' : '30000');
const context = (output = '') => makeContext({ vars: { city: 'Paris' }, messages: [{ role: 'user', content: 'Name a city.' }], env: { PROMPTGATE_GRADER_TIMEOUT_MS: timeoutFor(output) } });
const grade = (spec: string, output: string) => gradeAssertion(output, parseGraderSpec(spec.replace('URL', url), source), context(output));

describe('webhook grader', () => {
  // [spec, output, pass, score, reason]
  const rows: Array<[string, string, boolean, number, string]> = [
    ['webhook:URL', 'good', true, 0.9, 'looks good'],
    ['not-webhook:URL', 'good', false, 0.1, 'looks good'],
    ['webhook:URL', 'bad', false, 0, 'webhook returned false'],
    ['not-webhook:URL', 'bad', true, 1, 'webhook returned false'],
    ['webhook:URL', 'big', true, 1, 'webhook returned true'],
  ];

  it.each(rows)('%s on %j', async (spec, output, pass, score, reason) => {
    const result = await grade(spec, output);
    expect(result.errored).toBeUndefined();
    expect([result.pass, result.reason]).toEqual([pass, reason]);
    expect(result.score).toBeCloseTo(score, 12);
  });

  it('posts the output with the prompt and the variables as JSON', async () => {
    received.length = 0;
    await grade('webhook:URL', 'good');
    expect(received).toEqual([{ output: 'good', context: { prompt: 'Name a city.', vars: { city: 'Paris' } }, contentType: 'application/json', method: 'POST' }]);
  });

  const errors: Array<[string, string]> = [
    ['nopass', 'answered without a boolean "pass"'],
    ['stringpass', 'answered without a boolean "pass"'],
    ['status', 'answered HTTP 500'],
    ['notjson', 'answered with a body that is not JSON'],
    ['hang', 'did not answer within 100 ms'],
  ];

  it.each(errors)('%s is an error, never a pass, also negated', async (output, why) => {
    for (const spec of ['webhook:URL', 'not-webhook:URL']) {
      const result = await grade(spec, output);
      expect(result).toMatchObject({ pass: false, score: 0, errored: true, reason: `webhook ${url} ${why}` });
    }
  });

  it('an unreachable URL is an error; check refuses a value that is not an http(s) URL', async () => {
    // A port nothing listens on: one a server had, closed before any connection.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await gradeAssertion('good', parseGraderSpec(`webhook:http://127.0.0.1:${port}/grade`, source), context());
    expect(result).toMatchObject({ pass: false, errored: true, reason: `webhook http://127.0.0.1:${port}/grade failed: ECONNREFUSED` });
    const problem = await validateAssertion(parseGraderSpec('webhook:ftp://host/x', source), { graders: {}, rootDir: '.', hasJudge: false });
    expect(problem?.message).toBe("evals/t.csv:2: invalid grader webhook:ftp://host/x: 'ftp://host/x' is not an http(s) URL");
  });
});
