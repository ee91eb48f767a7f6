import { makeProject } from './cli.js';
import { commitFiles, initAndCommit } from './git-repo.js';

/**
 * The small "shout the word" suite the compare, ci and drift end-to-end tests share: a prompt whose
 * system message is the instruction under test, and cases asking for each word in capitals.
 */
export const WORDS = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig', 'grape', 'hazel', 'kiwi', 'lemon'];

/** A prompt file at `version` whose system message is `instruction`, on model `m`. */
export const wordPrompt = (version: string, instruction: string) => `---
version: ${version}
model: m
---
{{role "system"}}
${instruction}
{{role "user"}}
{{word}}
`;

/** A CSV of `words`, each expected back in capitals (`equals:`), described by itself. */
export const wordCases = (words: readonly string[]) => `${['word,__expected,__description', ...words.map((w) => `${w},equals:${w.toUpperCase()},${w}`)].join('\n')}\n`;

/**
 * A new git project whose shout prompt changed from `before` (1.0.0, the first commit, with the
 * cases for `words`, the `files` given, e.g. configs, and a .gitignore for reports and the cache)
 * to `after` (1.1.0, the second commit). Returns its folder.
 */
export async function wordSuiteRepo(files: Record<string, string>, before: string, after: string, words: readonly string[] = WORDS): Promise<string> {
  const dir = await makeProject({});
  await initAndCommit(dir, { ...files, 'prompts/shout.prompt': wordPrompt('1.0.0', before), 'evals/shout.csv': wordCases(words), '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'v1');
  await commitFiles(dir, { 'prompts/shout.prompt': wordPrompt('1.1.0', after) }, 'v2');
  return dir;
}
