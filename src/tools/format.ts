/**
 * How every report writes a tool call and an answer (issue 17): the console, summary.md, junit.xml,
 * the GitHub annotations, results.csv and report.html (whose browser script bundles this module)
 * all call these, so a call reads `refund({"amount":100})` everywhere. Plain text, still untrusted
 * (tool names, arguments and refusals are model output): callers escape it for their format.
 * No Node imports: the browser script of report.html imports this file.
 */
import { shorten } from '../util/text.js';
import type { ToolCall } from './types.js';

/** Characters of a call's arguments shown before they are cut with `…`. */
export const MAX_ARGUMENTS_SHOWN = 300;
/** Tool calls of one answer shown before `… and N more tool calls`. */
export const MAX_CALLS_SHOWN = 20;

/** The parts of an answer reports show: its text, the tools it called, whether it refused. */
export interface Answer {
  output: string | null;
  toolCalls?: ToolCall[];
  refusal?: string;
}

/** A value as compact JSON (`{"amount":100}`); what JSON cannot write (`undefined`, a cycle) as text. */
export function compactJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}

/**
 * The arguments of a call as reports show them: compact JSON of the parse, or, when the model
 * sent text that is not a JSON object (`argumentsError`), that text as it came, marked `invalid JSON:`.
 */
export function formatToolArguments(call: ToolCall, max = MAX_ARGUMENTS_SHOWN): string {
  if (call.arguments !== undefined) return shorten(compactJson(call.arguments), max);
  return `${call.argumentsError !== undefined ? 'invalid JSON: ' : ''}${shorten(call.rawArguments, max)}`;
}

/** One tool call: `refund({"amount":100})`. */
export function formatToolCall(call: ToolCall, max = MAX_ARGUMENTS_SHOWN): string {
  return `${call.name}(${formatToolArguments(call, max)})`;
}

/** A tool call as a line of an answer: `→ refund({"amount":100})`. */
export function formatToolCallLine(call: ToolCall, max = MAX_ARGUMENTS_SHOWN): string {
  return `→ ${formatToolCall(call, max)}`;
}

/** A refusal: `(refused: I can't help with that)`. */
export function formatRefusal(refusal: string): string {
  return refusal.trim() === '' ? '(refused)' : `(refused: ${refusal})`;
}

/**
 * An answer as every report shows it, one part a line: its text (when not empty), then
 * `→ refund({"amount":100})` per tool call, then `(refused: …)`. An answer that only called tools
 * or refused is never shown as an empty string. Null when there is no answer (the call errored).
 */
export function formatAnswer(answer: Answer): string | null {
  if (answer.output === null) return null;
  const parts: string[] = [];
  if (answer.output !== '') parts.push(answer.output);
  const calls = answer.toolCalls ?? [];
  for (const call of calls.slice(0, MAX_CALLS_SHOWN)) parts.push(formatToolCallLine(call));
  if (calls.length > MAX_CALLS_SHOWN) parts.push(`… and ${calls.length - MAX_CALLS_SHOWN} more tool calls`);
  if (answer.refusal !== undefined) parts.push(formatRefusal(answer.refusal));
  return parts.join('\n');
}
