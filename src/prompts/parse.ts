import { inputError } from '../errors.js';
import { setBounded } from '../util/bounded-cache.js';
import { shortHash } from '../util/hash.js';
import { readFrontMatter, splitFrontMatter } from './front-matter.js';
import { loadHandlebars } from './lazy.js';
import { type ToolFileContent, resolvePromptTools, toolFileRefs } from './prompt-tools.js';
import type { PromptFile } from './types.js';
import { analyzeNunjucksPrompt } from './nunjucks-prompt.js';
import { analyzeTemplate } from './variables.js';

/** What a prompt id may look like: it names files (evals/<id>.csv, fixtures), so no separators or dots first. */
export const PROMPT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The bytes a prompt's identity is computed over: no BOM, LF line ends. */
export function normalizeSource(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** The prompt id of a `.prompt` path (file name without the extension). */
export function promptIdOf(path: string): string {
  const name = path.split(/[\\/]/).pop() ?? path;
  return name.endsWith('.prompt') ? name.slice(0, -'.prompt'.length) : name;
}

/** Throws PATH_UNSAFE unless `id` is a plain file-name-like id (path traversal guard). */
export function assertPromptId(id: string, file: string): void {
  if (!PROMPT_ID_PATTERN.test(id)) {
    throw inputError('PATH_UNSAFE', `prompt id ${JSON.stringify(id)} is not allowed (letters, digits, ".", "_" and "-"; not starting with "." or "-")`, { file });
  }
}

/**
 * The content hash of a prompt (PromptFile.hash): sha256 of its normalised source, and of the
 * normalised text of each tools file it reads (`undefined`: a file that could not be read), in the
 * order toolFileRefs gives. A prompt without tools files hashes as its source alone.
 */
export function promptHashOf(normalizedSource: string, toolFileTexts: ReadonlyArray<string | undefined> = []): string {
  if (toolFileTexts.length === 0) return shortHash(normalizedSource);
  return shortHash(normalizedSource + toolFileTexts.map((text) => `\u0000${text === undefined ? '\u0001missing' : normalizeSource(text)}`).join(''));
}

/**
 * Reads a tools file a prompt names (`file://<ref>`, relative to the prompt file): its text and
 * the path to name it by, or why it cannot be read.
 */
export type ToolFileReader = (ref: string) => Promise<ToolFileContent>;

/**
 * parsePromptSource for a prompt whose front matter may name tools files (`tools: file://…`):
 * they are read with `read` first (from the working tree, or from git at a revision).
 */
export async function parsePromptWithFiles(source: string, path: string, read: ToolFileReader): Promise<PromptFile> {
  // Only a front matter that names a file needs reading twice.
  if (!source.includes('file://')) return parsePromptSource(source, path);
  const normalized = normalizeSource(source);
  assertPromptId(promptIdOf(path), path);
  const refs = toolFileRefs(readFrontMatter(splitFrontMatter(normalized, path).yaml, path).tools);
  const toolFiles = new Map(await Promise.all(refs.map(async (ref) => [ref, await read(ref)] as const)));
  return parsePromptSource(source, path, { toolFiles });
}

/**
 * Parses a `.prompt` file (Dotprompt format, SPEC §2): YAML front matter between `---` lines and
 * a Handlebars body, or a Nunjucks body with `template: nunjucks` (promptfoo's templates; see
 * nunjucks-prompt.ts). `path` is stored as given and named in errors. Throws PromptgateError
 * PROMPT_INVALID (exit 2) naming file and line for a missing front matter, bad YAML, a missing or
 * non-semver `version`, bad tools (prompt-tools.ts), a template syntax error, an unknown helper
 * or role, partials or media. Tools files come in `options.toolFiles` (by reference): a prompt
 * naming one that is not there is PROMPT_INVALID (parsePromptWithFiles reads them).
 */
export function parsePromptSource(source: string, path: string, options: { toolFiles?: ReadonlyMap<string, ToolFileContent> } = {}): PromptFile {
  if (options.toolFiles) return parseUncached(source, path, options.toolFiles);
  const key = `${path}\u0000${source}`;
  const known = parsed.get(key);
  if (known) return structuredClone(known);
  const prompt = parseUncached(source, path, undefined);
  setBounded(parsed, key, structuredClone(prompt), PARSED_LIMIT);
  return prompt;
}

/**
 * Prompts parsed without tools files, by path and whole source (a parse is pure): the API and the
 * tests load the same prompt file run after run (YAML and Handlebars parsing, ~0.5 ms a prompt).
 * Each caller gets its own copy (PromptFile is plain data), free to change it as before: the
 * entry itself is never handed out. Errors are not kept.
 */
const parsed = new Map<string, PromptFile>();
const PARSED_LIMIT = 256;

function parseUncached(source: string, path: string, toolFiles: ReadonlyMap<string, ToolFileContent> | undefined): PromptFile {
  const options = { toolFiles };
  const normalized = normalizeSource(source);
  const id = promptIdOf(path);
  assertPromptId(id, path);
  const { yaml, body, bodyLine } = splitFrontMatter(normalized, path);
  const front = readFrontMatter(yaml, path);
  const tools = front.tools ? resolvePromptTools(front.tools, options.toolFiles, path) : {};
  const texts = toolFileRefs(front.tools).map((ref) => {
    const content = options.toolFiles?.get(ref);
    return content && 'text' in content ? content.text : undefined;
  });
  const base = {
    id,
    path,
    version: front.version,
    hash: promptHashOf(normalized, texts),
    model: front.model,
    config: front.config,
    inputSchema: front.inputSchema,
    outputFormat: front.outputFormat,
    outputSchema: front.outputSchema,
    ...(front.outputStrict === undefined ? {} : { outputStrict: front.outputStrict }),
    ...tools,
    template: body,
    bodyLine,
    source: normalized,
  };
  if (front.template === 'nunjucks') {
    const { variables, problem } = analyzeNunjucksPrompt(body);
    if (problem) throw inputError('PROMPT_INVALID', problem.message, { file: path, line: bodyLine + problem.line - 1 });
    // Strict variables are checked as each case renders (`{% if optional %}` may leave one out), so every case renders at check.
    return { ...base, templateEngine: 'nunjucks', variables, renderDependsOnData: true };
  }

  let ast: hbs.AST.Program;
  try {
    ast = loadHandlebars().parse(body);
  } catch (error) {
    const { message, line } = describeTemplateError(error, body);
    throw inputError('PROMPT_INVALID', `template syntax error: ${message}`, { file: path, line: bodyLine + line - 1 });
  }
  const { variables, problems, renderDependsOnData, readsWholeContext } = analyzeTemplate(ast);
  const [problem] = problems;
  if (problem) throw inputError('PROMPT_INVALID', problem.message, { file: path, line: bodyLine + problem.line - 1 });

  return { ...base, variables, renderDependsOnData, readsWholeContext };
}

/** Handlebars reports parse errors as "Parse error on line N:\n<context>\nExpecting …" or with `lineNumber`. */
function describeTemplateError(error: unknown, body: string): { message: string; line: number } {
  const text = error instanceof Error ? error.message : String(error);
  const parseError = /^Parse error on line (\d+):\n[\s\S]*\n(.*)$/.exec(text);
  if (parseError) {
    const unclosed = /got 'EOF'$/.test(parseError[2]) ? findUnclosedBlock(body) : undefined;
    if (unclosed) return { line: unclosed.line, message: `{{#${unclosed.name}}} is never closed (no {{/${unclosed.name}}})` };
    return { line: Number(parseError[1]), message: describeExpectation(parseError[2]) };
  }
  const lineNumber = (error as { lineNumber?: unknown }).lineNumber;
  const message = text.split('\n')[0].replace(/ - \d+:\d+$/, '');
  return { line: typeof lineNumber === 'number' ? lineNumber : 1, message };
}

/** "Expecting 'CLOSE', 'ID', …, got 'INVALID'" → something a prompt author can act on. */
function describeExpectation(line: string): string {
  const got = /got '([^']+)'$/.exec(line)?.[1];
  if (got === 'EOF') return 'unexpected end of template (an unclosed {{#block}} or {{ ?)';
  if (got === 'INVALID') return 'malformed {{ }} expression (check braces and quotes)';
  return got ? `unexpected ${got.toLowerCase().replace(/_/g, ' ')}` : line;
}

/** The innermost block opened and never closed, for an error at the end of the template. */
function findUnclosedBlock(body: string): { name: string; line: number } | undefined {
  const open: Array<{ name: string; index: number }> = [];
  for (const match of body.matchAll(/\{\{~?\s*([#/])\s*([^\s}~]+)/g)) {
    if (match[1] === '#') open.push({ name: match[2].replace(/^[>*]/, ''), index: match.index });
    else if (open.length > 0 && open[open.length - 1].name === match[2]) open.pop();
  }
  const last = open.pop();
  return last && { name: last.name, line: body.slice(0, last.index).split('\n').length };
}
