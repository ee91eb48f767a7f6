/** Prompt files: parse, load and render `.prompt` files (Dotprompt format, SPEC §2). */
export { parsePromptSource, normalizeSource, promptIdOf, assertPromptId, PROMPT_ID_PATTERN } from './parse.js';
export { renderPrompt } from './render.js';
export { loadPromptFile, listPromptFiles, toProjectPath } from './load.js';
export type { Message, PromptFile } from './types.js';
