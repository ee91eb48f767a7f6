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
