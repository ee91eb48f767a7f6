import type { SourceLocation } from '../errors.js';
import type { Message } from '../prompts/types.js';

/**
 * A grader type as run.json records it (`equals`, `rubric`, `is-xml` …): one of the types in
 * graders/catalog.ts. Aliases (`llm-rubric`, `javascript`) are resolved by the spec parser.
 */
export type GraderType = string;

/** One parsed grader spec: `[not-]<type>[(<threshold>)][:<value>]` or a JSONL `assert` entry. */
export interface Assertion {
  type: GraderType;
  /** `not-` prefix: pass and fail swap. */
  negate: boolean;
  /** The text after `:` (or the JSONL value). For `schema` an object or a path string. */
  value?: unknown;
  /** The `(n)` part: a score threshold, or the limit for latency (ms) / cost (usd). */
  threshold?: number;
  /** Weight in the case's weighted score. @default 1 */
  weight: number;
  /** promptfoo `__metric`: a name to group scores by. */
  metric?: string;
  /** promptfoo's assertion `config`: handed to code graders as `context.config`. */
  config?: Record<string, unknown>;
  /** Where the spec came from, for error messages. */
  source: SourceLocation;
  /** The spec as the user wrote it (`not-contains:foo`), for reports. */
  spec?: string;
  /**
   * The value is a `file://` reference or a template the type's load-time parse could not read:
   * it is parsed when the case is graded, after graders/value-source.ts resolved it.
   */
  deferParse?: boolean;
}

/** One test case from a CSV row or a JSONL line. */
export interface TestCase {
  /** `__id` / `id`, else a hash of the variables (stable when rows are inserted). */
  id: string;
  vars: Record<string, unknown>;
  assertions: Assertion[];
  description?: string;
  tags: string[];
  /** `__threshold`: minimum weighted score for the case to pass. */
  threshold?: number;
  /** `__prefix` / `__suffix` (promptfoo): text put before / after the last user message of the rendered prompt. */
  prefix?: string;
  suffix?: string;
  /**
   * promptfoo `__providerOutput` / `providerOutput`: the output to grade. No model is called for
   * the case (as in promptfoo); run.json marks its repeats `providedOutput: true`.
   */
  providerOutput?: string;
  /**
   * JSONL `messages` / CSV `__messages` (a JSON array): the conversation so far (user / assistant
   * turns, an assistant's `toolCalls`, `tool` results). The template's messages after its system
   * messages are appended to it, or `{{history}}` places it (prompts/render.ts).
   */
  messages?: Message[];
  /**
   * JSONL `tool_results` / CSV `__tool_results`: canned results by tool name. When present the
   * runner sends each call's result back and calls the model again, up to `maxSteps` calls, and
   * grades the final answer (runner/steps.ts). `expected_tool_calls` becomes `tool-call`
   * assertions (value `{name, arguments}`) when the case is read.
   */
  toolResults?: Record<string, unknown>;
  /** JSONL `max_steps`: the bound on calls of a multi-step case. @default 5 */
  maxSteps?: number;
  /** `__metadata:<key>` (`<key>[]`: a list) / `metadata`. */
  metadata: Record<string, string | string[]>;
  /** The id is the default (no `__id` / `id`): readCases may make it unique among equal rows. */
  implicitId?: boolean;
  /** File and line (1-based; the line the record starts on). */
  source: SourceLocation & { line: number };
}

/** How case files are read. */
export interface CaseReadOptions {
  /** Project root: `source.file` of each case is relative to it, with `/`. */
  rootDir: string;
  /** Suite-level assertions (SuiteConfig.assert, already parsed), appended to every case. */
  suiteAssert?: Assertion[];
}
