import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { findSecretParam } from '../config/secrets.js';
import { loadYaml } from '../prompts/lazy.js';
import { type PathSegment, type Source, asRecord, at, relativePath } from './source.js';
import type { Findings, ImportedPrompt, PromptMessage, Where } from './types.js';

/** A `prompts` entry after promptfoo's normalizeInput: the text or path, and its label / config. */
interface PromptEntry {
  raw: string;
  label?: string;
  config?: Record<string, unknown>;
  path: PathSegment[];
}

const FILE_EXTENSIONS = ['.cjs', '.cts', '.j2', '.js', '.json', '.jsonl', '.md', '.mjs', '.mts', '.py', '.ts', '.txt', '.yaml', '.yml', '.csv'];
const HELPER_NAMES = new Set(['role', 'json', 'ifEquals', 'unlessEquals', 'if', 'unless', 'each', 'with', 'lookup', 'log', 'this', 'else', 'helperMissing', 'blockHelperMissing']);

/**
 * Converts the config's `prompts` (promptfoo's forms: a string, a list of strings and
 * `{id|raw, label, config}` objects, the legacy `{path: label}` map; none means `{{prompt}}`) into
 * prompts for `prompts/<id>.prompt`: inline text, text files (`---` separates several), chat
 * messages (JSON / YAML files or inline JSON), Jinja / Markdown / CSV / JSONL prompt files.
 * Prompt functions (`.js`, `.py`), executables and prompt-management URLs are problems.
 */
export async function convertPrompts(config: Source, root: string, findings: Findings): Promise<ImportedPrompt[]> {
  const data = asRecord(config.data) ?? {};
  const entries = normalize(data.prompts, config, findings);
  const prompts: Array<Omit<ImportedPrompt, 'id'> & { idHint: string }> = [];
  for (const entry of entries) prompts.push(...(await processEntry(entry, config, root, findings)));
  const taken = new Set<string>();
  const inlineCount = prompts.filter((p) => p.idHint === 'prompt').length;
  let inlineIndex = 0;
  return prompts.map(({ idHint, ...prompt }) => {
    const hint = idHint === 'prompt' && inlineCount > 1 ? `prompt-${++inlineIndex}` : idHint;
    const id = uniqueId(slug(hint), taken);
    return { id, ...prompt };
  });
}

function normalize(value: unknown, config: Source, findings: Findings): PromptEntry[] {
  if (value === undefined || value === null) return [{ raw: '{{prompt}}', label: '{{prompt}}', path: [] }];
  if (typeof value === 'string') return [{ raw: value, path: ['prompts'] }];
  if (Array.isArray(value)) {
    const entries: PromptEntry[] = [];
    value.forEach((item, index) => {
      const path = ['prompts', index];
      if (typeof item === 'string') entries.push({ raw: item, path });
      else if (asRecord(item)) {
        const record = item as Record<string, unknown>;
        const raw = typeof record.raw === 'string' && record.raw !== '' ? record.raw : record.id;
        if (typeof raw !== 'string') {
          findings.problem(at(config, path), 'a prompt entry without `raw` or `id` text is not converted');
          return;
        }
        const entry: PromptEntry = { raw, path };
        if (typeof record.label === 'string') entry.label = record.label;
        if (asRecord(record.config)) {
          const params = { ...(record.config as Record<string, unknown>) };
          for (let secret = findSecretParam(params); secret; secret = findSecretParam(params)) {
            findings.problem(at(config, [...path, 'config', String(secret[0])]), `prompt config key '${secret.join('.')}' looks like a credential and is not converted`, 'promptgate reads keys from the environment only (apiKeyEnv)');
            delete params[String(secret[0])];
          }
          entry.config = params;
        }
        for (const key of Object.keys(record)) {
          if (!['raw', 'id', 'label', 'config'].includes(key)) findings.problem(at(config, [...path, key]), `prompt key '${key}' is not converted`);
        }
        entries.push(entry);
      } else findings.problem(at(config, path), 'a prompt that is neither text nor an object is not converted');
    });
    return entries;
  }
  const map = asRecord(value);
  if (map) return Object.entries(map).map(([raw, label]) => ({ raw, label: typeof label === 'string' ? label : undefined, path: ['prompts', raw] }));
  findings.problem(at(config, ['prompts']), '`prompts` must be text, a list or a map; not converted');
  return [];
}

/** promptfoo's maybeFilePath: whether a prompt string names a file rather than being the prompt. */
function looksLikePath(text: string): boolean {
  if (['\n', 'portkey://', 'langfuse://', 'helicone://'].some((part) => text.includes(part))) return false;
  return (
    text.startsWith('file://') ||
    FILE_EXTENSIONS.some((ext) => {
      const tokens = text.split(':');
      return tokens.at(-1)?.endsWith(ext) || tokens.at(-2)?.endsWith(ext);
    }) ||
    text.charAt(text.length - 3) === '.' ||
    text.charAt(text.length - 4) === '.' ||
    text.includes('*') ||
    text.includes('/') ||
    text.includes('\\')
  );
}

type Draft = Omit<ImportedPrompt, 'id'> & { idHint: string };

async function processEntry(entry: PromptEntry, config: Source, root: string, findings: Findings): Promise<Draft[]> {
  const where = at(config, entry.path);
  const { raw } = entry;
  if (/^(exec:|portkey:\/\/|langfuse:\/\/|helicone:\/\/)/.test(raw)) {
    findings.problem(where, `prompt '${raw}' is not converted: it is produced by ${raw.startsWith('exec:') ? 'a program' : 'a prompt-management service'} at run time`, 'save the prompt text to a file and import that');
    return [];
  }
  if (!looksLikePath(raw)) {
    const labels = [entry.label ?? raw];
    const draft = fromText(raw, { where, from: 'inline', idHint: entry.label ?? 'prompt', label: entry.label, matchLabels: labels, config: entry.config }, findings);
    return draft ? [draft] : [];
  }
  const spec = raw.replace(/^file:\/\//, '');
  const fnMatch = /^(.*\.(?:js|cjs|mjs|ts|cts|mts|py|go|rb)):([\w.$]+)$/.exec(spec);
  const pathText = fnMatch ? fnMatch[1] : spec;
  if (/[*?[\]{}]/.test(pathText)) {
    const { glob } = await import('tinyglobby');
    const files = (await glob(pathText, { cwd: dirname(config.abs), absolute: true })).sort();
    if (files.length === 0) {
      const draft = fromText(raw, { where, from: 'inline', idHint: entry.label ?? 'prompt', label: entry.label, matchLabels: [entry.label ?? raw], config: entry.config }, findings);
      return draft ? [draft] : [];
    }
    const drafts: Draft[] = [];
    for (const file of files) {
      const rel = relativePath(root, file);
      drafts.push(...(await processFile(file, { ...entry, label: entry.label && `${entry.label}: ${rel}` }, where, root, findings)));
    }
    return drafts;
  }
  const abs = resolve(config.abs, '..', pathText);
  if (fnMatch || /\.(?:js|cjs|mjs|ts|cts|mts|py)$/.test(pathText)) {
    findings.problem(where, `prompt function '${raw}' is not converted: promptgate prompts are templates, not code`, 'render it once and save the text as a prompt, or move the logic into the cases');
    return [];
  }
  return processFile(abs, entry, where, root, findings);
}

async function processFile(abs: string, entry: PromptEntry, where: Where, root: string, findings: Findings): Promise<Draft[]> {
  const rel = relativePath(root, abs);
  const ext = extname(abs).toLowerCase();
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch {
    findings.problem(where, `prompt file '${rel}' cannot be read; not converted`);
    return [];
  }
  const stem = basename(abs, extname(abs));
  const from = `file://${rel}`;
  const base = { where, from, label: entry.label };
  const one = (body: string, idHint: string, matchLabels: string[], config: Record<string, unknown> | undefined) => {
    const draft = fromText(body, { ...base, idHint, matchLabels: [...matchLabels, from, rel], config }, findings);
    return draft ? [draft] : [];
  };
  switch (ext) {
    case '.txt': {
      const parts = splitDelimited(text);
      // promptfoo's text processor drops the entry's config.
      if (entry.config) findings.note(where, `the prompt's config is not used for ${rel}: promptfoo ignores \`config\` on .txt prompt files`);
      return parts.flatMap((part, index) => one(part, parts.length > 1 ? `${entry.label ?? stem}-${index + 1}` : (entry.label ?? stem), [entry.label ? `${entry.label}: ${rel}: ${part}` : `${rel}: ${part}`], undefined));
    }
    case '.md':
      return one(text, entry.label ?? stem, [entry.label ?? `${rel}: ${text.slice(0, 50)}...`], undefined);
    case '.j2':
      return one(text, entry.label ?? stem, [entry.label ?? `${rel}: ${text.slice(0, 50)}...`], entry.config).map((draft) => ({ ...draft, nunjucks: true }));
    case '.json':
      return one(text, entry.label ?? stem, [entry.label ?? `${rel}: ${text}`], entry.config);
    case '.yaml':
    case '.yml': {
      let body = text;
      try {
        body = JSON.stringify(loadYaml().parse(text));
      } catch {
        // promptfoo keeps the text as it is when it does not parse
      }
      return one(body, entry.label ?? stem, [entry.label ?? `${rel}: ${body.slice(0, 80)}`], entry.config);
    }
    case '.jsonl': {
      const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
      return lines.flatMap((line, index) => one(line, lines.length > 1 ? `${entry.label ?? stem}-${index + 1}` : (entry.label ?? stem), [lines.length > 1 ? (entry.label ? `${entry.label}: ${line}` : `${rel}: ${line}`) : (entry.label ?? rel)], entry.config));
    }
    case '.csv': {
      const rows = await csvPromptRows(text);
      return rows.flatMap((row, index) => one(row.prompt, row.label ?? `${entry.label ?? stem}-${index + 1}`, [row.label ?? entry.label ?? `Prompt ${index + 1} - ${row.prompt}`], entry.config));
    }
    default:
      findings.problem(where, `prompt file '${rel}' is not converted: promptfoo runs ${ext || 'extension-less'} prompt files as programs`);
      return [];
  }
}

/** promptfoo's text prompt files: `---` lines separate prompts; each is trimmed, empty ones dropped. */
function splitDelimited(text: string): string[] {
  const parts: string[] = [];
  let buffer: string[] = [];
  const flush = () => {
    const part = buffer.join('\n').trim();
    if (part.length > 0) parts.push(part);
    buffer = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '---') flush();
    else buffer.push(line);
  }
  flush();
  return parts;
}

async function csvPromptRows(text: string): Promise<Array<{ prompt: string; label?: string }>> {
  if (!text.includes(',')) {
    const lines = text.split(/\r?\n/).filter((line) => line.trim());
    return lines.slice(lines[0]?.toLowerCase().trim() === 'prompt' ? 1 : 0).map((prompt) => ({ prompt }));
  }
  const { parse } = await import('csv-parse/sync');
  const rows = parse(text, { columns: true, bom: true, relax_quotes: true, skip_empty_lines: true, trim: true }) as Array<Record<string, string>>;
  return rows.filter((row) => row.prompt).map((row) => ({ prompt: row.prompt, label: row.label || undefined }));
}

interface DraftInput {
  where: Where;
  from: string;
  idHint: string;
  label?: string;
  matchLabels: string[];
  config?: Record<string, unknown>;
}

/** A prompt's text (promptfoo's raw) as messages: a chat list (JSON, or YAML starting `- role:`), else one user message. */
function fromText(raw: string, input: DraftInput, findings: Findings): Draft | undefined {
  const draft = (messages: PromptMessage[], text: boolean): Draft => {
    const nunjucks = messages.some((message) => usesNunjucks(message.content));
    const result: Draft = { idHint: input.idHint, matchLabels: input.matchLabels, messages, text, nunjucks, origin: input.where, from: input.from };
    if (input.label !== undefined) result.label = input.label;
    if (input.config) result.config = input.config;
    return result;
  };
  const chat = readChat(raw);
  if (chat === undefined) {
    // promptfoo sends a prompt with an unclosed tag unrendered ({% raw %}).
    if (/({%[^%]*$|{{[^}]*$|{#[^#]*$)/m.test(raw) && !/{%\s*raw\s*%}/.test(raw)) return { ...draft([{ role: 'user', content: `{% raw %}${raw}{% endraw %}` }], true), nunjucks: true };
    return draft([{ role: 'user', content: raw }], true);
  }
  if ('problem' in chat) {
    findings.problem(input.where, `prompt ${input.from === 'inline' ? '' : `${input.from} `}is not converted: ${chat.problem}`);
    return undefined;
  }
  return draft(chat.messages, false);
}

/** The messages of a chat prompt, a problem, or undefined for a text prompt. */
function readChat(raw: string): { messages: PromptMessage[] } | { problem: string } | undefined {
  let parsed: unknown;
  const trimmed = raw.trim();
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    if (!trimmed.startsWith('- role:')) return undefined;
    try {
      parsed = loadYaml().parse(trimmed);
    } catch {
      return { problem: 'its YAML messages do not parse' };
    }
  }
  if (!Array.isArray(parsed)) return typeof parsed === 'object' && parsed !== null ? { problem: 'it is JSON but not a list of {role, content} messages' } : undefined;
  const messages: PromptMessage[] = [];
  for (const item of parsed) {
    const message = asRecord(item);
    if (!message || typeof message.role !== 'string') return { problem: 'a message has no role' };
    if (!['system', 'user', 'assistant'].includes(message.role)) return { problem: `role '${message.role}' has no promptgate equivalent (system, user, assistant)` };
    if (typeof message.content !== 'string') return { problem: `a '${message.role}' message's content is not text (images and other parts are not converted)` };
    messages.push({ role: message.role as PromptMessage['role'], content: message.content });
  }
  return { messages };
}

/**
 * Whether a template needs Nunjucks: anything but plain `{{ name }}` / `{{ a.b }}` references
 * (tags, comments, filters, expressions, whitespace control), or a reference Handlebars would read
 * as one of its helpers or keywords.
 */
export function usesNunjucks(text: string): boolean {
  if (/{%|{#|\\{{/.test(text)) return true;
  for (const match of text.matchAll(/{{([\s\S]*?)}}/g)) {
    const inner = match[1];
    const name = /^\s*([A-Za-z_$][\w$]*)(?:\.[A-Za-z_$][\w$]*)*\s*$/.exec(inner);
    if (!name || HELPER_NAMES.has(name[1])) return true;
  }
  return false;
}

/** A prompt id from a label or file name: letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export function slug(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-._]+|[-._]+$/g, '');
  return (cleaned === '' ? 'prompt' : cleaned).slice(0, 64).replace(/[-._]+$/, '');
}

/** `base`, else `base-2`, `base-3` … whichever is free; records it. */
export function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id.toLowerCase()); n++) id = `${base}-${n}`;
  taken.add(id.toLowerCase());
  return id;
}

/** Whether a provider's `prompts` filter entry selects a prompt (promptfoo: exact label, `label:` prefix, `group:*`). */
export function filterMatches(filter: string, prompt: ImportedPrompt): boolean {
  const prefix = filter.endsWith(':*') ? filter.slice(0, -1) : `${filter}:`;
  return prompt.matchLabels.some((label) => label === filter || label.startsWith(prefix)) || prompt.id === filter;
}

/** The variables a plain (non-Nunjucks) prompt reads: the roots of its `{{ name }}` references. */
export function plainVariables(prompt: ImportedPrompt): string[] {
  if (prompt.nunjucks) return [];
  const names = new Set<string>();
  for (const message of prompt.messages) for (const match of message.content.matchAll(/{{\s*([A-Za-z_$][\w$]*)/g)) names.add(match[1]);
  return [...names];
}
