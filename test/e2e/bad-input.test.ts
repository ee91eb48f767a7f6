import type { Dirent } from 'node:fs';
import { appendFile, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';

/**
 * The bad-input corpus (fixtures/bad-input/<name>/, one tiny project each): `run` and `check` must
 * exit 2 with exactly one line on stderr naming the file and line (`path:line:`; the key path for
 * config problems where no line applies), print no stack trace unless --debug, and write no report
 * (an earlier run folder is left byte for byte as it was).
 */

interface Expectation {
  /** A precise substring of the one stderr line. */
  message: string;
  /** Adds what is too big (or too odd) to commit to the temp copy of the fixture. */
  extend?: (dir: string) => Promise<void>;
}

const CORPUS: Record<string, Expectation> = {
  // CSV
  'csv-unclosed-quote': { message: 'evals/p.csv:3: unclosed quote' },
  'csv-ragged-rows': { message: 'evals/p.csv:3: row has 3 fields, the header has 2' },
  'csv-duplicate-header': { message: "evals/p.csv:1: duplicate column 'name' in the header" },
  'csv-empty-header': { message: 'evals/p.csv:1: column 2 of the header has no name' },
  'csv-invalid-utf8': { message: 'evals/p.csv:3: invalid UTF-8' },
  'csv-empty-file': { message: 'evals/p.csv:1: empty case file: no header row' },
  'csv-bom-only': { message: 'evals/p.csv:1: empty case file: no header row' },
  'csv-header-only': { message: 'evals/p.csv:1: suite "p" has no cases: the file has a header row but no case rows (add cases to it, or remove the file)' },
  'csv-unknown-dunder-column': { message: "evals/p.csv:1: unknown reserved column '__color'" },
  'csv-bad-threshold': { message: 'evals/p.csv:2: __threshold "1.5" is not a number from 0 to 1' },
  'csv-duplicate-case-ids': { message: "evals/p.csv:4: duplicate case id 'c1' (first at evals/p.csv:2)" },
  'csv-50mb-line': {
    message: 'evals/p.csv:3: record is larger than 10 MB',
    // One Buffer (a fill), not a 50 MB string to flatten and encode: the same bytes.
    extend: (dir) => appendFile(join(dir, 'evals/p.csv'), Buffer.concat([Buffer.alloc(50 * 1024 * 1024, 'x'), Buffer.from(',contains:x\n')])),
  },
  // JSONL
  'jsonl-syntax-error': { message: 'evals/p.jsonl:3: invalid JSON' },
  'jsonl-wrong-types': { message: 'evals/p.jsonl:2: "vars" must be an object' },
  'jsonl-not-an-object': { message: 'evals/p.jsonl:2: each line must be a JSON object' },
  'jsonl-unknown-grader': { message: "evals/p.jsonl:2: unknown grader type 'frobnicate'" },
  'jsonl-unknown-key': { message: "evals/p.jsonl:1: unknown key 'expectd'" },
  'jsonl-invalid-utf8': { message: 'evals/p.jsonl:2: invalid UTF-8' },
  'jsonl-empty': { message: 'evals/p.jsonl:1: suite "p" has no cases: the file has no case lines (add cases to it, or remove the file)' },
  'jsonl-assert-unknown-key': { message: "evals/p.jsonl:2: unknown key 'thresold' in an assertion" },
  // Case data with line breaks (and a workflow command) quoted by a message: still one line, shown escaped.
  'case-data-newline-in-message': { message: "evals/p.jsonl:1: unknown key 'expectd\\n::error::pwned\\r##\u200B[add-mask]x'" },
  // Conversations, expected tool calls and canned tool results (issue 17)
  'jsonl-bad-messages': { message: 'evals/p.jsonl:2: messages[1]: tool call \'call_1\' has no tool result before messages[2] (add {"role": "tool", "tool_call_id": "call_1", "content": "…"})' },
  'jsonl-bad-expected-tool-calls': { message: "evals/p.jsonl:1: expected_tool_calls[0]: unknown key 'tool' (allowed: name, arguments)" },
  'jsonl-bad-tool-results': { message: 'evals/p.jsonl:2: tool_results must be an object of tool names to results {"lookup_order": {…}}' },
  'jsonl-bad-max-steps': { message: 'evals/p.jsonl:1: max_steps must be a whole number of calls from 1 to 100, not 0' },
  'jsonl-expected-tool-undeclared': { message: "evals/p.jsonl:2: expects a call to 'refnd', a tool prompts/p.prompt does not declare (its tools: lookup_order, refund) (did you mean 'refund'?)" },
  'jsonl-conversation-tools-undeclared': { message: "evals/p.jsonl:2: messages[1] is a tool call or result, but prompts/p.prompt declares no tools (declare the tools in the prompt's front matter `tools`: the APIs refuse tool turns without them)" },
  'csv-bad-messages-json': { message: 'evals/p.csv:3: __messages is not valid JSON: ' },
  'jsonl-deep-nesting': {
    message: 'evals/p.jsonl:2: values are nested more than 64 levels deep',
    extend: (dir) => appendFile(join(dir, 'evals/p.jsonl'), `{"vars": {"name": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}\n`),
  },
  // Graders
  'invalid-regex': { message: 'evals/p.csv:3: invalid grader regex:[a-' },
  'catastrophic-regex': {
    message: 'evals/p.csv:2: invalid grader regex:^(?=(\\w|\\d)+$)\\d: regex ^(?=(\\w|\\d)+$)\\d needs the backtracking engine (it uses a lookahead ((?=(\\w|\\d)+$))) and it can take exponential time on some outputs',
  },
  'csv-grader-type-typo': { message: "evals/p.csv:3: unknown grader type 'startswith' (did you mean `starts-with`?" },
  'jsonl-expected-type-typo': { message: "evals/p.jsonl:1: unknown grader type 'icontans' (did you mean `icontains`?" },
  'jsonl-assert-type-typo': { message: "evals/p.jsonl:2: unknown grader type 'not_contains' (did you mean `not-contains`?)" },
  'config-suite-assert-typo': { message: "eval.config.mjs:4: suites[0].assert[1]: unknown grader type 'contians' (did you mean `contains`?" },
  'json-path-value-not-json': { message: 'evals/p.jsonl:2: the value "Bob" is not JSON (write strings in double quotes: json-path:$.greeting.name = "Bob")' },
  'invalid-json-schema': { message: 'evals/p.csv:2: invalid grader schema:{"type": "nope"}: invalid JSON Schema' },
  'is-json-bare-path': { message: 'evals/p.csv:2: the value "schemas/answer.json" is not a JSON Schema (write a schema file as file://<path>, relative to the case file, or the schema itself as JSON or YAML)' },
  'sql-unknown-database': { message: 'evals/p.csv:3: databaseType "Oracle" is not one node-sql-parser knows' },
  'contains-any-unclosed-quote': { message: "evals/p.csv:2: 'contains-any': a quoted item has no closing quote" },
  'js-grader-not-in-config': { message: "evals/p.csv:2: invalid grader js:is-polite: unknown js grader 'is-polite'" },
  'jsonl-js-grader-typo': { message: 'evals/p.jsonl:2: invalid grader js:wordcont: unknown js grader \'wordcont\' (did you mean "wordCount"? graders in the config: wordCount, polite)' },
  // Code graders (promptfoo's javascript, webhook): checked before anything runs.
  'javascript-syntax-error': { message: 'evals/p.csv:3: invalid grader javascript:output.length <: the code does not compile: SyntaxError: ' },
  'javascript-file-missing': { message: 'evals/p.csv:2: invalid grader javascript:file://graders/missing.mjs: evals/graders/missing.mjs: file not found' },
  'javascript-names-config-grader': { message: "evals/p.csv:2: invalid grader javascript:polite: 'polite' is a grader in the config, but javascript: runs its value as code (promptfoo's inline JavaScript) (write js:polite to call the config's grader)" },
  'webhook-not-a-url': { message: "evals/p.csv:2: invalid grader webhook:localhost/grade: 'localhost/grade' is not an http(s) URL (webhook:https://host/path)" },
  'rubric-without-judge': { message: 'evals/p.csv:2: invalid grader rubric:greets Ann warmly: no judge model configured' },
  'similar-without-embedding': { message: 'evals/p.csv:2: invalid grader similar(0.8):Hello Ann: no embedding model configured (set `embedding` in the config' },
  'perplexity-on-anthropic': { message: 'evals/p.csv:3: invalid grader perplexity(3): model "m" is an anthropic model and Anthropic\'s API returns no token log probabilities' },
  'rag-grader-without-query': { message: 'evals/p.csv:2: invalid grader context-relevance(0.5): context-relevance needs a "query" variable with the user\'s question (add a query column (CSV) or "query" in vars (JSONL))' },
  'bad-latency-spec': { message: "evals/p.csv:2: threshold 'fast' is not a number" },
  'missing-template-variable': { message: "evals/p.csv:2: missing variable 'age' used by prompts/p.prompt" },
  'template-inherited-name': { message: "evals/p.csv:2: missing variable 'constructor' used by prompts/p.prompt" },
  'orphan-case-file': { message: 'evals/p-prod.jsonl: case file pairs with no prompt or suite, so its cases would never run: it would need prompts/p-prod.prompt (move it to evals/p/p-prod.jsonl' },
  'case-dynamic-unknown-role': { message: 'evals/p.csv:4: cannot render prompts/p.prompt: unknown role "wizard"' },
  // promptfoo's cell semantics (issue 16 §2): values rendered and read at check time, bare types, __config targets.
  'value-template-missing-variable': { message: "evals/p.csv:2: invalid grader contains:{{ nmae }}: cannot render the value \"{{ nmae }}\": variable 'nmae' is not among the case's variables" },
  'value-file-missing': { message: 'evals/p.csv:2: invalid grader file://expected/ann.txt: file not found: expected/ann.txt (relative to evals)' },
  'csv-bare-type-needs-value': { message: "evals/p.csv:3: 'contains' needs a value (contains:<value>)" },
  'csv-config-bad-target': { message: "evals/p.csv:1: '__config:__expected0:threshold': '__expected0' is not __expected or __expected<N> with N ≥ 1" },
  'case-nunjucks-missing-variable': { message: "evals/p.csv:2: missing variable 'sender' used by prompts/p.prompt:6" },
  'path-traversal-schema': { message: 'evals/p.csv:2: invalid grader schema:../../../etc/passwd: schema path "../../../etc/passwd" leaves the project root' },
  // Prompts
  'prompt-no-front-matter': { message: 'prompts/p.prompt:1: missing front matter' },
  'prompt-yaml-error': { message: 'prompts/p.prompt:4: front matter YAML:' },
  'prompt-bad-semver': { message: 'prompts/p.prompt:2: version "1.0" is not semver' },
  'prompt-missing-version': { message: 'prompts/p.prompt:1: missing `version` in the front matter' },
  'prompt-handlebars-error': { message: 'prompts/p.prompt:5: template syntax error: {{#if}} is never closed' },
  'prompt-unknown-model': { message: 'prompts/p.prompt:3: unknown model "gpt-9" (known: m)' },
  'prompt-invalid-utf8': { message: 'prompts/p.prompt:4: the file is not valid UTF-8' },
  'prompt-unknown-partial': { message: 'prompts/p.prompt:4: partials ({{> name}}) are not supported' },
  'prompt-nunjucks-include': { message: 'prompts/p.prompt:5: {% include %} is not supported: a prompt is one file' },
  'prompt-nunjucks-unknown-filter': { message: "prompts/p.prompt:6: unknown filter 'shout'" },
  'prompt-unknown-helper': { message: "prompts/p.prompt:4: unknown helper 'shout'" },
  'prompt-unknown-role': { message: 'prompts/p.prompt:4: unknown role "narrator"' },
  'prompt-key-in-config': { message: 'prompts/p.prompt:3: config.apiKey looks like a credential' },
  // Tools in the front matter (issue 17)
  'prompt-tool-choice-unknown': { message: "prompts/p.prompt:6: toolChoice names 'refund', which is not one of the prompt's tools (lookup_order)" },
  'prompt-tool-duplicate-name': { message: "prompts/p.prompt:6: duplicate tool name 'refund' (first at prompts/p.prompt:4)" },
  'prompt-tool-invalid-name': { message: 'prompts/p.prompt:4: tools[0]: tool name "look up order" is not valid (1 to 64 letters, digits, "_" or "-")' },
  'prompt-tool-schema-not-object': { message: 'prompts/p.prompt:4: tools[0]: tool refund: inputSchema must be an object schema (type: object, with properties), not type "array"' },
  'prompt-tools-file-missing': { message: 'prompts/p.prompt:4: tools file not found: prompts/tools/support.json (file://tools/support.json, relative to the prompt file)' },
  'prompt-tools-file-invalid': { message: 'prompts/tools/support.json:5: tools file is not valid JSON' },
  'prompt-output-strict-open-schema': { message: 'prompts/p.prompt:8: output.strict: true, but the schema cannot be strict: /: additionalProperties is not false; /: not required: greeting' },
  'prompt-bad-id': { message: 'prompts/my prompt.prompt: prompt id "my prompt" is not allowed' },
  // Config
  'config-unknown-key': { message: 'eval.config.mjs:4: unknown key "concurency" in the config (did you mean "concurrency"?)' },
  'config-wrong-type': { message: 'eval.config.mjs:4: concurrency must be an integer ≥ 1 (got "eight")' },
  'config-unknown-provider': { message: 'eval.config.mjs:2: models.m.provider must be one of' },
  'config-unknown-default-model': { message: 'eval.config.mjs:3: defaultModel "gpt-9" is not a model in models' },
  'config-budget-unpriced-model': { message: 'eval.config.mjs:2: models.local ("my-finetune") has no known price, so the cost budget (budget.maxCostUsd 5) cannot be kept on its calls (give the model entry `price: { input, output }` in USD per million tokens (0 for a free model), or run without a budget)' },
  'config-embedding-not-openai': { message: 'eval.config.mjs:4: embedding "claude" is an anthropic model: only an openai model entry has an embeddings endpoint' },
  'config-bad-repeat': { message: 'eval.config.mjs:4: suites[0].repeat must be an integer ≥ 1 (got 0)' },
  'config-throws': { message: 'eval.config.ts:3: failed to load: SyntaxError:' },
  'config-syntax-error': { message: 'eval.config.mjs:4: failed to load:' },
  'config-async-rejects': { message: 'eval.config.mjs:2: failed to load: cannot reach the secrets vault' },
  'config-not-an-object': { message: 'eval.config.mjs:1: the default export must be a config object' },
  'config-missing-case-file': { message: "eval.config.mjs:4: suites[0].cases: case file 'evals/nope.csv' not found" },
  'config-missing-prompt-file': { message: 'eval.config.mjs:4: suites[0].prompt: prompt file not found: prompts/greet.prompt' },
  'config-suite-glob-no-match': { message: "eval.config.mjs:4: suites[0].cases: no .csv or .jsonl case files match 'evals/*.tsv'" },
  'path-traversal-prompt-id': { message: 'eval.config.mjs:4: suites[0].prompt: prompt path "../../outside/p.prompt" is outside the project' },
  'path-traversal-case-path': { message: "eval.config.mjs:4: suites[0].cases: case path '../../etc/hosts' leaves the project folder" },
  'config-key-in-baseurl': { message: 'eval.config.mjs:2: models.m.baseURL holds a credential' },
  'config-key-in-params': { message: 'eval.config.mjs:2: models.m.params.api_key looks like a credential' },
  // Plug-ins (docs/plugins.md)
  'config-reporter-unknown': { message: 'eval.config.mjs:4: reporters[1]: "jsonl" is not a built-in reporter, and no package of that name is installed (did you mean "json"?) (built-in reporters: console, json, junit' },
  'config-reporter-missing-module': { message: 'eval.config.mjs:4: reporters[1]: reporter module "./reporters/slack.mjs" not found (module paths are relative to the project root, ' },
  'config-reporter-not-a-reporter': { message: 'eval.config.mjs:4: reporters[1]: "./reporters/slack.mjs" does not export a reporter: its default export has an unknown hook "onRunEnded" (did you mean "onRunEnd"?)' },
  'config-grader-missing-module': { message: 'eval.config.mjs:5: graders.polite: grader module "./graders/polite.mjs" not found' },
  'config-provider-without-id': { message: 'eval.config.mjs:2: models.m.provider.id is required' },
  // Replay fixtures: checked before anything runs.
  'replay-fixture-bad-tool-call': { message: 'fixtures/replay/m.jsonl:2: replay fixture line: "toolCalls[0]" needs "name", the tool\'s name (a non-empty string)' },
  // Symlinks out of the project: the files are made by the test (the target lives in another temp folder).
  'symlink-prompt-outside': {
    message: 'prompts/p.prompt: resolves outside the project, to ',
    extend: (dir) => linkOutside(dir, 'prompts/p.prompt', '---\nversion: 1.0.0\n---\nSay hello to {{name}}.\n'),
  },
  'symlink-case-outside': { message: 'evals/p.csv: resolves outside the project, to ', extend: (dir) => linkOutside(dir, 'evals/p.csv', 'name,__expected\nAnn,contains:Ann\n') },
  'symlink-schema-outside': {
    message: 'evals/p.csv:2: invalid grader schema:schemas/s.json: schema file schemas/s.json resolves outside the project, to ',
    extend: (dir) => linkOutside(dir, 'schemas/s.json', '{"type": "string"}'),
  },
  'symlink-replay-outside': {
    message: 'fixtures/replay/m.jsonl: resolves outside the project, to ',
    extend: (dir) => linkOutside(dir, 'fixtures/replay/m.jsonl', `${JSON.stringify({ messages: [{ role: 'user', content: 'Say hello to Ann.' }], output: 'Hello Ann' })}\n`),
  },
};

/** Makes `path` in the project a symlink to a new file with `content` in a temp folder outside it. */
async function linkOutside(dir: string, path: string, content: string): Promise<void> {
  const outside = await mkdtemp(join(tmpdir(), 'promptgate-outside-'));
  temps.push(outside);
  const target = join(outside, basename(path));
  await writeFile(target, content);
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await symlink(target, join(dir, path));
}

const FIXTURES = join(REPO_ROOT, 'fixtures', 'bad-input');
/** A run folder from "earlier": nothing may touch it. */
const EARLIER = join('reports', '2020-01-01T00-00-00-abcdef');
const EARLIER_FILES = { 'run.json': '{"format":"promptgate-run","earlier":true}\n', 'calls.jsonl': '{"earlier":true}\n' };
const temps: string[] = [];

async function copyFixture(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `promptgate-bad-${name}-`));
  temps.push(dir);
  await copyTree(join(FIXTURES, name), dir);
  await CORPUS[name].extend?.(dir);
  await mkdir(join(dir, EARLIER), { recursive: true });
  for (const [file, text] of Object.entries(EARLIER_FILES)) await writeFile(join(dir, EARLIER, file), text);
  return dir;
}

/**
 * Copies the folder `from` into `to` (which exists): its folders made, then its files copied
 * (copyFile keeps the mode). fs.cp does the same with several stats per entry, a few times the
 * CPU over the ~330 files of the corpus; an entry other than a file or folder (a symlink) is left
 * to fs.cp.
 */
async function copyTree(from: string, to: string): Promise<void> {
  const entries = await readdir(from, { withFileTypes: true, recursive: true });
  if (entries.some((entry) => !entry.isFile() && !entry.isDirectory())) return cp(from, to, { recursive: true });
  const path = (entry: Dirent) => join(relative(from, entry.parentPath), entry.name);
  const folders = entries.filter((entry) => entry.isDirectory()).map(path).sort();
  for (const folder of folders) await mkdir(join(to, folder), { recursive: true });
  await Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => copyFile(join(from, path(entry)), join(to, path(entry)))));
}

async function expectEarlierReportUntouched(dir: string): Promise<void> {
  expect(await readdir(join(dir, 'reports'))).toEqual([EARLIER.split('/')[1]]);
  expect((await readdir(join(dir, EARLIER))).sort()).toEqual(Object.keys(EARLIER_FILES).sort());
  for (const [file, text] of Object.entries(EARLIER_FILES)) expect(await readFile(join(dir, EARLIER, file), 'utf8')).toBe(text);
}

function expectOneLine(stderr: string, message: string): void {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toContain(message);
  expect(lines[0]).toMatch(/^promptgate: /);
  expect(stderr).not.toMatch(/^\s+at /m);
}

afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the bad-input corpus', () => {
  it('holds at least 30 fixtures, each listed in the table', async () => {
    const names = (await readdir(FIXTURES, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(names.length).toBeGreaterThanOrEqual(30);
    expect(names).toEqual(Object.keys(CORPUS).sort());
  });

  // Smoke: the spawned CLI (dist/bundle/bin.js) gives the same exit code and one line as main() in-process.
  it.concurrent('spawned: run and check exit 2 with the one line, and the --debug stack trace', async () => {
    const dir = await copyFixture('csv-ragged-rows');
    const run = await runCli(['run'], { cwd: dir });
    expect(run.code, run.stderr).toBe(2);
    expectOneLine(run.stderr, CORPUS['csv-ragged-rows'].message);
    expect(run.stdout).toBe('');
    await expectEarlierReportUntouched(dir);
    const debug = await runCli(['run', '--debug'], { cwd: dir });
    expect(debug.code).toBe(2);
    const [first, ...rest] = debug.stderr.split('\n');
    expect(first).toContain(CORPUS['csv-ragged-rows'].message);
    expect(rest.join('\n')).toMatch(/^\s+at /m);
  });

  describe.concurrent('each fixture: run and check exit 2 with one line naming file and line, and write nothing', () => {
    it.each(Object.entries(CORPUS))('%s', async (name, { message }) => {
      const dir = await copyFixture(name);
      const run = await runCliInProcess(['run'], { cwd: dir });
      expect(run.code, run.stderr).toBe(2);
      expectOneLine(run.stderr, message);
      expect(run.stdout).toBe('');
      await expectEarlierReportUntouched(dir);
      const check = await runCliInProcess(['check'], { cwd: dir });
      expect(check.code, check.stderr).toBe(2);
      expectOneLine(check.stderr, message);
    });
  });

  it.concurrent('--debug adds the stack trace after the same first line', async () => {
    const dir = await copyFixture('csv-ragged-rows');
    const result = await runCliInProcess(['run', '--debug'], { cwd: dir });
    expect(result.code).toBe(2);
    const [first, ...rest] = result.stderr.split('\n');
    expect(first).toContain(CORPUS['csv-ragged-rows'].message);
    expect(rest.join('\n')).toMatch(/^\s+at /m);
    await expectEarlierReportUntouched(dir);
  });

  it.concurrent('symlinks that stay inside the project are read: prompt, case file, schema and replay fixture', async () => {
    const dir = await copyFixture('symlink-schema-outside');
    await rm(join(dir, 'schemas/s.json'));
    await mkdir(join(dir, 'shared'), { recursive: true });
    await writeFile(join(dir, 'shared/p.prompt'), '---\nversion: 1.0.0\n---\nSay hello to {{name}}.\n');
    await writeFile(join(dir, 'shared/p.csv'), 'name,__expected,__expected2\nAnn,contains:Ann,schema:schemas/s.json\n');
    await writeFile(join(dir, 'shared/s.json'), '{"type": "string"}');
    // The answer is a JSON string, so the schema grader ({"type": "string"}) passes it.
    await writeFile(join(dir, 'shared/m.jsonl'), `${JSON.stringify({ messages: [{ role: 'user', content: 'Say hello to Ann.' }], output: '"Hello Ann"' })}\n`);
    await rm(join(dir, 'prompts/p.prompt'));
    await rm(join(dir, 'evals/p.csv'));
    await mkdir(join(dir, 'fixtures/replay'), { recursive: true });
    await symlink('../shared/p.prompt', join(dir, 'prompts/p.prompt'));
    await symlink('../shared/p.csv', join(dir, 'evals/p.csv'));
    await symlink('../shared/s.json', join(dir, 'schemas/s.json'));
    await symlink(join(dir, 'shared/m.jsonl'), join(dir, 'fixtures/replay/m.jsonl'));
    const run = await runCliInProcess(['run'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('1 passed');
  });

  it.concurrent('an unknown --model is a usage error naming the flag', async () => {
    const dir = await copyFixture('csv-ragged-rows');
    await writeFile(join(dir, 'evals/p.csv'), 'name,__expected\nAnn,contains:Ann\n');
    const result = await runCliInProcess(['run', '--model', 'gpt-9'], { cwd: dir });
    expect(result.code).toBe(2);
    expectOneLine(result.stderr, '--model: unknown model "gpt-9" (known: m)');
    await expectEarlierReportUntouched(dir);
  });
});
