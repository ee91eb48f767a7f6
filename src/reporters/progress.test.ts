import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createNoticeReporter } from './progress.js';

function lines(stream: PassThrough): string[] {
  return String(stream.read() ?? '').split('\n').filter(Boolean);
}

describe('notices without a bar (CI)', () => {
  it('prints a long or capped wait once per model while it lasts, and every stopped entry', () => {
    const stream = new PassThrough();
    const reporter = createNoticeReporter(stream);
    reporter.onNotice!({ kind: 'wait', id: 1, model: 'm', ms: 800, reason: '503 backoff' }); // short: silent
    reporter.onNotice!({ kind: 'wait', id: 2, model: 'm', ms: 60_000, requestedMs: 999_999_000, reason: '429 Retry-After' });
    reporter.onNotice!({ kind: 'wait', id: 3, model: 'm', ms: 60_000, requestedMs: 999_999_000, reason: '429 Retry-After' }); // m already said
    reporter.onNotice!({ kind: 'wait', id: 4, model: 'other', ms: 7_000, reason: '429 Retry-After' });
    reporter.onNotice!({ kind: 'wait-end', id: 2 });
    reporter.onNotice!({ kind: 'wait', id: 5, model: 'm', ms: 200, requestedMs: 5_000, reason: '429 Retry-After' });
    reporter.onNotice!({ kind: 'model-stopped', model: 'prod', message: "model entry 'prod' (openai x): 401 on its first 3 attempts\u001b[2J" });
    expect(lines(stream)).toEqual([
      'promptgate: waiting 60 s before retrying m: 429 Retry-After (the server asked for 999999 s; waits are capped by maxRetryWaitMs)',
      'promptgate: waiting 7 s before retrying other: 429 Retry-After',
      'promptgate: waiting 0.2 s before retrying m: 429 Retry-After (the server asked for 5 s; waits are capped by maxRetryWaitMs)',
      "promptgate: model entry 'prod' (openai x): 401 on its first 3 attempts\\x1b[2J",
    ]);
  });
});
