import type { Assertion } from '../cases/types.js';
import type { Grader } from './types.js';

/** What a definition's `parse` gets: the spec's parts, and a way to fail naming the spec's file and line. */
export interface ParseInput {
  /** The value after `:` (trimmed) or the object form's `value`; undefined when none was given. */
  value: unknown;
  /** The `(n)` part or the object form's `threshold`. */
  threshold?: number;
  /** Throws GRADER_INVALID at the spec's source (exit 2 at `check`, before any model call). */
  fail: (message: string, hint?: string) => Error;
}

/**
 * One grader type as the spec language knows it: its names, whether it needs a value, how a value
 * is checked at load time, and the grader. Each grader module exports its definitions; catalog.ts
 * lists them all, and the spec parser, the registry and `check` read only the catalog.
 */
export interface GraderDefinition {
  /** The type run.json records (`llm-rubric`'s is `rubric`). */
  readonly type: string;
  /** Other names that mean this type (promptfoo's, legacy ones). */
  readonly aliases?: readonly string[];
  /**
   * `required`: a spec without a value is refused (a bare `contains` cell reads as the answer "contains");
   * `optional`: `is-json` and `is-json:<schema>`; `none`: a value is ignored.
   */
  readonly value: 'required' | 'optional' | 'none';
  /**
   * Whether the bare name alone (`is-json`, `moderation`) in a CSV cell is this type, as in
   * promptfoo. When false, a bare cell equal to the name is an exact-match answer.
   */
  readonly bare?: boolean;
  /**
   * The threshold promptfoo's `assertionFromString` gives a CSV cell / spec string written without
   * `(n)` (`levenshtein:x` gets 0.75 there, while a YAML `levenshtein` without one gets the
   * handler's 5). Undefined: the grader's own default applies to both forms.
   */
  readonly cellThreshold?: number;
  /** Checks and converts the value (and threshold) at load time; throws via `fail`. Default: value as given. */
  readonly parse?: (input: ParseInput) => { value?: unknown; threshold?: number };
  /**
   * `promptgate check`: what is wrong with this assertion without calling any model (a schema that
   * does not compile, no judge configured, an unknown JS grader), or undefined. A GraderError thrown
   * here is a problem too.
   */
  readonly check?: (assertion: Assertion, context: CheckContext) => Promise<CheckProblem | undefined> | CheckProblem | undefined;
  readonly grade: Grader;
}

/** What `check` knows about the project. */
export interface CheckContext {
  /** The config's `graders` (names of JS graders). */
  graders: Record<string, unknown>;
  rootDir: string;
  /** Whether the config names a judge model (for model-graded types). */
  hasJudge: boolean;
}

/** Why an assertion cannot run, with a hint for the one-line error. */
export interface CheckProblem {
  why: string;
  hint?: string;
}

/** A threshold a score 0..1 is compared with must be in 0..1. */
export function checkUnitThreshold(threshold: number | undefined): CheckProblem | undefined {
  return threshold !== undefined && (threshold < 0 || threshold > 1) ? { why: `the threshold ${threshold} is outside 0..1` } : undefined;
}
