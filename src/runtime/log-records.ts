import type { CallRecord } from '../run-record/types.js';

/** The fields of a calls.jsonl line that reading a log relies on. */
export type LoggedRecord = Pick<CallRecord, 'promptId' | 'promptVersion' | 'promptHash' | 'vars' | 'output' | 'error' | 'startedAt' | 'modelReported' | 'purpose'>;

/**
 * A calls.jsonl line checked for the fields promptgate reads from it (log lines are untrusted
 * input: another tool or a hand edit may have written them). Undefined when it does not qualify:
 * not an object, no prompt id, variables that are not an object, or a judge call (its prompt is
 * the grader's, not the app's).
 */
export function asLoggedRecord(value: unknown): LoggedRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.promptId !== 'string' || r.promptId === '') return undefined;
  if (r.purpose === 'judge') return undefined;
  const vars = r.vars ?? {};
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) return undefined;
  const error = r.error;
  return {
    promptId: r.promptId,
    promptVersion: typeof r.promptVersion === 'string' ? r.promptVersion : '',
    promptHash: typeof r.promptHash === 'string' ? r.promptHash : '',
    vars: vars as Record<string, unknown>,
    output: typeof r.output === 'string' ? r.output : null,
    error: typeof error === 'object' && error !== null ? (error as CallRecord['error']) : null,
    startedAt: typeof r.startedAt === 'string' ? r.startedAt : '',
    modelReported: typeof r.modelReported === 'string' ? r.modelReported : null,
    purpose: (typeof r.purpose === 'string' ? r.purpose : 'production') as CallRecord['purpose'],
  };
}

/** Milliseconds of an ISO time, or -Infinity when it does not parse (sorts first). */
export function timeOf(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? -Infinity : t;
}
