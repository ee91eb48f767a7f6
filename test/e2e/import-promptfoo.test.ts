import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeProject } from '../helpers/cli.js';
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
    answers = await readJson<Record<string, string>>(join(PROJECTS, name, 'answers.json')).catch(() => ({}));
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

  /** Imports a fixture (exit 0 expected), runs it, and checks every case's verdict against expected.json. */
  async function importAndRun(name: string) {
    const { dir, result } = await importProject(name);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const { counts } = await runVerdicts(dir);
    expect(counts).toEqual(expectedCounts(await readJson<ExpectedVerdicts>(join(PROJECTS, name, 'expected.json'))));
    return { dir, result };
  }

  // basic: an inline prompt on an OpenAI-compatible server (apiBaseUrl), inline tests. promptfoo:
  // contains / icontains / starts-with / regex are substring and RegExp tests; `equals` compares the
  // whole output; contains-any / -all take lists; is-json parses the output, contains-json finds
  // JSON in it and validates the schema; defaultTest's not-icontains applies to every test (spain
  // says "I don't know"); with a test threshold the weighted mean score decides (peru: (3·1 + 1·0 +
  // 1·1) / 5 = 0.8 ≥ 0.5; norway: 2/3 < 0.9); latency / cost pass under generous limits.
  it('basic: inline prompt and tests, defaultTest, weights, thresholds', async () => {
    const { dir, result } = await importAndRun('basic');
    expect(result.stdout).toContain('created    eval.config.ts');
    const config = await readFile(join(dir, 'eval.config.ts'), 'utf8');
    // promptfoo's request defaults are written out where the provider's config leaves them unset.
    expect(config).toContain("params: { temperature: 0, max_tokens: 64 }");
    expect(config).toContain("assert: [{ type: 'not-icontains', value: 'I don\\'t know' }]");
    // Calls went to the server the provider's apiBaseUrl names, with the model id promptfoo sends.
    expect(new Set(openai.requests.map((request) => request.model))).toEqual(new Set(['gpt-4o-mini']));
  });

  // prompt-files: a text file holding two prompts (`---`) and a chat prompt in JSON, each provider
  // running the prompts its `prompts` filter names (`reply` matches both prompts of reply.txt by
  // promptfoo's label-prefix rule). Tests from a YAML file run on every prompt a provider runs:
  // "refund request" fails on the polite reply only ("sorry"); the one-word regex fails on both replies.
  it('prompt-files: text and chat prompt files, a prompt per provider, tests from a file', async () => {
    const { dir } = await importAndRun('prompt-files');
    expect(await readFile(join(dir, 'prompts', 'triage.prompt'), 'utf8')).toMatch(/version: 1\.0\.0\n---\n\{\{role "system"\}\}\nYou sort customer messages[^\n]*\n\{\{role "user"\}\}\n\{\{message\}\}\n$/);
    expect(anthropic.requests.map((request) => request.body.system)).toContain('You sort customer messages into billing, shipping or other. Answer with the category only.');
  });

  // csv: cases.csv needs nothing rewritten and is copied byte for byte; rewrites.csv holds cells
  // promptgate would read differently, rewritten so promptfoo's verdict stays: promptfoo reads
  // `rubric:shout` as an exact match (not a promptfoo type) and ignores a `__metadata` column
  // without a key; `/ab+c/i` (exact text) and `__expected_answer` (an assertion column) promptgate
  // reads as promptfoo does, so they stay.
  // defaultTest's assertion applies to every row (its `ERROR` row fails); __threshold 0.5 passes at 2/3.
  it('csv: a CSV copied as it is, a CSV with rewritten cells, defaultTest on CSV rows', async () => {
    const { dir } = await importAndRun('csv');
    expect(await readFile(join(dir, 'evals', 'prompt', 'cases.csv'))).toEqual(await readFile(join(PROJECTS, 'csv', 'cases.csv')));
    const rewritten = await readFile(join(dir, 'evals', 'prompt', 'rewrites.csv'), 'utf8');
    expect(rewritten.split('\n')[0]).toBe('question,__expected,__expected_answer,__threshold,__description');
    expect(rewritten).toContain('Say rubric,equals:rubric:shout,');
  });

  // files-and-vars: tests from a glob of YAML files and a JSONL file; promptfoo reads a `file://`
  // variable's file (trimmed), loads `vars: <file>` relative to the test's file, runs a test once
  // per item of a list variable (expert's answer lacks "honey"), substitutes `{{topic}}` inside
  // another variable, drops one trailing newline, and renders the unset {{tone}} as "".
  it('files-and-vars: globs, JSONL, variables from files, lists and references', async () => {
    await importAndRun('files-and-vars');
  });

  // judge: llm-rubric on the grading provider defaultTest names (a local judge that passes when the
  // output mentions the rubric's word); `not-` negates it; an assertion naming the same provider
  // keeps the one judge.
  it('judge: llm-rubric graded by defaultTest.options.provider', async () => {
    const { dir } = await importAndRun('judge');
    expect(await readFile(join(dir, 'eval.config.ts'), 'utf8')).toContain("judge: 'judge'");
    expect(openai.requests.filter((request) => request.model === 'judge-model').length).toBeGreaterThanOrEqual(4);
  });

  // not-convertible: each part promptgate cannot hold is one line naming its file:line, the import
  // exits 1, and what converts runs (the rest of a test whose parts were dropped still runs). The
  // API key written in the config reaches no output and no file.
  it('not-convertible: one line per part not converted, exit 1, the rest still runs', async () => {
    const { dir, result } = await importProject('not-convertible');
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    const expected = [
      "promptfooconfig.yaml:4: prompt function 'file://build_prompt.js' is not converted",
      "promptfooconfig.yaml:5: prompt 'exec:./make-prompt.sh' is not converted",
      "promptfooconfig.yaml:7: provider 'openai:gpt-4o-mini': an API key written in the config is not converted",
      "promptfooconfig.yaml:12: provider 'python:provider.py' is not converted",
      "promptfooconfig.yaml:13: provider 'ollama:chat:llama3' is not converted",
      "promptfooconfig.yaml:15: config key 'nunjucksFilters' is not converted",
      'promptfooconfig.yaml:17: `scenarios` are not converted',
      'promptfooconfig.yaml:34: test not converted: it runs on its own provider',
      "promptfooconfig.yaml:39: test option 'transform' is not converted",
      "promptfooconfig.yaml:41: assertion 'select-best' is not converted",
      "promptfooconfig.yaml:43: assertion 'classifier' is not converted",
      "promptfooconfig.yaml:47: assertion 'contains': key 'rubricPrompt' is not converted",
      "promptfooconfig.yaml:52: test not converted: variable 'message' loads photo.png as an image",
      'promptfooconfig.yaml:53: test generator generate_tests.py:create_tests is not converted',
    ];
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, index) => expect(line.startsWith(`promptgate: ${expected[index]}`), line).toBe(true));
    expect(result.stdout).toContain('14 part(s) not converted');
    const written = await Promise.all(['eval.config.ts', 'prompts/prompt.prompt', 'evals/prompt.jsonl'].map((file) => readFile(join(dir, file), 'utf8')));
    for (const text of [result.stdout, result.stderr, ...written]) expect(text).not.toContain('sk-import-test');
    const { counts } = await runVerdicts(dir);
    expect(counts).toEqual(expectedCounts(await readJson<ExpectedVerdicts>(join(PROJECTS, 'not-convertible', 'expected.json'))));
  });

  // Bad input: exit 2, one line naming the file (and line), nothing written.
  it('bad input: no config, a config that does not parse, an unknown tool', async () => {
    const empty = await makeProject({ 'README.md': 'no promptfoo here\n' });
    const missing = await runCliInProcess(['import', 'promptfoo'], { cwd: empty });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('promptgate: promptfooconfig.yaml: no promptfoo config here (promptfooconfig.yaml, .yml or .json) (name the config: promptgate import promptfoo <file>)\n');
    const named = await runCliInProcess(['import', 'promptfoo', 'other.yaml'], { cwd: empty });
    expect(named.code).toBe(2);
    expect(named.stderr).toBe('promptgate: other.yaml: promptfoo config not found\n');

    const broken = await makeProject({ 'promptfooconfig.yaml': 'prompts:\n  - hello {{name}}\nproviders: [openai:gpt-4o-mini\ntests:\n  - vars: {name: Ann}\n' });
    const unparsable = await runCliInProcess(['import', 'promptfoo'], { cwd: broken });
    expect(unparsable.code).toBe(2);
    expect(unparsable.stderr).toMatch(/^promptgate: promptfooconfig\.yaml:\d+: cannot parse: [^\n]+\n$/);
    const listed = await readdir(broken);
    expect(listed.sort()).toEqual(['promptfooconfig.yaml']);

    const tool = await runCliInProcess(['import', 'langsmith'], { cwd: broken });
    expect(tool.code).toBe(2);
    expect(tool.stderr).toBe("promptgate: import: cannot import from 'langsmith' (supported: promptgate import promptfoo [config])\n");
  });

  // An existing promptgate file is never overwritten without --force: exit 2 and nothing written;
  // with --force the import writes. A file already holding what the import writes is left alone,
  // so importing twice changes nothing. --out writes the project elsewhere.
  it('never overwrites without --force; importing twice changes nothing; --out writes into another folder', async () => {
    const { dir } = await importProject('basic');
    const before = await readFile(join(dir, 'eval.config.ts'), 'utf8');
    const twice = await runCliInProcess(['import', 'promptfoo'], { cwd: dir });
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stdout).not.toContain('created');
    expect(twice.stdout).toContain('unchanged  eval.config.ts');
    await writeFile(join(dir, 'prompts', 'prompt.prompt'), '---\nversion: 2.0.0\n---\nmine\n');
    await writeFile(join(dir, 'eval.config.mjs'), 'export default {};\n');
    const again = await runCliInProcess(['import', 'promptfoo'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('promptgate: eval.config.mjs: already exists (and 1 more: prompts/prompt.prompt); nothing was written (use --force to overwrite the files the import writes, or --out <dir>)\n');
    await rm(join(dir, 'eval.config.mjs'));
    expect(await readFile(join(dir, 'prompts', 'prompt.prompt'), 'utf8')).toBe('---\nversion: 2.0.0\n---\nmine\n');
    const forced = await runCliInProcess(['import', 'promptfoo', '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(dir, 'prompts', 'prompt.prompt'), 'utf8')).toContain('What is the capital of {{country}}?');
    expect(await readFile(join(dir, 'eval.config.ts'), 'utf8')).toBe(before);

    const out = await runCliInProcess(['import', 'promptfoo', 'promptfooconfig.yaml', '--out', 'converted'], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect((await readdir(join(dir, 'converted'))).sort()).toEqual(['eval.config.ts', 'evals', 'prompts']);
  });

  // code-and-templates: Nunjucks prompts (`template: nunjucks`) and promptfoo's `javascript`
  // assertions (inline expressions, `file://` modules). promptfoo: the Nunjucks prompt renders `{{ name | upper }}` only for a vip;
  // `output.length < 60` and the module (output contains the name upper-cased) pass for ada; bob's
  // greeting lacks "BOB".
  it('code-and-templates: Nunjucks prompt front matter, javascript assertions, --out copies the module', async () => {
    const { dir } = await importProject('code-and-templates', ['--out', 'converted']);
    const out = join(dir, 'converted');
    expect(await readFile(join(out, 'prompts', 'greet.prompt'), 'utf8')).toContain('version: 1.0.0\ntemplate: nunjucks\n---\n{% if vip %}');
    const cases = (await readFile(join(out, 'evals', 'greet.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(cases[0].assert).toEqual([{ type: 'javascript', value: 'output.length < 60' }, { type: 'javascript', value: 'file://../graders/shouts-name.js' }]);
    expect(await readFile(join(out, 'graders', 'shouts-name.js'), 'utf8')).toBe(await readFile(join(PROJECTS, 'code-and-templates', 'graders', 'shouts-name.js'), 'utf8'));
    const again = await runCliInProcess(['import', 'promptfoo', '--out', 'converted', '--force'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const { counts } = await runVerdicts(out);
    expect(counts).toEqual(expectedCounts(await readJson<ExpectedVerdicts>(join(PROJECTS, 'code-and-templates', 'expected.json'))));
  });
});
