import { existsSync } from 'node:fs';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';

/**
 * Issue 16, code graders: promptfoo's `javascript`, `python` and `webhook` assertions, from the
 * promptfoo-format cases in fixtures/promptfoo/code/ (code.csv, thresholds.csv, code.jsonl and the
 * grader files they name), run by the CLI against a local OpenAI server (the model) and a local
 * webhook. Why promptfoo gives each verdict (src/assertions/javascript.ts, python.ts, webhook.ts and
 * scriptResultNormalization.ts of promptfoo 0.121):
 * - tea / history / coffee: `javascript:` one line is `return <line>`; a boolean is the verdict and
 *   `not-` swaps it (normalizeScriptAssertionResult: pass = result !== inverse).
 * - rivers: `context.vars` and `context.prompt` (the rendered prompt) are what runAssertion passes.
 * - bees / ants: a number is the score and passes when ≥ the threshold (`__config:__expected:threshold`),
 *   0.3 < 0.5 fails, 0.5 passes.
 * - apples / pears: `fn:` and `eval:` are legacy spellings of `javascript:` (assertionFromString).
 * - clouds / snow: a multi-line value is the function body as written (it returns a grading result).
 * - moon / stars / mars / cats: `javascript:file://…` calls the module's default export, or the named
 *   function (`:mentionsTopic`, TypeScript), or a CommonJS module.exports (loadFromJavaScriptFile).
 * - owls / whales / frogs: `python:` one line is `return <line>` in `main(output, context)`.
 * - wolves: a Python result object whose score is below the threshold fails (normalizeScriptObjectResult).
 * - lions / tigers: `python:file://x.py` calls `get_assert(output, context)`.
 * - sun / rain / wind: `webhook:` POSTs {output, context}; the answer's `pass` decides, `not-` swaps it.
 * - salt: two graders, one fails; `__threshold: 0.5` and the mean score 0.5 pass the case.
 * - milk / bread / corn (JSONL): weights (2 and 1), `config` handed to the code as `context.config`,
 *   a Python threshold, a case threshold, and a multi-line Python body.
 * - error-*: a throw, a value that is none of boolean / number / grading result, a Python raise and a
 *   webhook answering 500. promptfoo records these as failures; promptgate as errors (no verdict,
 *   SPEC §8), never a pass, with or without `not-`.
 * Departure kept out of the fixture: paths after `file://` are relative to the case file here
 * (promptfoo: the config's folder); the test puts the config beside the cases' folder.
 */

const ENV = { TEST_OPENAI_KEY: 'sk-code-graders', PROMPTGATE_GRADER_TIMEOUT_MS: '30000' };
const FIXTURE = join(REPO_ROOT, 'fixtures', 'promptfoo', 'code');

/** What the model says about each topic. */
const OUTPUTS: Record<string, string> = {
  tea: 'A short answer about tea.',
  history: 'A long answer about history, which goes on and on for well over fifty characters.',
  coffee: 'A short answer about coffee.',
  rivers: 'Rivers flow to the sea.',
  bees: 'Bees make honey.',
  ants: 'Ants are small but strong.',
  apples: 'Apples grow on trees.',
  pears: 'Pears are sweet.',
  clouds: 'Clouds are made of tiny water droplets floating in the air.',
  snow: 'Snow is cold.',
  moon: 'The moon orbits the earth.',
  stars: 'Stars are distant suns.',
  mars: 'Venus is hot.',
  cats: 'Cats sleep a lot.',
  owls: 'Owls hunt at night.',
  whales: 'Whales are the largest animals that have ever lived on planet Earth.',
  frogs: 'Frogs can jump.',
  wolves: 'Wolves live in packs.',
  lions: 'Lions roar.',
  tigers: 'Leopards have spots.',
  sun: 'This is good: the sun is a star.',
  rain: 'Rain is wet.',
  wind: 'This is good: wind moves air.',
  salt: 'Salt is salty.',
  milk: 'Milk is white.',
  bread: 'Bread is baked from flour and water and salt and yeast today.',
  corn: 'Corn is yellow.',
  'error-js': 'Some output.',
  'error-not-js': 'Some output.',
  'error-string': 'Some output.',
  'error-py': 'Some output.',
  'error-webhook': 'Fail with status 500.',
};

/** The verdict promptfoo's semantics give each case (see the header), and the case score. */
const EXPECTED: Record<string, [status: 'pass' | 'fail' | 'error', score: number]> = {
  tea: ['pass', 1],
  history: ['fail', 0],
  coffee: ['fail', 0],
  rivers: ['pass', 1],
  bees: ['fail', 0.3],
  ants: ['pass', 0.5],
  apples: ['pass', 1],
  pears: ['fail', 0],
  clouds: ['fail', 0.25],
  snow: ['pass', 1],
  moon: ['pass', 1],
  stars: ['pass', 1],
  mars: ['fail', 0],
  cats: ['pass', 1],
  owls: ['pass', 1],
  whales: ['fail', 0],
  frogs: ['fail', 0],
  wolves: ['fail', 0.5],
  lions: ['pass', 1],
  tigers: ['fail', 0],
  sun: ['pass', 1],
  rain: ['fail', 0],
  wind: ['fail', 0],
  salt: ['pass', 0.5],
  milk: ['fail', (2 * 1 + 0.3) / 3],
  bread: ['pass', (2 * 0 + 1) / 3],
  corn: ['pass', 1],
  'error-js': ['error', 0],
  'error-not-js': ['error', 0],
  'error-string': ['error', 0],
  'error-py': ['error', 0],
  'error-webhook': ['error', 0],
};

describe('code graders end to end (promptfoo javascript, python, webhook)', () => {
  let model: MockServer;
  let webhook: Server;
  let port: number;
  const posted: Array<{ output: string; context: { prompt: string; vars: Record<string, unknown> } }> = [];

  beforeAll(async () => {
    model = await startOpenAIServer({
      respond: (request) => {
        const prompt = textOf([...request.messages].reverse().find((m) => m.role === 'user')?.content);
        return { content: OUTPUTS[/about (.+)\.$/.exec(prompt.trim())![1]] };
      },
    });
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const sent = JSON.parse(body) as (typeof posted)[number];
        posted.push(sent);
        if (sent.output.includes('500')) {
          response.writeHead(500).end();
          return;
        }
        const pass = sent.output.includes('good');
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pass, reason: pass ? 'says good' : 'does not say good' }));
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    port = (webhook.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await model.close();
    webhook.closeAllConnections();
    webhook.close();
  });

  /** The fixture as a project: the config and prompt at the root, the promptfoo cases in evals/code/ (the webhook's port filled in). */
  async function project(): Promise<string> {
    const dir = await makeProject({
      'eval.config.mjs': `export default {
  models: { gpt: { provider: 'openai', model: 'gpt-test', baseURL: '${model.url}', apiKeyEnv: 'TEST_OPENAI_KEY' } },
  defaultModel: 'gpt',
};
`,
      'prompts/code.prompt': '---\nversion: 1.0.0\n---\nWrite one sentence about {{topic}}.\n',
    });
    await cp(FIXTURE, join(dir, 'evals', 'code'), { recursive: true });
    for (const name of await readdir(join(dir, 'evals', 'code'))) {
      if (!/\.(csv|jsonl)$/.test(name)) continue;
      const file = join(dir, 'evals', 'code', name);
      await writeFile(file, (await readFile(file, 'utf8')).replaceAll('127.0.0.1:PORT', `127.0.0.1:${port}`));
    }
    return dir;
  }

  it('every case gets promptfoo’s verdict; throws, bad return values, raises and webhook faults are errors, never passes', async () => {
    const dir = await project();
    const check = await runCliInProcess(['check'], { cwd: dir, env: ENV });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);

    const result = await runCliInProcess(['run'], { cwd: dir, env: ENV });
    expect(result.code, result.stderr).toBe(3);
    const run = await readRun((await runFolders(dir))[0]);
    const byTopic = Object.fromEntries(run.cases.map((c) => [String(c.vars.topic), c]));
    expect(Object.keys(byTopic).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [topic, [status, score]] of Object.entries(EXPECTED)) {
      const grade = byTopic[topic].repeats[0].grade!;
      expect(byTopic[topic].status, `${topic}: ${grade.reason}`).toBe(status);
      expect(grade.score, topic).toBeCloseTo(score, 9);
    }

    // Types as run.json records them, and the reasons user code gave.
    const first = (topic: string) => byTopic[topic].repeats[0].grade!.assertions[0];
    expect(first('apples')).toMatchObject({ type: 'javascript', negate: false, spec: "fn:output.startsWith('Apples')" });
    expect(first('frogs')).toMatchObject({ type: 'python', negate: true });
    expect(first('clouds').reason).toBe('11 words');
    expect(first('mars').reason).toBe('does not mention mars');
    expect(first('cats').reason).toBe('checked cats');
    expect(first('tigers').reason).toBe('does not mention tigers');
    expect(first('wind')).toMatchObject({ type: 'webhook', negate: true, pass: false, reason: 'says good' });
    expect(first('error-js')).toMatchObject({ pass: false, errored: true, reason: 'javascript threw TypeError: output.missing is not a function' });
    expect(first('error-not-js')).toMatchObject({ pass: false, errored: true });
    expect(first('error-py')).toMatchObject({ errored: true, reason: 'python raised ZeroDivisionError: division by zero (line 1 of the code)' });
    expect(first('error-webhook')).toMatchObject({ errored: true, reason: `webhook http://127.0.0.1:${port}/grade answered HTTP 500` });

    // The webhook got promptfoo's body: the output, the rendered prompt and the case's variables.
    const sun = posted.find((p) => p.output === OUTPUTS.sun);
    expect(sun).toEqual({ output: OUTPUTS.sun, context: { prompt: 'Write one sentence about sun.', vars: { topic: 'sun' } } });
    expect(posted).toHaveLength(4);
  });

  it('without Python 3, check and run exit 2 with one line naming the python grader, before any model call', async () => {
    const dir = await project();
    const missing = join(dir, 'no-such-python');
    const check = await runCliInProcess(['check'], { cwd: dir, env: { ...ENV, PROMPTGATE_PYTHON: missing } });
    expect(check.code).toBe(2);
    const lines = check.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^promptgate: evals/code/code\\.csv:\\d+: invalid grader python:.*: python graders need Python 3, and none was found \\(tried ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not found\\) \\(set PROMPTGATE_PYTHON to a Python 3 executable, or unset it to use python3 from PATH\\)$`),
    );

    model.reset();
    const run = await runCliInProcess(['run'], { cwd: dir, env: { ...ENV, PATH: join(dir, 'empty-path') } });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('python graders need Python 3, and none was found (tried python3: not found, python: not found) (install Python 3, or set PROMPTGATE_PYTHON to its path)');
    expect(model.count).toBe(0);
    expect(existsSync(join(dir, 'reports'))).toBe(false);
  });
});
