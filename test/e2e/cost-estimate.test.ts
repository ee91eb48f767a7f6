/**
 * The cost estimate and the pre-run budget check, as a user runs them (the CLI in-process, the real
 * OpenAI SDK against the local server): `check` prints the estimate; `--max-cost` (or the config's
 * `budget.maxCostUsd`) above it refuses before any call, writing nothing; `--allow-over-estimate`
 * runs; run.json records the budget, the estimate and what was spent; a stored baseline costs 0.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { makeProject } from '../helpers/cli.js';
import { initAndCommit } from '../helpers/git-repo.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { runSchema } from '../helpers/run-schema.js';
import { withNewRun } from '../helpers/runs.js';

const QUESTIONS = ['France', 'Japan', 'Kenya', 'Peru', 'Chile', 'Norway'];
// max_tokens 1000: the estimate counts 1000 output tokens a call; the answers are a few tokens.
const PROMPT = (version: string, instruction: string) => `---
version: ${version}
model: mini
config:
  temperature: 0
  max_tokens: 1000
---
{{role "system"}}
${instruction}
{{role "user"}}
What is the capital of {{country}}?
`;
const config = (url: string, extra = '') => `export default {
  models: { mini: { provider: 'openai', model: 'gpt-4o-mini', baseURL: '${url}' } },
  concurrency: 1,${extra}
};
`;

let server: MockServer;
let project: string;
const env = { OPENAI_API_KEY: 'sk-test-budget' };
const cli = (...args: string[]) => runCliInProcess(args, { cwd: project, env });

beforeAll(async () => {
  server = await startOpenAIServer({ respond: () => ({ content: 'Paris' }) });
  project = await makeProject({
    'prompts/capital.prompt': PROMPT('1.0.0', 'Name the capital city.'),
    'evals/capital.csv': `country,__expected\n${QUESTIONS.map((q) => `${q},contains:a`).join('\n')}\n`,
    'eval.config.mjs': config(server.url),
    // The same project with a budget in the config, on lines of their own (the refusal names the line).
    'budget.config.mjs': config(server.url, `\n  budget: {\n    maxCostUsd: 0.001,\n  },`),
  });
  // HEAD holds 1.0.0; the working tree changes it (compare --baseline HEAD runs both versions).
  await initAndCommit(project, {}, 'prompts');
  await writeFile(join(project, 'prompts', 'capital.prompt'), PROMPT('1.1.0', 'Name the capital city. One word.'));
});

afterAll(async () => {
  await server.close();
});

describe('the cost estimate before any call', () => {
  let estimateUsd: number;

  it('check prints it per suite × model and check --json returns it', async () => {
    const text = await cli('check');
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    const row = lines.find((line) => line.trim().startsWith('capital'));
    // 6 cases × 1 repeat; no judge; 1000 output tokens a call; gpt-4o-mini's list price.
    expect(row?.trim().split(/\s{2,}/)).toEqual(['capital', 'mini', '6', '0', expect.stringMatching(/^\d+$/), '6000', '$0.0036']);
    expect(lines.some((line) => line.trim().startsWith('total') && line.trim().endsWith('$0.0036'))).toBe(true);
    expect(text.stdout).toContain('an upper bound: answers already in the response cache cost nothing');

    const json = await cli('check', '--json');
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.estimate.rows).toEqual([expect.objectContaining({ suite: 'capital', model: 'mini', calls: 6, judgeCalls: 0, outputTokens: 6000, tokenizer: 'tiktoken', outputFrom: 'max_tokens', batch: false })]);
    const input = result.estimate.rows[0].inputTokens;
    expect(result.estimate.usd).toBeCloseTo((input * 0.15 + 6000 * 0.6) / 1e6, 12);
    estimateUsd = result.estimate.usd;
    expect(server.count).toBe(0);
  });

  it('refuses a run whose estimate is above --max-cost or budget.maxCostUsd: exit 2, one line, no call, nothing written', async () => {
    const flag = await cli('run', '--max-cost', '0.001');
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim().split('\n')).toEqual([
      'promptgate: --max-cost: the cost estimate $0.0036 is above the budget $0.0010: nothing was run (pass --allow-over-estimate to run anyway, or raise the budget; `promptgate check` shows the estimate per suite × model)',
    ]);
    // compare runs two prompt versions: twice the calls, twice the estimate; the budget from the config names its line.
    const configured = await cli('compare', '--baseline', 'HEAD', '-c', 'budget.config.mjs');
    expect(configured.code).toBe(2);
    expect(configured.stderr.trim().split('\n')).toHaveLength(1);
    expect(configured.stderr).toMatch(/^promptgate: budget\.config\.mjs:5: the cost estimate \$0\.0072 is above the budget \$0\.0010: nothing was run \(pass --allow-over-estimate/);
    expect(server.count).toBe(0);
    // No run folder, and so no line in reports/index.jsonl either.
    expect(existsSync(join(project, 'reports'))).toBe(false);
    for (const bad of ['abc', '0', '-1', '']) {
      const refused = await cli('run', '--max-cost', bad);
      // As every bad flag value: commander's one error line, then the command's help.
      expect(refused.code).toBe(2);
      expect(refused.stderr.split('\n')[0]).toBe(`error: option '--max-cost <usd>' argument '${bad}' is invalid. --max-cost must be a positive number of US dollars, e.g. 5 or 0.50`);
    }
    expect(existsSync(join(project, 'reports'))).toBe(false);
  });

  it('--allow-over-estimate runs anyway; run.json keeps the budget, the estimate and what was spent; the flag wins over the config', async () => {
    const { result, run } = await withNewRun(project, () => cli('run', '--max-cost', '0.001', '--allow-over-estimate', '--no-cache'));
    expect(result.code).toBe(0);
    expect(server.count).toBe(6);
    expect(run?.status).toBe('complete');
    expect(run?.budget).toEqual({ maxCostUsd: 0.001, estimateUsd, spentUsd: run?.totals.costUsd });
    expect(run?.budget?.spentUsd).toBeGreaterThan(0);
    const { validateRun } = runSchema();
    expect(validateRun(run), JSON.stringify(validateRun.errors)).toBe(true);

    const flagWins = await withNewRun(project, () => cli('run', '-c', 'budget.config.mjs', '--max-cost', '1', '--no-cache'));
    expect(flagWins.result.code).toBe(0);
    expect(flagWins.run?.budget).toMatchObject({ maxCostUsd: 1, estimateUsd });

    // A stored baseline (`run:`) makes no call: the estimate is the candidate's alone.
    const calls = server.count;
    const compared = await withNewRun(project, () => cli('compare', '--baseline', `run:${flagWins.runDir}`, '--max-cost', '1', '--no-cache'));
    expect(compared.result.code).toBe(0);
    expect(server.count - calls).toBe(6);
    expect(compared.run?.budget?.estimateUsd).toBe(estimateUsd);
  });
});
