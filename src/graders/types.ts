import type { Assertion, TestCase } from '../cases/types.js';
import type { Message } from '../prompts/types.js';
import type { ProviderFailure, ProviderResult } from '../providers/types.js';
import type { ToolCall, ToolDefinition } from '../tools/types.js';

/** What every grader returns (SPEC §3). */
export interface GradeResult {
  pass: boolean;
  /** 0..1 */
  score: number;
  reason: string;
  /** A fail that `not-` cannot turn into a pass (a rubric output that addresses the judge). */
  failClosed?: boolean;
  /** The judge call behind a rubric verdict. */
  judge?: JudgeRecord;
  /**
   * The score `not-` records, when it is not 1 − score (promptfoo keeps a script's own number or
   * result object's score under `not-` and inverts only the pass).
   */
  negatedScore?: number;
}

/** Which judge answered a rubric: the config's model name, the model version its API reported, the params sent. */
export interface JudgeRecord {
  model: string;
  modelReported: string | null;
  params: Record<string, unknown>;
}

/** Vectors for the texts embedded, in order, or the provider's failure (a grader error, never a pass). */
export type EmbeddingResult = { ok: true; vectors: number[][]; model: string } | ProviderFailure;

/** A moderation endpoint's answer for one text, or the provider's failure. */
export type ModerationResult =
  | { ok: true; flagged: boolean; categories: Record<string, boolean>; scores: Record<string, number>; model: string }
  | ProviderFailure;

/** A judge call's result, with the judge that answered (or was asked) when known. */
export type JudgeResult = ProviderResult & { judge?: JudgeRecord };

/** What a named grader (`js:<name>`) gets besides the output. */
export interface GraderInput {
  /** The case's variables. */
  vars: Record<string, unknown>;
  /** The assertion's value: the grader name for `js:<name>`, or the `value` of an object spec. */
  value?: unknown;
  prompt: { id: string; version: string };
  /** The config's model name the output came from. */
  model: string;
}

/** What a named grader returns in full; `score` defaults to 1 / 0 and `reason` to a generic one. */
export interface GraderResult {
  pass: boolean;
  /** 0..1 */
  score?: number;
  reason?: string;
}

/**
 * A named grader (`defineGrader`, the config's `graders`). Returns a boolean (score 1 / 0), a score
 * 0..1 (passes when ≥ the assertion's threshold, default 0.5), or `{pass, score?, reason?}`. A throw
 * or any other value is a grader error: the case is `error`, never a pass.
 */
export type JsGraderFunction = (output: string, context: GraderInput) => GraderResult | boolean | number | Promise<GraderResult | boolean | number>;

export interface GraderContext {
  vars: Record<string, unknown>;
  /** The prompt the output answers, with its declared tools (tool-args-schema, is-valid-openai-tools-call check calls against them). */
  prompt: { id: string; version: string; outputFormat?: 'json' | 'text'; outputSchema?: unknown; tools?: ToolDefinition[] };
  /** The config's model name the output came from. */
  model: string;
  /** Undefined for a cached output (promptfoo: a cached call has no latency). */
  latencyMs?: number;
  costUsd?: number;
  /** Whether the output came from the response cache. */
  cached?: boolean;
  /** The finish reason the API reported (`stop`, `length`, `end_turn`, `tool_calls` …), when it did. */
  finishReason?: string;
  /** The messages sent for this output (the rendered prompt): the question for answer-relevance and the like. */
  messages?: Message[];
  /**
   * The tool calls the model made for this output, in order; for a multi-step case, those of every
   * step (the output text is the last step's). Absent or empty: none.
   */
  toolCalls?: ToolCall[];
  /** The model refused (provider refusal field / stop reason): what it said. The output text is then ''. */
  refusal?: string;
  /** Log probabilities of the output's tokens, when the provider returned them (perplexity). */
  logprobs?: number[];
  /** Embeds texts with the configured embedding model (`similar`, `answer-relevance`); absent when none is configured. */
  embed?: (texts: string[], signal?: AbortSignal) => Promise<EmbeddingResult>;
  /** Asks a moderation endpoint about a text (`moderation`); absent when no provider offers one. */
  moderate?: (text: string, signal?: AbortSignal) => Promise<ModerationResult>;
  /** Calls the configured judge model (rubric); absent when no judge is configured. */
  judge?: (messages: Message[], signal?: AbortSignal) => Promise<JudgeResult>;
  /** The config's `grading` settings (factuality's category scores). */
  grading?: GradingConfig;
  /** Secret that makes the judge's nonces deterministic per question (so judge calls can be cached). */
  judgeSecret?: string;
  graders: Record<string, JsGraderFunction>;
  /** Project root, for resolving schema paths. */
  rootDir: string;
  /** The case being graded (code graders hand it to user code as promptfoo's `context.test`). */
  testCase?: TestCase;
  /** The environment of the command (the python executable, grader timeouts). @default process.env */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** A grader: plain async function, registered by type. A thrown error leaves its case without a verdict (`errored`). */
export type Grader = (output: string, assertion: Assertion, context: GraderContext) => Promise<GradeResult>;

export interface AssertionGrade extends Omit<GradeResult, 'failClosed'> {
  type: string;
  negate: boolean;
  weight: number;
  metric?: string;
  /** The spec as the user wrote it, for reports. */
  spec: string;
  /** The grader could not reach a verdict (it threw, or was misconfigured): never a pass, negated or not; its case is `error`. */
  errored?: boolean;
}

/** All assertions of one case on one output. */
export interface CaseGrade extends GradeResult {
  assertions: AssertionGrade[];
  /** Some assertion's grader errored: no verdict (`pass` is false, the case status is `error`). */
  errored?: boolean;
  /** Nothing to grade with (no assertion, no output.schema / output.format): never a pass; the case is `ungraded`. */
  ungraded?: boolean;
}

/** Settings of the model-graded graders (promptfoo's test `options`). */
export interface GradingConfig {
  /** The score of each `factuality` category (promptfoo's `options.factuality`); a category scoring 0 fails. */
  factuality?: FactualityScoring;
}

/** Scores 0..1 of the factuality categories A–E. A category with score 0 fails, any other passes. */
export interface FactualityScoring {
  /** (A) the output is a subset of the expert answer, consistent with it. @default 1 */
  subset?: number;
  /** (B) a superset, consistent with it. @default 1 */
  superset?: number;
  /** (C) the same details. @default 1 */
  agree?: number;
  /** (D) they disagree. @default 0 */
  disagree?: number;
  /** (E) they differ in ways that do not matter for factuality. @default 1 */
  differButFactual?: number;
}
