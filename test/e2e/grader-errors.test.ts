import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunFile } from '../../src/run-record/types.js';
import { makeProject, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, initRepo } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type Reply } from '../helpers/openai-server.js';
import { readRun } from '../helpers/runs.js';

/**
 * SPEC §8: a grader that errors (judge unreachable, a judge answering 500 or garbage, a JS grader
 * that throws) makes its case `errored` — exit 3, counted by cause — never `failed` or
 * `regressed`, on either side, negated or not, with or without `__threshold`.
 */

/** How the judge behaves, and for which side's outputs (candidate outputs end in " (v2)"). */
const judge = { failOn: 'none' as 'none' | 'candidate' | 'baseline', failure: '500' as '500' | 'garbage' };

const PROMPT = (version: string, system: string) => `---\nversion: ${version}\nmodel: m\n---\n{{role "system"}}\n${system}\n{{role "user"}}\n{{word}}\n`;

function judgeReply(request: IncomingChat): Reply {
  const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
  const user = textOf(request.messages.find((m) => m.role === 'user')?.content);
  const output = JSON.parse(user.split('\n')[1]) as string;
  const side = output.endsWith(' (v2)') ? 'candidate' : 'baseline';
  if (judge.failOn === side) return judge.failure === '500' ? { fault: 'status', status: 500 } : { content: 'Looks fine to me!' };
  const token = /"verdict_token": "([0-9a-f]+)"/.exec(system)?.[1] ?? 'missing';
  const word = output.replace(/ \(v2\)$/, '');
  const pass = system.includes('lower case') ? word === word.toLowerCase() : word === word.toUpperCase();
  return { content: JSON.stringify({ pass, score: pass ? 1 : 0, reason: pass ? 'meets the rubric' : 'does not', verdict_token: token }) };
}

function respond(request: IncomingChat): Reply {
  if (request.model === 'judge-1') return judgeReply(request);
  const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
  const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
  return { content: `${word.toUpperCase()}${system.includes('v2') ? ' (v2)' : ''}` };
}

const CASES = [
  'word,__expected,__threshold,__description',
  'apple,rubric:is in capitals,,apple by judge',
  'banana,rubric:is in capitals,,banana by judge',
  'cherry,not-rubric:is in lower case,,cherry by judge negated',
  'damson,rubric:is in capitals,0.5,damson by judge with threshold',
  'elder,js:explode,,elder js grader throws',
  'fig,contains:FIG,,fig plain',
  'grape,contains:GRAPE,,grape plain',
].join('\n');
const JUDGED = ['apple', 'banana', 'cherry', 'damson'];

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a grader that errors leaves its case errored (exit 3), never failed or regressed', () => {
  let server: MockServer;
  let dir: string;
  let deadJudge: string;

  const runOf = async (result: CliResult): Promise<RunFile> => {
    const folder = /^Run folder: (.+)$/m.exec(result.stdout)?.[1];
    expect(folder, result.stdout + result.stderr).toBeDefined();
    return readRun(folder!);
  };
  const byWord = (run: RunFile) => Object.fromEntries(run.cases.map((c) => [String(c.vars.word), c]));
  const cli = (args: string[]) => runCliInProcess([...args, '--no-cache'], { cwd: dir, env: { MOCK_KEY: 'k' } });

  beforeAll(async () => {
    server = await startOpenAIServer({ respond });
    deadJudge = `http://127.0.0.1:${await deadPort()}/v1`;
    dir = await makeProject({});
    initRepo(dir);
    const config = (judgeUrl: string) => `export default {
  models: {
    m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY' },
    judge: { provider: 'openai', model: 'judge-1', baseURL: '${judgeUrl}', apiKeyEnv: 'MOCK_KEY', maxRetries: 0 },
  },
  judge: 'judge',
  graders: { explode: () => { throw new Error('grader bug'); } },
  gate: { maxRegressions: 0 },
};
`;
    await commitFiles(dir, { 'eval.config.mjs': config(server.url), 'prompts/shout.prompt': PROMPT('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': CASES, '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'v1');
    // The same config with the judge on a port nothing listens on (`--config dead-judge.config.mjs`).
    await writeFile(join(dir, 'dead-judge.config.mjs'), config(deadJudge));
    // The candidate: the working tree's v2.
    await writeFile(join(dir, 'prompts/shout.prompt'), PROMPT('2.0.0', 'Repeat the word in capitals (v2).'));
  });
  afterAll(async () => server.close());

  it('compare: the candidate judge answers 500 and a JS grader throws: errored cases, none regressed, exit 3, causes counted', async () => {
    Object.assign(judge, { failOn: 'candidate', failure: '500' });
    const result = await cli(['compare', '--baseline', 'HEAD']);
    const run = await runOf(result);
    const cases = byWord(run);
    expect(run.cases.filter((c) => c.change === 'regressed' || c.status === 'fail')).toEqual([]);
    for (const word of JUDGED) {
      expect(cases[word]).toMatchObject({ status: 'error', change: 'errored', baseline: { status: 'pass' } });
      const assertion = cases[word].repeats[0].grade!.assertions[0];
      expect(assertion).toMatchObject({ type: 'rubric', errored: true, pass: false });
      expect(assertion.reason).toContain('judge error');
    }
    expect(cases.elder).toMatchObject({ status: 'error', change: 'errored', baseline: { status: 'error' } });
    expect(cases.elder.repeats[0].grade!.assertions[0].reason).toBe("js grader 'explode' threw: grader bug");
    expect([cases.fig.change, cases.grape.change]).toEqual(['unchanged-pass', 'unchanged-pass']);
    expect(run.comparison!.rows[0].counts).toMatchObject({ errored: 5, regressed: 0, 'unchanged-pass': 2 });
    expect(run.totals.graderErrorsByType).toEqual({ rubric: 4, js: 2 });
    expect(run.totals.errorsByCode).toEqual({ server_error: 4 });
    expect(run.gate?.verdict).toBe('error');
    expect(run.gate?.reasons.at(-1)).toBe('causes: calls still erroring after retries: server_error \u00d74; graders that errored: rubric \u00d74, js \u00d72');
    expect(result.stdout).toContain('Graders that errored (no verdict), by type: rubric ×4, js ×2');
    expect(result.stdout).toContain('Gate: NO VERDICT');
    expect(result.code).toBe(3);
  });

  it('compare: the judge fails on the baseline side only (garbage replies): errored, none improved or regressed, exit 3', async () => {
    Object.assign(judge, { failOn: 'baseline', failure: 'garbage' });
    const result = await cli(['compare', '--baseline', 'HEAD']);
    const run = await runOf(result);
    const cases = byWord(run);
    for (const word of JUDGED) {
      expect(cases[word]).toMatchObject({ status: 'pass', change: 'errored', baseline: { status: 'error' } });
      expect(cases[word].baseline!.repeats[0].grade!.assertions[0].reason).toContain('judge reply is not a JSON object');
    }
    expect(run.cases.filter((c) => ['regressed', 'improved'].includes(c.change!))).toEqual([]);
    expect(run.totals.graderErrorsByType).toEqual({ rubric: 4, js: 2 });
    expect(run.gate?.verdict).toBe('error');
    expect(result.stdout).toContain('Graders that errored (no verdict), by type: rubric ×4, js ×2');
    expect(result.code).toBe(3);
  });

  it('run: a judge on a dead port leaves its cases errored (exit 3 without any floor), counted by cause in the exit-3 message', async () => {
    Object.assign(judge, { failOn: 'none' });
    const result = await cli(['run', '--config', 'dead-judge.config.mjs']);
    const run = await runOf(result);
    const cases = byWord(run);
    for (const word of [...JUDGED, 'elder']) expect(cases[word].status).toBe('error');
    expect([cases.fig.status, cases.grape.status]).toEqual(['pass', 'pass']);
    expect(run.totals).toMatchObject({ passed: 2, failed: 0, errored: 5, errorsByCode: { connection: 4 }, graderErrorsByType: { rubric: 4, js: 1 } });
    expect(run.summary[0]).toMatchObject({ passed: 2, failed: 0, errored: 5, passRate: 1 });
    expect(run.gate).toEqual({ verdict: 'error', reasons: ['5 case(s) without a verdict (calls still erroring after retries: connection \u00d74; graders that errored: rubric \u00d74, js \u00d71)'] });
    expect(result.stdout).toContain('Gate: NO VERDICT — 5 case(s) without a verdict (calls still erroring after retries: connection ×4; graders that errored: rubric ×4, js ×1)');
    expect(result.code).toBe(3);
  });
});
