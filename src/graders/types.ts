import type { Assertion } from '../cases/types.js';
import type { Message } from '../prompts/types.js';
import type { ProviderResult } from '../providers/types.js';

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
}

/** Which judge answered a rubric: the config's model name, the model version its API reported, the params sent. */
export interface JudgeRecord {
  model: string;
  modelReported: string | null;
  params: Record<string, unknown>;
}

/** A judge call's result, with the judge that answered (or was asked) when known. */
export type JudgeResult = ProviderResult & { judge?: JudgeRecord };

/** A JS grader from the config's `graders`. May return a boolean, a score, or a full result. */
export type JsGraderFunction = (
  output: string,
  context: { vars: Record<string, unknown>; value?: unknown; prompt: { id: string; version: string }; model: string },
) => GradeResult | boolean | number | Promise<GradeResult | boolean | number>;

export interface GraderContext {
  vars: Record<string, unknown>;
  prompt: { id: string; version: string; outputFormat?: 'json' | 'text'; outputSchema?: unknown };
  /** The config's model name the output came from. */
  model: string;
  latencyMs?: number;
  costUsd?: number;
  /** Calls the configured judge model (rubric); absent when no judge is configured. */
  judge?: (messages: Message[], signal?: AbortSignal) => Promise<JudgeResult>;
  /** Secret that makes the judge's nonces deterministic per question (so judge calls can be cached). */
  judgeSecret?: string;
  graders: Record<string, JsGraderFunction>;
  /** Project root, for resolving schema paths. */
  rootDir: string;
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
