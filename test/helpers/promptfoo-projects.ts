import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';
import { textOf, type IncomingChat, type Reply } from './mock-server.js';

/**
 * The promptfoo projects in fixtures/promptfoo-projects/ (test/e2e/import-promptfoo.test.ts):
 * each holds a promptfoo config and its files, `answers.json` (what the model says: the reply of
 * the longest key found in the request's messages) and `expected.json` (per `<model label> |
 * <test description>`, the verdict promptfoo's documented semantics give: `pass`, `fail`, or
 * counts `{pass: n, fail: m}` for tests promptfoo expands into several).
 */

/** The URLs the fixtures' providers name; copyProject points them at the test's servers. */
export const FIXTURE_OPENAI_URL = 'http://127.0.0.1:54321/v1';
export const FIXTURE_ANTHROPIC_URL = 'http://127.0.0.1:54322';

/** Copies a promptfoo project into a temp folder with its providers pointed at `urls`. */
export async function copyPromptfooProject(name: string, urls: { openai: string; anthropic?: string }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `promptgate-pf-${name}-`));
  await cp(join(REPO_ROOT, 'fixtures', 'promptfoo-projects', name), dir, { recursive: true });
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ya?ml|json)$/.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const text = await readFile(file, 'utf8');
    const pointed = text.replaceAll(FIXTURE_OPENAI_URL, urls.openai).replaceAll(FIXTURE_ANTHROPIC_URL, urls.anthropic ?? FIXTURE_ANTHROPIC_URL);
    if (pointed !== text) await writeFile(file, pointed);
  }
  return dir;
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** The reply for a request: the answer whose key is the longest found in the messages; `unknown` when none is. */
export function answerFor(answers: Record<string, string>, request: IncomingChat): string {
  // Anthropic sends the system message apart from the messages.
  const system = (request.body as { system?: unknown }).system;
  const text = [...(system === undefined ? [] : [textOf(system)]), ...request.messages.map((message) => textOf(message.content))].join('\n');
  const key = Object.keys(answers)
    .filter((candidate) => text.includes(candidate))
    .sort((a, b) => b.length - a.length)[0];
  return key === undefined ? 'unknown' : answers[key];
}

/**
 * A judge for rubrics of the form "mentions <word>": passes when the graded output contains the
 * word. Reads promptgate's judge prompt (rubric in the system message, output as a JSON string
 * between `<output-…>` tags, a verdict token to echo) and promptfoo's (`<Output>` / `<Rubric>`).
 */
export function judgeReply(request: IncomingChat): Reply {
  const all = request.messages.map((message) => textOf(message.content)).join('\n');
  const token = /"verdict_token": "([0-9a-f]+)"/.exec(all)?.[1];
  const rubric = /Rubric:\n([\s\S]*?)\n\n/.exec(all)?.[1] ?? last(all, /<Rubric>\s*([\s\S]*?)\s*<\/Rubric>/g) ?? '';
  const tagged = /<output-[0-9a-f]+>\n([\s\S]*?)\n<\/output-[0-9a-f]+>/.exec(all)?.[1];
  const output = tagged !== undefined ? (JSON.parse(tagged) as string) : (last(all, /<Output>\s*([\s\S]*?)\s*<\/Output>/g) ?? '');
  const word = /mentions (\S+?)\.?$/i.exec(rubric.trim())?.[1];
  const pass = word !== undefined && output.toLowerCase().includes(word.toLowerCase());
  const verdict: Record<string, unknown> = { pass, score: pass ? 1 : 0, reason: pass ? `mentions ${word}` : `does not mention ${word}` };
  if (token) verdict.verdict_token = token;
  return { content: JSON.stringify(verdict) };
}

/** Expected verdicts: a status, or counts of statuses for a test promptfoo runs several times. */
export type ExpectedVerdicts = Record<string, string | Record<string, number>>;

/** Verdict counts per `<model> | <description>` from a run's cases. */
export function verdictCounts(cases: Array<{ model: string; description?: string; status: string }>): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const result of cases) {
    const key = `${result.model} | ${result.description ?? '(no description)'}`;
    counts[key] ??= {};
    counts[key][result.status] = (counts[key][result.status] ?? 0) + 1;
  }
  return counts;
}

/** Expected verdicts in the shape verdictCounts returns. */
export function expectedCounts(expected: ExpectedVerdicts): Record<string, Record<string, number>> {
  return Object.fromEntries(Object.entries(expected).map(([key, value]) => [key, typeof value === 'string' ? { [value]: 1 } : value]));
}

/** The last match's group 1 (promptfoo's judge prompt has examples before the real output and rubric). */
function last(text: string, pattern: RegExp): string | undefined {
  return [...text.matchAll(pattern)].at(-1)?.[1];
}
