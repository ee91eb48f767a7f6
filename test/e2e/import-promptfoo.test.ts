import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startAnthropicServer } from '../helpers/anthropic-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import {
  answerFor, copyPromptfooProject, expectedCounts, judgeReply, readJson, verdictCounts, type ExpectedVerdicts,
} from '../helpers/promptfoo-projects.js';
import { withNewRun } from '../helpers/runs.js';

/**
 * `promptgate import promptfoo` end to end: each project in fixtures/promptfoo-projects/ (written
 * in promptfoo's documented format) is imported, then `promptgate run` on the result answers from
 * local servers (answers.json), and every case's verdict must be the one promptfoo's semantics
 * give (expected.json). Why each verdict is promptfoo's is said next to each fixture below.
 */

const PROJECTS = join(REPO_ROOT, 'fixtures', 'promptfoo-projects');

describe('promptgate import promptfoo', () => {
  let openai: MockServer;
  let anthropic: MockServer;
  let answers: Record<string, string> = {};

  beforeAll(async () => {
    const respond = (request: Parameters<typeof answerFor>[1]) => (request.model === 'judge-model' ? judgeReply(request) : { content: answerFor(answers, request) });
    openai = await startOpenAIServer({ respond });
    anthropic = await startAnthropicServer({ respond });
  });
  afterAll(async () => {
    await openai.close();
    await anthropic.close();
  });

  /** Imports a fixture project in a temp copy; returns the folder and the import's result. */
  async function importProject(name: string, args: string[] = []) {
    answers = await readJson(join(PROJECTS, name, 'answers.json')).catch(() => ({}));
    const dir = await copyPromptfooProject(name, { openai: openai.url, anthropic: anthropic.url });
    const result = await runCliInProcess(['import', 'promptfoo', ...args], { cwd: dir });
    return { dir, result };
  }

  /** `promptgate run` in `dir`; the verdict counts per `<model> | <description>`. */
  async function runVerdicts(dir: string) {
    const { result, run } = await withNewRun(dir, () => runCliInProcess(['run', '--no-cache'], { cwd: dir }));
    expect(run, result.stderr).toBeDefined();
    return { result, counts: verdictCounts((run as unknown as { cases: Array<{ model: string; description?: string; status: string }> }).cases) };
  }

  // basic: an inline prompt on an OpenAI-compatible server (apiBaseUrl), inline tests. promptfoo:
  // contains / icontains / starts-with / regex are substring and RegExp tests; `equals` compares the
  // whole output; contains-any / -all take lists; is-json parses the output, contains-json finds
  // JSON in it and validates the schema; defaultTest's not-icontains applies to every test (spain
  // says "I don't know"); with a test threshold the weighted mean score decides (peru: (3·1 + 1·0 +
  // 1·1) / 5 = 0.8 ≥ 0.5; norway: 2/3 < 0.9); latency / cost pass under generous limits.
  it('basic: inline prompt and tests, defaultTest, weights, thresholds', async () => {
    const { dir, result } = await importProject('basic');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('created  eval.config.ts');
    const { counts } = await runVerdicts(dir);
    expect(counts).toEqual(expectedCounts(await readJson<ExpectedVerdicts>(join(PROJECTS, 'basic', 'expected.json'))));
  });
});
