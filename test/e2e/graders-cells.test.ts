import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, initRepo } from '../helpers/git-repo.js';
import { lastUser, textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer, type Reply } from '../helpers/openai-server.js';
import { readCalls, readRun, runFolders } from '../helpers/runs.js';

/**
 * promptfoo's cell semantics end to end (issue 16 §2): fixtures/promptfoo/cells is a promptfoo-format
 * CSV (evals/topic.csv) with a Nunjucks prompt, run through the CLI against a local OpenAI server
 * (the model and the judge). The verdict promptfoo 0.121 gives each row, and why:
 *  1 `contains:{{ topic | title }}`, topic paris → pass: runAssertion renders string values with
 *    nunjucks.renderString(value, vars) before handleContains ("Paris" is in the output).
 *  2 `not-contains:{{ topic }}` (same vars as 1) → pass: a second case (testCaseFromCsvRow makes
 *    one test per row); "paris" is not in the output (contains is case-sensitive), inverted.
 *  3 `icontains:{{ topic }}` (same vars again) → pass: a third case.
 *  4 `contains:{{ topic | title }}`, topic rome → fail: "Rome" is not in the output.
 *  5 `is-json` → pass: assertionFromString's type regex matches the bare name.
 *  6 `file://expected/paris.txt` → pass: no type matches, so equals with that value; runAssertion
 *    reads it (processFileReference: .txt, trimmed) and handleEquals compares the output to it.
 *  7 `/^yes$/i` on "YES" → fail: assertionFromString has no regex-literal rule: equals "/^yes$/i".
 *  8 weights: contains:Berlin fails (weight 1), contains:Paris passes with
 *    `__config:__expected2:weight` 3 → score 0.75 ≥ `__threshold` 0.7 → pass (AssertionsResult).
 *  9 positional: the `__expected` cell is empty, so `__config:__expected2` applies to the second
 *    non-empty grader (`__expected3`, contains:Paris; promptfoo indexes the row's assertions) → pass.
 * 10 `__expected_answer` → pass: every column starting with `__expected` holds a grader.
 * 11 `__providerOutput` → pass: the evaluator grades the given output and calls no provider.
 * 12 `equals:{{ topic }}`, topic "not-contains:Paris" → pass: the rendered value is compared as
 *    text (the type was read from the cell before rendering).
 * 13 `llm-rubric:mentions {{ topic | title }}` → pass: the judge is asked with the rendered rubric.
 * The prompt renders as promptfoo's Nunjucks: `{% if style %}`, `| lower`, `| title`.
 */

const ENV = { TEST_OPENAI_KEY: 'sk-cells-e2e' };

const OUTPUTS: Record<string, string> = {
  lovely: 'Paris is lovely in spring.',
  json: '{"city": "Paris"}',
  file: 'The capital is Paris.',
  yes: 'YES',
  spec: 'not-contains:Paris',
};


/** A judge that passes when it was asked about "mentions Paris" (the rendered rubric), echoing its verdict token. */
function judge(request: IncomingChat): Reply {
  const all = request.messages.map((m) => textOf(m.content)).join('\n');
  const token = /"verdict_token": "([0-9a-f]+)"/.exec(all)?.[1] ?? 'missing';
  const pass = all.includes('mentions Paris') && !all.includes('{{');
  return { content: JSON.stringify({ pass, score: pass ? 1 : 0, reason: pass ? 'mentions Paris' : 'not asked about Paris', verdict_token: token }) };
}

describe('promptfoo cell semantics end to end', () => {
  let server: MockServer;
  let dir: string;

  beforeAll(async () => {
    server = await startOpenAIServer({
      respond: (request) => (request.model === 'judge-model' ? judge(request) : { content: OUTPUTS[/key=(\S+)/.exec(lastUser(request))![1]] ?? 'unexpected' }),
    });
    dir = await mkdtemp(join(tmpdir(), 'promptgate-cells-'));
    await cp(join(REPO_ROOT, 'fixtures', 'promptfoo', 'cells'), dir, { recursive: true });
    await writeFile(
      join(dir, 'eval.config.mjs'),
      `export default {
  models: {
    gpt: { provider: 'openai', model: 'gpt-test', baseURL: '${server.url}', apiKeyEnv: 'TEST_OPENAI_KEY' },
    judge: { provider: 'openai', model: 'judge-model', baseURL: '${server.url}', apiKeyEnv: 'TEST_OPENAI_KEY' },
  },
  defaultModel: 'gpt',
  judge: 'judge',
};
`,
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives promptfoo\'s verdict on every row', async () => {
    const result = await runCliInProcess(['run', '--no-cache'], { cwd: dir, env: ENV });
    expect(result.stderr).not.toMatch(/promptgate: .*:\d+:/);
    const [runDir] = await runFolders(dir);
    const run = await readRun(runDir);
    const verdicts = run.cases.map((r) => [r.source.line, r.status]);
    expect(verdicts).toEqual([
      [2, 'pass'], [3, 'pass'], [4, 'pass'], [5, 'fail'], [6, 'pass'], [7, 'pass'], [8, 'fail'],
      [9, 'pass'], [10, 'pass'], [11, 'pass'], [12, 'pass'], [13, 'pass'], [14, 'pass'],
    ]);
    // No gate floor configured: failing cases alone do not fail `run`.
    expect(result.code).toBe(0);

    // Three rows with equal variables are three cases with distinct ids.
    const ids = run.cases.map((r) => r.caseId);
    expect(new Set(ids).size).toBe(ids.length);
    // The spec in the report stays as written; the grader saw the rendered value.
    const rome = run.cases.find((r) => r.source.line === 5)!;
    expect(rome.repeats[0].grade!.assertions[0]).toMatchObject({ spec: 'contains:{{ topic | title }}', pass: false });
    expect(rome.repeats[0].grade!.assertions[0].reason).toContain('"Rome"');

    // __providerOutput: graded, marked, and no model was asked.
    const given = run.cases.find((r) => r.source.line === 12)!;
    expect(given.repeats[0]).toMatchObject({ output: 'Given answer about {{ topic }}', providedOutput: true, attempts: 0 });
    const models = server.requests.filter((r) => r.model === 'gpt-test');
    expect(models.map((r) => /key=(\S+)/.exec(lastUser(r))![1])).not.toContain('given');
    expect(models).toHaveLength(12);
    expect((await readCalls(runDir)).filter((c) => c.purpose === 'eval')).toHaveLength(12);

    // The judge was asked once, with the rendered rubric (never a literal {{topic}}).
    const judged = server.requests.filter((r) => r.model === 'judge-model');
    expect(judged).toHaveLength(1);
    expect(judged[0].messages.map((m) => textOf(m.content)).join('\n')).toContain('mentions Paris');

    // The Nunjucks prompt: role() markers split messages, {% if %} and filters render as promptfoo's.
    const first = models.find((r) => lastUser(r).includes('Tell me about Paris'))!;
    expect(first.messages.map((m) => [m.role, textOf(m.content)])).toEqual([
      ['system', 'Answer briefly in a formal style.'],
      ['user', 'key=lovely Tell me about Paris.'],
    ]);
    const plain = models.find((r) => lastUser(r).includes('key=json'))!;
    expect(textOf(plain.messages[0].content)).toBe('Answer briefly.');
  });
});

/**
 * SPEC §8, a gate green against nothing: a case with `__providerOutput` grades the same given text
 * on both sides of a comparison, so it says nothing about either prompt version. Such cases are
 * left out of the comparison and of the floor; with nothing else, there is no verdict (exit 3),
 * never a pass on a prompt that was never run.
 */
describe('a comparison and cases that give their own output', () => {
  const config = `export default {
  models: { m: { model: 'fn', provider: (request) => (request.messages.at(-1).content.includes('Ignore') ? 'nope' : 'ok') } },
  defaultModel: 'm',
};
`;
  const given = Array.from({ length: 30 }, (_, i) => `q${i},yes ${i},contains:yes`);
  async function repo(rows: string[]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'promptgate-provided-'));
    initRepo(dir);
    await commitFiles(dir, { 'eval.config.mjs': config, 'prompts/p.prompt': '---\nversion: 1.0.0\n---\nSay {{q}}\n', 'evals/p.csv': ['q,__providerOutput,__expected', ...rows].join('\n') }, 'v1');
    // The candidate would fail every case it ran.
    await writeFile(join(dir, 'prompts/p.prompt'), '---\nversion: 1.1.0\n---\nIgnore {{q}}\n');
    return dir;
  }

  it('a case whose every assertion has weight 0 requires nothing of the output: ungraded, not a pass', async () => {
    const dir = await repo([]);
    await writeFile(join(dir, 'evals/p.csv'), 'q,__expected,__config:__expected:weight\nw,contains:never there,0\nr,contains:ok,\n');
    const result = await runCliInProcess(['run'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const run = await readRun((await runFolders(dir))[0]);
    expect(run.cases.map((c) => [c.vars.q, c.status])).toEqual([['w', 'ungraded'], ['r', 'fail']]);
    expect(run.cases[0].repeats[0].grade?.reason).toMatch(/^ungraded: every assertion has weight 0/);
    expect(run.totals).toMatchObject({ passed: 0, ungraded: 1 });
  });

  it('only given outputs: no verdict (exit 3), no model called, never a pass', async () => {
    const dir = await repo(given);
    const result = await runCliInProcess(['compare', '--baseline', 'HEAD'], { cwd: dir });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toContain('no case ran the prompt, 30 cases with a given output (__providerOutput: made by neither prompt version): no verdict');
    const run = await readRun((await runFolders(dir))[0]);
    expect(run.totals.calls).toBe(0);
    expect(run.comparison?.rows.map((row) => row.verdict)).toEqual(['error']);
    expect(run.gate?.verdict).toBe('error');
  });

  it('with cases that run the prompt: the given ones are left out, and the regression is not outvoted by them', async () => {
    const dir = await repo([...given, ...Array.from({ length: 12 }, (_, i) => `r${i},,contains:ok`)]);
    const result = await runCliInProcess(['compare', '--baseline', 'HEAD'], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    const run = await readRun((await runFolders(dir))[0]);
    const [row] = run.comparison!.rows;
    expect(row.verdict).toBe('fail');
    expect(row.reasons.join(' ')).toContain('30 cases with a given output (__providerOutput: made by neither prompt version), left out of the comparison');
    // The pass rates are over the 12 cases that ran the prompt: 1 → 0.
    expect([row.baselinePassRate, row.candidatePassRate]).toEqual([1, 0]);
  });
});
