/** A chat message in provider-neutral form. */
export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One parsed `.prompt` file (Dotprompt format, SPEC §2). */
export interface PromptFile {
  /** File name without extension. */
  id: string;
  /** Path as given (relative to the project root when it came from the project). */
  path: string;
  /** Semver from the front matter (validated). */
  version: string;
  /** First 12 hex digits of sha256 over the file's normalised bytes (LF line ends, no BOM). */
  hash: string;
  /** Default model name (a key of `models` in the config). */
  model?: string;
  /** Model params from the front matter `config` (temperature, max_tokens, ...). */
  config: Record<string, unknown>;
  inputSchema?: unknown;
  outputFormat?: 'json' | 'text';
  outputSchema?: unknown;
  /** The template body after the front matter (Handlebars, or Nunjucks with `templateEngine: 'nunjucks'`). */
  template: string;
  /**
   * Front matter `template: nunjucks`: the body is a Nunjucks template, as promptfoo's prompts are
   * (absent: Handlebars, Dotprompt's). The front matter is part of the content hash, so is this.
   */
  templateEngine?: 'nunjucks';
  /** File line (1-based) of the body's first line: template errors name file lines. */
  bodyLine?: number;
  /** Root-level variables the template reads (strict variables: each must be in a case's vars). */
  variables: string[];
  /**
   * Whether a case's values can make rendering fail (a `{{role}}` whose name is a variable).
   * Every other render failure is found when the prompt is parsed, or by rendering any one case.
   */
  renderDependsOnData: boolean;
  /**
   * The template reads the root context as a whole (`{{json this}}`, `{{#each this}}`, `@root`),
   * so `variables` is not every name it can use (no "unused column" warnings then).
   */
  readsWholeContext?: boolean;
  /** Normalised source text. */
  source: string;
}
