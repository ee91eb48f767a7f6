/** Prompt files: parse, load and render `.prompt` files (Dotprompt format, SPEC §2). */
export { parsePromptSource } from './parse.js';
export { loadPromptFile, listPromptFiles } from './load.js';
