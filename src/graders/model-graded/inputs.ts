import type { CheckProblem } from '../definition.js';
import type { GraderContext } from '../types.js';
import { GraderError } from '../grader-error.js';

/**
 * The prompt the output answers, as text (promptfoo's `prompt`, the rendered prompt): the one
 * message's content, or each message as `role: content`, separated by blank lines.
 */
export function promptText(context: GraderContext, type: string): string {
  const messages = context.messages ?? [];
  if (messages.length === 0) throw new GraderError(`${type} needs the rendered prompt, and this output has none`);
  if (messages.length === 1) return messages[0].content;
  return messages.map((message) => `${message.role}: ${message.content}`).join('\n\n');
}

/** The case's `query` variable (promptfoo's RAG types read the user's question from it). */
export function queryOf(vars: Record<string, unknown>, type: string): string {
  const problem = queryProblem(vars, type);
  if (problem) throw new GraderError(problem.why);
  return vars.query as string;
}

export function queryProblem(vars: Record<string, unknown>, type: string): CheckProblem | undefined {
  const { query } = vars;
  if (typeof query === 'string' && query !== '') return undefined;
  return { why: `${type} needs a "query" variable with the user's question`, hint: 'add a query column (CSV) or "query" in vars (JSONL)' };
}

/** A RAG context: one text, or chunks. */
export type RagContext = string | string[];

/**
 * The case's `context` variable as promptfoo's resolveContext reads it: a non-empty string, or a
 * non-empty array of non-empty strings; without one, `fallback` (context-recall: the prompt).
 */
export function contextOf(vars: Record<string, unknown>, type: string, fallback?: () => string): RagContext {
  const problem = contextProblem(vars, type, fallback !== undefined);
  if (problem) throw new GraderError(problem.why);
  if (isBlank(vars.context)) return fallback!();
  return vars.context as RagContext;
}

export function contextProblem(vars: Record<string, unknown>, type: string, hasFallback: boolean): CheckProblem | undefined {
  const { context } = vars;
  if (isBlank(context)) {
    if (hasFallback) return undefined;
    return { why: `${type} needs a "context" variable (a text, or a list of texts)`, hint: 'add a context column (CSV) or "context" in vars (JSONL)' };
  }
  if (typeof context === 'string') return undefined;
  if (Array.isArray(context) && context.length > 0 && context.every((chunk) => typeof chunk === 'string' && chunk !== '')) return undefined;
  return { why: `${type}: the "context" variable must be a text or a non-empty list of non-empty texts`, hint: 'give context as a string, or a JSON array of strings' };
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Chunks joined by blank lines, for the judge (promptfoo's serializeContext). */
export function serializeContext(context: RagContext): string {
  return Array.isArray(context) ? context.join('\n\n') : context;
}

/** Non-empty lines (promptfoo's splitIntoSentences). */
export function splitLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

const ENUMERATION_MARKER_ONLY = /^\d+[.)]$/;

/**
 * Units for sentence-level scores (promptfoo's splitTextIntoSentences): text of two or more
 * non-empty lines is one unit a line; one block of prose is split after `.`, `!` or `?`. Units
 * that are only a list marker (`1.`) are dropped.
 */
export function splitSentences(text: string): string[] {
  const lines = splitLines(text);
  return (lines.length > 1 ? lines : text.split(/(?<=[.!?])\s+/))
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0 && !ENUMERATION_MARKER_ONLY.test(sentence));
}

/** A list of non-empty strings in a judge reply, or undefined when the field is not one. */
export function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return undefined;
  return (value as string[]).map((item) => item.trim()).filter((item) => item !== '');
}

/** promptfoo compares scores with a threshold allowing for float noise. */
export function reaches(score: number, threshold: number): boolean {
  return score >= threshold - Number.EPSILON;
}

/** A score for the record: finite and in 0..1. */
export function clampScore(score: number): number {
  return Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0;
}
