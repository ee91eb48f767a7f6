import type { AssertEntry } from './assertions.js';
import type { ImportedModel } from './types.js';

/** One suite of the emitted config. */
export interface EmittedSuite {
  name: string;
  prompt: string;
  cases?: string;
  models: string[];
  assert: AssertEntry[];
}

export interface EmitInput {
  /** The promptfoo config the project came from (for the header comment). */
  configFile: string;
  description?: string;
  models: ImportedModel[];
  /** The judge model entry, when the project grades with a model (named in `judge`). */
  judge?: { model: ImportedModel; promptfooDefault: boolean };
  /** The models `similar` / `answer-relevance` embed with and `moderation` asks (the config's `embedding`, `moderation`). */
  embedding?: ImportedModel;
  moderation?: ImportedModel;
  defaultModel?: string;
  suites: EmittedSuite[];
  concurrency?: number;
  repeat?: number;
  ignoreCases?: string[];
}

/** The model promptfoo 0.121 grades with when nothing names a grading provider (and OPENAI_API_KEY is set). */
export const PROMPTFOO_DEFAULT_GRADER = 'gpt-5.5-2026-04-23';

/**
 * promptfoo's `echo` provider: the prompt as the output (one user message: its text; a chat: the
 * messages as JSON, as promptfoo renders a chat prompt).
 */
const ECHO_FUNCTION = `(request) =>
        request.messages.length === 1 && request.messages[0].role === 'user' ? request.messages[0].content : JSON.stringify(request.messages, null, 2)`;

/** eval.config.ts for the converted project. */
export function renderConfig(input: EmitInput): string {
  const lines: string[] = [];
  lines.push(`import { defineConfig } from 'promptgate';`, '');
  lines.push(`// Imported from ${input.configFile} by \`promptgate import promptfoo\`.`);
  if (input.description) lines.push(`// ${oneLine(input.description)}`);
  lines.push('export default defineConfig({', '  models: {');
  const extra = [input.judge?.model, input.embedding, input.moderation].filter((model): model is ImportedModel => model !== undefined && !input.models.includes(model));
  const models = [...input.models, ...extra];
  for (const model of models) {
    if (input.judge?.model === model && input.judge.promptfooDefault) {
      lines.push(`    // promptfoo's default grading model (its choice when OPENAI_API_KEY is set): point it at the judge you want.`);
    } else {
      lines.push(`    // ${oneLine(model.sourceId)} (${model.origin.file}${model.origin.line ? `:${model.origin.line}` : ''})`);
    }
    lines.push(`    ${key(model.name)}: ${modelLiteral(model)},`);
  }
  lines.push('  },');
  if (input.defaultModel) lines.push(`  defaultModel: ${str(input.defaultModel)},`);
  if (input.judge) lines.push(`  judge: ${str(input.judge.model.name)},`);
  if (input.embedding) lines.push(`  embedding: ${str(input.embedding.name)},`);
  if (input.moderation) lines.push(`  moderation: ${str(input.moderation.name)},`);
  if (input.concurrency !== undefined) lines.push(`  concurrency: ${input.concurrency},`);
  if (input.repeat !== undefined) lines.push(`  repeat: ${input.repeat},`);
  if (input.ignoreCases && input.ignoreCases.length > 0) lines.push(`  ignoreCases: ${literal(input.ignoreCases, 2)},`);
  lines.push('  suites: [');
  for (const suite of input.suites) {
    const parts = [`name: ${str(suite.name)}`, `prompt: ${str(suite.prompt)}`];
    if (suite.cases) parts.push(`cases: ${str(suite.cases)}`);
    parts.push(`models: ${literal(suite.models, 3)}`);
    if (suite.assert.length === 0) {
      lines.push(`    { ${parts.join(', ')} },`);
    } else {
      lines.push(`    {`, ...parts.map((part) => `      ${part},`), `      assert: ${literal(suite.assert, 3)},`, '    },');
    }
  }
  lines.push('  ],', '});', '');
  return lines.join('\n');
}

function modelLiteral(model: ImportedModel): string {
  if (model.provider === 'echo') return `{\n      provider: ${ECHO_FUNCTION},\n      model: 'echo',\n    }`;
  const entry: Record<string, unknown> = { provider: model.provider, model: model.model };
  if (Object.keys(model.params).length > 0) entry.params = model.params;
  if (model.baseURL) entry.baseURL = model.baseURL;
  if (model.apiKeyEnv) entry.apiKeyEnv = model.apiKeyEnv;
  return literal(entry, 2);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\*\//g, '* /').trim();
}

/** A TypeScript string literal (single quotes). */
function str(text: string): string {
  return `'${text.replace(/[\\'\u0000-\u001f\u2028\u2029]/g, (c) => (c === '\\' ? '\\\\' : c === "'" ? "\\'" : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}'`;
}

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : str(name);
}

/** A value as a TypeScript literal: on one line when short, else one entry a line at `depth`. */
function literal(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'undefined';
  if (typeof value === 'string') return str(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const pad = '  '.repeat(depth + 1);
  const close = '  '.repeat(depth);
  if (Array.isArray(value)) {
    const items = value.map((item) => literal(item, depth + 1));
    const flat = `[${items.join(', ')}]`;
    return flat.length <= 100 && !flat.includes('\n') ? flat : `[\n${items.map((item) => `${pad}${item},`).join('\n')}\n${close}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined).map(([name, item]) => `${key(name)}: ${literal(item, depth + 1)}`);
  const flat = `{ ${entries.join(', ')} }`;
  if (entries.length === 0) return '{}';
  return flat.length <= 100 && !flat.includes('\n') ? flat : `{\n${entries.map((entry) => `${pad}${entry},`).join('\n')}\n${close}}`;
}
