/** Where something in the promptfoo project is: a file (relative to the project) and a line (1-based) when known. */
export interface Where {
  file: string;
  line?: number;
}

/** A part of the promptfoo project `import` could not convert: one line of output, and exit 1. */
export interface ImportProblem {
  where: Where;
  message: string;
  hint?: string;
}

/** A part converted with a rewrite (rewrites.ts) or a difference worth knowing; printed, exit code unchanged. */
export interface ImportNote {
  where: Where;
  message: string;
}

/** Collects problems and notes while converting; every converter reports through one. */
export class Findings {
  readonly problems: ImportProblem[] = [];
  readonly notes: ImportNote[] = [];
  private readonly seenNotes = new Set<string>();

  problem(where: Where, message: string, hint?: string): void {
    this.problems.push(hint === undefined ? { where, message } : { where, message, hint });
  }

  /** Problems and notes in file order, then by line (the order they are printed in). */
  sorted(): { problems: ImportProblem[]; notes: ImportNote[] } {
    const files = new Map<string, number>();
    for (const { where } of [...this.problems, ...this.notes]) if (!files.has(where.file)) files.set(where.file, files.size);
    const order = (a: { where: Where }, b: { where: Where }) => (files.get(a.where.file)! - files.get(b.where.file)!) || (a.where.line ?? 0) - (b.where.line ?? 0);
    return { problems: [...this.problems].sort(order), notes: [...this.notes].sort(order) };
  }

  /** A note; the same message for the same file is kept once (a rewrite on 500 rows is one note). */
  note(where: Where, message: string): void {
    const key = `${where.file}\u0000${message}`;
    if (this.seenNotes.has(key)) return;
    this.seenNotes.add(key);
    this.notes.push({ where, message });
  }
}

/** One message of a converted prompt: promptgate's role names. */
export interface PromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A promptfoo prompt as it becomes `prompts/<id>.prompt`. */
export interface ImportedPrompt {
  id: string;
  /** promptfoo's label (what `providers[].prompts` filters match), when the config gives one. */
  label?: string;
  /** Labels promptfoo would give it (explicit, or derived from the file / text), for provider filters. */
  matchLabels: string[];
  /** One user message (a text prompt), or the messages of a chat prompt. */
  messages: PromptMessage[];
  /** The text is one user message with no role markers (a text prompt). */
  text: boolean;
  /** Uses Nunjucks beyond plain `{{ var }}`: front matter `template: nunjucks`. */
  nunjucks: boolean;
  /** The prompt entry's `config` (model params), front matter `config`. */
  config?: Record<string, unknown>;
  /** Where it was defined, for the front matter's comment and messages. */
  origin: Where;
  /** A short description of the source (`inline`, `file://prompts/a.txt`). */
  from: string;
}

/** A promptfoo provider as it becomes a `models` entry. */
export interface ImportedModel {
  name: string;
  /** `openai`, `anthropic`, or `echo` (promptfoo's echo provider, emitted as a function). */
  provider: 'openai' | 'anthropic' | 'echo';
  model: string;
  params: Record<string, unknown>;
  baseURL?: string;
  apiKeyEnv?: string;
  /** `providers[].prompts`: the labels of the prompts it runs (all when undefined). */
  promptFilter?: string[];
  /** The provider id as promptfoo spelt it, for comments and judge matching. */
  sourceId: string;
  origin: Where;
}

/** A file the import writes, relative to the output folder. */
export interface OutputFile {
  path: string;
  content: string | Buffer;
}
