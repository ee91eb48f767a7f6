import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer, type Reply } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';

/**
 * Area A of issue 16: promptfoo's text and structure graders, run from promptfoo-format cells
 * (fixtures/promptfoo/text/evals/*.csv) and JSONL `assert` objects (objects.jsonl, promptfoo's YAML
 * assertion objects) through the CLI and the real OpenAI SDK against a local server. Each case's
 * expected status is promptfoo 0.121.20's verdict on the same output (the handler in
 * src/assertions/ that decides it, and why):
 *
 * text.csv
 * - equals-exact: pass — equals.ts `String(renderedValue) === outputString`.
 * - equals-newline: fail — the same line; "Paris\n" is not "Paris": promptfoo does not trim (promptgate used to).
 * - not-equals-newline: pass — the inverse of that.
 * - contains: pass — contains.ts `outputString.includes(value)`; not-contains: Berlin is absent.
 * - icontains-miss: fail — `toLowerCase().includes`: no "berlin".
 * - contains-any-quoted: pass — csv.ts parseCommaSeparatedAssertionValues keeps `"a, b"` as one item, and it is in the output.
 * - icontains-any: pass — "apple" is in "An Apple pie" ignoring case.
 * - contains-all-miss: fail — handleContainsAll: "pear" is missing.
 * - icontains-all: pass — both present ignoring case.
 * - starts-with: pass — startsWith.ts `outputString.startsWith`; not-starts-with:the, as case matters.
 * - regex-slashes: pass — regex.ts `new RegExp(value)`: "/api/v1/" matches those characters.
 * - regex-literal-flags: pass — not-regex: the pattern "/^yes$/i" (slashes and all) cannot match "YES".
 * - regex-inline-flags: pass — promptgate's documented flag form `(?i)`; promptfoo has none (its `new RegExp`
 *   would reject it), so this row has no promptfoo counterpart.
 * - word-count: pass — wordCount.ts: 5 whitespace-separated words.
 * - levenshtein-cell: fail — csv.ts assertionFromString gives a cell without `(n)` threshold 0.75; "kitten" vs
 *   "sitting" is 3 edits.
 * - levenshtein-3: pass — levenshtein.ts distance 3 ≤ 3.
 * - rouge-n: pass — rouge.ts ROUGE-1 F 0.769 ≥ 0.75.
 * - bleu: pass — bleu.ts 0.537 ≥ 0.3.
 * - gleu-miss: fail — gleu.ts: no shared n-gram, 0 < 0.5.
 * - meteor: pass — meteor.ts 0.5625 ≥ 0.5 (big/large, car/automobile … are WordNet synonyms).
 * - weighted: pass — __threshold 0.7: contains scores 1, rouge-n 0.5 (fails alone); the mean 0.75 ≥ 0.7.
 *
 * structure.csv
 * - json-whole: pass — json.ts handleIsJson `JSON.parse(outputString)`.
 * - json-fenced: fail — a ```json block is not JSON as a whole.
 * - json-prose: pass — handleContainsJson extractJsonObjects finds the object inside prose (promptgate used to
 *   read contains-json as is-json: fail).
 * - json-prose-schema: pass — the object found matches evals/schemas/person.json (`file://`, relative to the case file).
 * - no-json: pass — not-contains-json, no `{` at all.
 * - json-schema-miss: fail — valid JSON without "name".
 * - xml: pass — xml.ts validateXml, then `note.to` is present.
 * - xml-prose: fail — containsXml finds <note> but it has no <from>.
 * - html: pass — html.ts validateHtml: parse5 finds <p>.
 * - no-html: pass — not-contains-html: plain text scores no HTML indicator.
 * - sql-missing-comma: fail — sql.ts: "SELECT id name FROM" matches the likely-missing-comma check.
 * - sql-fenced: pass — handleContainsSql parses the ```sql block.
 * - refusal: pass — refusal.ts isBasicRefusal: starts with "I'm sorry".
 * - no-refusal: pass — not-is-refusal on an ordinary answer.
 * - finish-stop: pass — finishReason.ts: the API's "stop".
 * - finish-tools: fail — the API said "tool_calls".
 *
 * objects.jsonl
 * - json-equals: pass — equals.ts: an object value is compared with JSON.parse(output) by isDeepStrictEqual.
 * - word-range: pass — 3 words within {min: 2, max: 4}.
 * - bleu-refs: pass — the best reference scores 1.
 * - sql-tables: fail — whiteListCheck: "secrets" is not in allowedTables.
 * - levenshtein-default: pass — an assertion object without threshold gets the handler's 5; 3 edits.
 * - xml-object: pass — {requiredElements} with an array index: the second item's sku.
 * - equals-newline-value: pass — an assertion object's value is used as written (not trimmed): "Paris\n".
 */

const ENV = { TEST_OPENAI_KEY: 'sk-graders-text' };

/** What the model says for each case's `key`, and the finish reason its API reports. */
const OUTPUTS: Record<string, string | Reply> = {
  'equals-exact': 'Paris',
  'equals-newline': 'Paris\n',
  'not-equals-newline': 'Paris\n',
  contains: 'The capital of France is Paris.',
  'icontains-miss': 'The capital of France is Paris.',
  'contains-any-quoted': 'Split on "a, b" please',
  'icontains-any': 'An Apple pie',
  'contains-all-miss': 'An apple pie',
  'icontains-all': 'An Apple pie',
  'starts-with': 'The answer is 4.',
  'regex-slashes': 'GET /api/v1/users',
  'regex-literal-flags': 'YES',
  'regex-inline-flags': 'YES',
  'word-count': 'one two three four five',
  'levenshtein-cell': 'sitting',
  'levenshtein-3': 'sitting',
  'rouge-n': 'The cat is on the mat.',
  bleu: 'the cat sat on a mat',
  'gleu-miss': 'a dog barked',
  meteor: 'The big car was fast and the chauffeur was glad',
  weighted: 'the cat is on a rug',
  'json-whole': '{"name": "Ada", "age": 36}',
  'json-fenced': '```json\n{"name": "Ada", "age": 36}\n```',
  'json-prose': 'Sure! {"name": "Ada", "age": 36} is the record.',
  'json-prose-schema': 'Sure! {"name": "Ada", "age": 36} is the record.',
  'no-json': 'No structured data here.',
  'json-schema-miss': '{"age": 36}',
  xml: '<note><to>Ada</to></note>',
  'xml-prose': 'Here: <note><to>Ada</to></note> as asked.',
  html: '<p>Hello <b>world</b></p>',
  'no-html': 'Hello world',
  'sql-missing-comma': 'SELECT id name FROM users',
  'sql-fenced': 'The query:\n```sql\nSELECT id, name FROM users WHERE id = 1\n```',
  refusal: "I'm sorry, but I can't help with that.",
  'no-refusal': 'Here you go: 4.',
  'finish-stop': { content: 'Done.', finishReason: 'stop' },
  'finish-tools': { content: 'Calling the tool.', finishReason: 'tool_calls' },
  'json-equals': '{"b": [1, 2], "a": 1}',
  'word-range': 'one two three',
  'bleu-refs': 'the cat sat on the mat',
  'sql-tables': 'SELECT * FROM secrets',
  'levenshtein-default': 'sitting',
  'xml-object': 'Order: <order><items><item><sku>A1</sku></item><item><sku>B2</sku></item></items></order>',
  'equals-newline-value': 'Paris\n',
};

/** Each case's status, by description. */
const EXPECTED: Record<string, 'pass' | 'fail'> = {
  'equals: same text': 'pass',
  'bare cell: equals without trimming': 'fail',
  'not-equals: a trailing newline differs': 'pass',
  'contains and not-contains': 'pass',
  'icontains: absent': 'fail',
  'contains-any: a quoted item keeps its comma': 'pass',
  'icontains-any: one present': 'pass',
  'contains-all: pear missing': 'fail',
  'icontains-all: all present': 'pass',
  'starts-with is case-sensitive': 'pass',
  'regex: slashes are text': 'pass',
  'regex: /…/i is a pattern with slashes': 'pass',
  'regex: (?i) flags': 'pass',
  'word-count: exact': 'pass',
  'levenshtein cell: threshold 0.75': 'fail',
  'levenshtein(3)': 'pass',
  'rouge-n: 0.77 ≥ 0.75': 'pass',
  'bleu(0.3): 0.54': 'pass',
  'gleu: 0 < 0.5': 'fail',
  'meteor: WordNet synonyms': 'pass',
  '__threshold over the scores': 'pass',
  'is-json: whole output': 'pass',
  'is-json: a fenced block is not JSON': 'fail',
  'contains-json: JSON inside prose': 'pass',
  'contains-json: schema file relative to the case file': 'pass',
  'not-contains-json': 'pass',
  'is-json: inline schema not met': 'fail',
  'is-xml with a required element': 'pass',
  'contains-xml: required element missing': 'fail',
  'is-html': 'pass',
  'not-contains-html': 'pass',
  'is-sql: SELECT a b FROM': 'fail',
  'contains-sql: a sql block': 'pass',
  'is-refusal': 'pass',
  'not-is-refusal': 'pass',
  'finish-reason: stop': 'pass',
  'finish-reason: tool_calls is not stop': 'fail',
  'equals: a JSON value compared deeply': 'pass',
  'word-count: {min, max}': 'pass',
  'bleu: the best of several references': 'pass',
  'is-sql: a table outside allowedTables': 'fail',
  'levenshtein without a threshold in JSONL: 5': 'pass',
  'contains-xml: {requiredElements}': 'pass',
  'equals: a JSONL value keeps its newline': 'pass',
};

describe('promptfoo text and structure graders end to end', () => {
  let server: MockServer;
  let dir: string;

  beforeAll(async () => {
    server = await startOpenAIServer({
      respond: (request) => {
        const key = textOf(request.messages.at(-1)?.content).trim();
        const reply = OUTPUTS[key];
        if (reply === undefined) throw new Error(`no output for ${key}`);
        return typeof reply === 'string' ? { content: reply } : reply;
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'promptgate-graders-text-'));
    await cp(join(REPO_ROOT, 'fixtures', 'promptfoo', 'text'), dir, { recursive: true });
    await writeFile(
      join(dir, 'eval.config.mjs'),
      `export default {\n  models: { gpt: { provider: 'openai', model: 'gpt-test', baseURL: '${server.url}', apiKeyEnv: 'TEST_OPENAI_KEY' } },\n  defaultModel: 'gpt',\n};\n`,
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('check accepts every row, and run gives each case promptfoo\'s verdict', async () => {
    const check = await runCliInProcess(['check'], { cwd: dir, env: ENV });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);

    const result = await runCliInProcess(['run', '--no-cache'], { cwd: dir, env: ENV });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const run = await readRun((await runFolders(dir))[0]);
    const statuses = Object.fromEntries(run.cases.map((c) => [c.description, c.status]));
    expect(statuses).toEqual(EXPECTED);
    expect(server.count).toBe(Object.keys(OUTPUTS).length);

    // Scores are promptfoo's, and run.json records the canonical types.
    const grades = Object.fromEntries(run.cases.map((c) => [c.description, c.repeats[0].grade!]));
    expect(grades['rouge-n: 0.77 ≥ 0.75'].assertions[0]).toMatchObject({ type: 'rouge-n', pass: true });
    expect(grades['rouge-n: 0.77 ≥ 0.75'].assertions[0].score).toBeCloseTo(10 / 13, 12);
    expect(grades['meteor: WordNet synonyms'].assertions[0].score).toBeCloseTo(0.5625, 12);
    expect(grades['__threshold over the scores']).toMatchObject({ pass: true, score: 0.75 });
    expect(grades['levenshtein cell: threshold 0.75'].assertions[0].reason).toBe('edit distance 3 > 0.75 from "kitten"');
    expect(grades['bare cell: equals without trimming'].assertions[0]).toMatchObject({ type: 'equals', reason: 'output "Paris\\n" does not equal "Paris"' });
    expect(grades['finish-reason: tool_calls is not stop'].assertions[0].reason).toBe('finish reason "tool_calls", expected "stop"');
    expect(grades['is-sql: a table outside allowedTables'].assertions[0].reason).toBe('SQL uses tables outside allowedTables: [select::null::secrets]');
  });
});
