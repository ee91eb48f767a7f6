import type { CallRecord } from '../run-record/types.js';

/** The fields of a calls.jsonl line that reading a log relies on. */
export type LoggedRecord = Pick<CallRecord, 'promptId' | 'promptVersion' | 'promptHash' | 'vars' | 'output' | 'error' | 'startedAt' | 'modelReported' | 'purpose'> & {
  /** The registry label and store the version was served from; null for a prompt from files. */
  promptLabel: string | null;
  promptStore: string | null;
};

/**
 * A calls.jsonl line checked for the fields promptgate reads from it (log lines are untrusted
 * input: another tool or a hand edit may have written them). Undefined when it does not qualify:
 * not an object, no prompt id, variables that are not an object, or a grader's call (a judge, an
 * embeddings or moderation endpoint: not the app's prompt answering).
 */
export function asLoggedRecord(value: unknown): LoggedRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.promptId !== 'string' || r.promptId === '') return undefined;
  if (r.purpose === 'judge' || r.purpose === 'embedding' || r.purpose === 'moderation') return undefined;
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
    promptLabel: typeof r.promptLabel === 'string' && r.promptLabel !== '' ? r.promptLabel : null,
    promptStore: typeof r.promptStore === 'string' && r.promptStore !== '' ? r.promptStore : null,
  };
}

/** How many calls one prompt version served, how many errored, and the first and last one's time. */
export interface CallTally {
  calls: number;
  errors: number;
  firstAt: string;
  lastAt: string;
}

/** Counts `record` into `tally`. */
export function tallyCall(tally: CallTally, record: LoggedRecord): void {
  tally.calls++;
  if (record.error) tally.errors++;
  if (timeOf(record.startedAt) < timeOf(tally.firstAt)) tally.firstAt = record.startedAt;
  if (timeOf(record.startedAt) > timeOf(tally.lastAt)) tally.lastAt = record.startedAt;
}

/** Milliseconds of an ISO time, or -Infinity when it does not parse (sorts first). */
export function timeOf(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? -Infinity : t;
}
