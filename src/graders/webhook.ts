import type { CheckProblem, GraderDefinition } from './definition.js';
import type { Grader } from './types.js';
import { graderTimeoutMs, promptText } from './code-context.js';
import { GraderError } from './grader-error.js';
import { requireText } from './values.js';

/** promptfoo's default (its WEBHOOK_TIMEOUT); PROMPTGATE_GRADER_TIMEOUT_MS overrides it. */
const DEFAULT_TIMEOUT_MS = 5000;
/** A grading answer is small: a larger body is a fault, not something to buffer. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `webhook:<url>`: POSTs `{output, context: {prompt, vars}}` as JSON to the URL, as promptfoo does,
 * and reads the answer's `{pass, score?, reason?}`. `pass` must be a boolean (promptfoo passes an
 * answer without one); `score` defaults to 1 / 0 and is clamped into 0..1; the threshold is
 * ignored, as in promptfoo. Any fault (unreachable, a timeout, a status that is not 2xx, a body that
 * is not such JSON) is a GraderError: no verdict, never a pass.
 */
const webhook: Grader = async (output, assertion, context) => {
  const url = parseUrl(requireText(assertion).trim());
  if (!url) throw new GraderError('webhook needs an http(s) URL');
  const where = `${url.origin}${url.pathname}`;
  const timeoutMs = graderTimeoutMs(context.env, DEFAULT_TIMEOUT_MS);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = context.signal ? AbortSignal.any([timeout, context.signal]) : timeout;
  let text: string;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ output, context: { prompt: promptText(context), vars: context.vars } }),
      signal,
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      throw new GraderError(`webhook ${where} answered HTTP ${response.status}`);
    }
    text = await readLimited(response, where);
  } catch (error) {
    if (error instanceof GraderError) throw error;
    if (timeout.aborted) throw new GraderError(`webhook ${where} did not answer within ${timeoutMs} ms`);
    if (context.signal?.aborted) throw new GraderError(`webhook ${where}: interrupted`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new GraderError(`webhook ${where} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new GraderError(`webhook ${where} answered with a body that is not JSON`);
  }
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) throw new GraderError(`webhook ${where} answered with JSON that is not an object`);
  const { pass, score, reason } = answer as Record<string, unknown>;
  if (typeof pass !== 'boolean') throw new GraderError(`webhook ${where} answered without a boolean "pass"`);
  if (score !== undefined && (typeof score !== 'number' || !Number.isFinite(score))) throw new GraderError(`webhook ${where} answered a "score" that is not a number`);
  return {
    pass,
    score: score === undefined ? (pass ? 1 : 0) : Math.min(1, Math.max(0, score)),
    reason: typeof reason === 'string' && reason !== '' ? reason : `webhook returned ${pass}`,
  };
};

async function readLimited(response: Response, where: string): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new GraderError(`webhook ${where} answered with more than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function checkWebhook(value: string): CheckProblem | undefined {
  return parseUrl(value.trim()) ? undefined : { why: `'${value}' is not an http(s) URL`, hint: 'webhook:https://host/path' };
}

export const webhookDefinitions: readonly GraderDefinition[] = [
  {
    type: 'webhook',
    value: 'required',
    grade: webhook,
    check: (assertion) => checkWebhook(requireText(assertion)),
  },
];
