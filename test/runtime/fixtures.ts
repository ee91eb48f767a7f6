import { readFile } from 'node:fs/promises';
import type { CallRecord } from '../../src/run-record/types.js';

/** A `.prompt` file: system + user messages, strict variable `text`. */
export function summarizeSource(version: string, config = 'temperature: 0.2\n  maxOutputTokens: 64', body = 'Summarize in one line: {{text}}'): string {
  return `---\nversion: ${version}\nmodel: gpt-4o-mini\nconfig:\n  ${config}\n---\n{{role "system"}}\nYou are terse.\n{{role "user"}}\n${body}\n`;
}

/** The records of a calls.jsonl file. */
export async function readRecords(file: string): Promise<CallRecord[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as CallRecord);
}

/** Collects callback values; `next()` resolves with the next one (already queued or still to come). */
export function eventQueue<T>(): { push: (value: T) => void; next: (timeoutMs?: number) => Promise<T>; readonly seen: T[] } {
  const queued: T[] = [];
  const seen: T[] = [];
  const waiting: Array<(value: T) => void> = [];
  return {
    seen,
    push(value) {
      seen.push(value);
      const waiter = waiting.shift();
      if (waiter) waiter(value);
      else queued.push(value);
    },
    next(timeoutMs = 10_000) {
      if (queued.length > 0) return Promise.resolve(queued.shift()!);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((value) => {
          clearTimeout(timer);
          resolve(value);
        });
      });
    },
  };
}
