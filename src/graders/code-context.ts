import { dirname, isAbsolute, resolve } from 'node:path';
import type { Assertion } from '../cases/types.js';
import type { GraderContext } from './types.js';

/**
 * What user code gets as `context`, as promptfoo passes it to `javascript`, `python` (and, its
 * `prompt` and `vars`, to `webhook`): the rendered prompt, the case's variables, the test case in
 * promptfoo's shape, the output's log probabilities, the provider's response, and the assertion's
 * `config`. Plain JSON (Python gets the same object, serialized).
 */
export interface ScriptContext {
  prompt: string;
  vars: Record<string, unknown>;
  test: {
    vars: Record<string, unknown>;
    assert: Array<{ type: string; value?: unknown; threshold?: number; weight?: number; metric?: string }>;
    description?: string;
    threshold?: number;
    metadata?: Record<string, string | string[]>;
    options: Record<string, unknown>;
  };
  logProbs?: number[];
  providerResponse: { output: string; cached: boolean; finishReason?: string; latencyMs?: number; cost?: number };
  config?: Record<string, unknown>;
}

export function scriptContext(output: string, assertion: Assertion, context: GraderContext): ScriptContext {
  const testCase = context.testCase;
  const test: ScriptContext['test'] = {
    vars: context.vars,
    assert: (testCase?.assertions ?? [assertion]).map((a) => ({
      type: `${a.negate ? 'not-' : ''}${a.type}`,
      ...(a.value !== undefined ? { value: a.value } : {}),
      ...(a.threshold !== undefined ? { threshold: a.threshold } : {}),
      ...(a.weight !== 1 ? { weight: a.weight } : {}),
      ...(a.metric !== undefined ? { metric: a.metric } : {}),
    })),
    options: {},
  };
  if (testCase?.description !== undefined) test.description = testCase.description;
  if (testCase?.threshold !== undefined) test.threshold = testCase.threshold;
  if (testCase && Object.keys(testCase.metadata).length > 0) test.metadata = testCase.metadata;
  const providerResponse: ScriptContext['providerResponse'] = { output, cached: context.cached ?? false };
  if (context.finishReason !== undefined) providerResponse.finishReason = context.finishReason;
  if (context.latencyMs !== undefined) providerResponse.latencyMs = context.latencyMs;
  if (context.costUsd !== undefined) providerResponse.cost = context.costUsd;
  return {
    prompt: promptText(context),
    vars: context.vars,
    test,
    ...(context.logprobs ? { logProbs: context.logprobs } : {}),
    providerResponse,
    ...(assertion.config ? { config: structuredClone(assertion.config) } : {}),
  };
}

/**
 * The rendered prompt as promptfoo's `context.prompt` holds it: the text of a prompt that is one
 * user message, else the messages as a JSON array (promptfoo's chat prompts are JSON).
 */
export function promptText(context: GraderContext): string {
  const messages = context.messages ?? [];
  if (messages.length === 1 && messages[0].role === 'user') return messages[0].content;
  return JSON.stringify(messages.map(({ role, content }) => ({ role, content })));
}

/** A `file://path[:function]` value: the path and the function named, if any. */
export interface FileReference {
  path: string;
  functionName?: string;
}

const JS_FILE = /^file:\/\/(.+?\.(?:js|cjs|mjs|ts|cts|mts))(?::([A-Za-z_$][\w$]*))?$/;
const PYTHON_FILE = /^file:\/\/(.+?\.py)(?::([A-Za-z_]\w*))?$/;

/** A `file://x.js|.ts[:function]` value (promptfoo's JavaScript and TypeScript extensions), else undefined. */
export function jsFileReference(value: string): FileReference | undefined {
  return reference(JS_FILE.exec(value));
}

/** A `file://x.py[:function]` value, else undefined. */
export function pythonFileReference(value: string): FileReference | undefined {
  return reference(PYTHON_FILE.exec(value));
}

function reference(match: RegExpExecArray | null): FileReference | undefined {
  if (!match) return undefined;
  return match[2] === undefined ? { path: match[1] } : { path: match[1], functionName: match[2] };
}

/** A code file's absolute path: relative paths are relative to the folder of the file the assertion was written in. */
export function resolveCodeFile(path: string, assertion: Assertion, rootDir: string): string {
  return isAbsolute(path) ? path : resolve(rootDir, dirname(assertion.source.file), path);
}

/** The timeout for user code and webhooks: PROMPTGATE_GRADER_TIMEOUT_MS when set, else `fallback`. */
export function graderTimeoutMs(env: NodeJS.ProcessEnv | undefined, fallback: number): number {
  const raw = (env ?? process.env).PROMPTGATE_GRADER_TIMEOUT_MS;
  const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
