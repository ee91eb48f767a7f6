import { appendFile, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { ModelConfig } from '../config/types.js';
import { isPromptgateError } from '../errors.js';
import type { Message } from '../prompts/types.js';
import { abortedFailure, providerFailure } from './failure.js';
import {
  displayPath, formatReplayEntry, loadReplayFixture, replayFixturePath, replayKey, type ReplayEntry,
} from './replay-fixture.js';
import type { Provider, ProviderRequest, ProviderResult } from './types.js';
import { wrapProvider } from './wrap.js';

export { replayKey, replayFixturePath } from './replay-fixture.js';

/**
 * A provider answering from `<fixturesDir>/replay/<model name>.jsonl`, no network. The model name
 * is `config.replayOf`, else the config's model name. The file is read once, on the first call.
 * An entry answers with its output, tool calls and refusal. A message list (conversation turns and
 * their tool calls included) with no recorded answer is a `replay_missing` failure (not retryable).
 */
export function createReplayProvider(name: string, config: ModelConfig, fixturesDir: string): Provider {
  const file = replayFixturePath(fixturesDir, config.replayOf ?? name);
  let loaded: Promise<Map<string, ReplayEntry>> | undefined;

  return {
    name,
    kind: 'replay',
    model: config.model,
    async call(request: ProviderRequest, signal: AbortSignal): Promise<ProviderResult> {
      if (signal.aborted) return abortedFailure(signal);
      let entries: Map<string, ReplayEntry>;
      try {
        loaded ??= loadReplayFixture(file);
        entries = await loaded;
      } catch (error) {
        const message = isPromptgateError(error) ? error.format() : `cannot read ${displayPath(file)}: ${(error as Error).message}`;
        return providerFailure('provider_error', message, false);
      }
      const entry = entries.get(replayKey(request.messages));
      if (!entry) return missing(file, request.messages);
      const result: ProviderResult = { ok: true, output: entry.output };
      if (entry.toolCalls && entry.toolCalls.length > 0) result.toolCalls = entry.toolCalls.map((call) => ({ ...call }));
      if (entry.refusal !== undefined) result.refusal = entry.refusal;
      if (entry.modelReported !== undefined) result.modelReported = entry.modelReported;
      if (entry.usage !== undefined) result.usage = { ...entry.usage };
      return result;
    },
  };
}

function missing(file: string, messages: Message[]): ProviderResult {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const excerpt = lastUser.replace(/\s+/g, ' ').trim();
  const shown = excerpt.length > 60 ? `${excerpt.slice(0, 60)}…` : excerpt;
  return providerFailure(
    'replay_missing',
    `no recorded response in ${displayPath(file)} for the messages ending "${shown}" (record one with --record)`,
    false,
  );
}

/** Appends in flight per fixture file, so lines from concurrent calls never interleave. */
const appendChains = new Map<string, Promise<void>>();

/**
 * Wraps a real provider for `--record`: each successful call appends its answer (text, tool calls,
 * refusal) and the messages asked (tool turns included) to
 * `<fixturesDir>/replay/<model name>.jsonl` in the replay format (creating the folder), so a
 * `replay` model answers it later. Appends to one file are serialized. A failed write turns the
 * call into a `provider_error` failure: a recording run that silently records nothing is worse.
 * The Batch API is not offered (its answers would bypass the recorder): a `--batch` run with
 * `--record` makes normal calls.
 */
export function recordingProvider(inner: Provider, fixturesDir: string, modelName: string): Provider {
  const file = replayFixturePath(fixturesDir, modelName);
  return wrapProvider(inner, async (request, signal) => {
    const result = await inner.call(request, signal);
    if (!result.ok) return result;
    const line = formatReplayEntry({
      messages: request.messages,
      output: result.output,
      toolCalls: result.toolCalls,
      refusal: result.refusal,
      modelReported: result.modelReported,
      usage: result.usage,
    });
    try {
      await appendLine(file, line);
    } catch (error) {
      return providerFailure('provider_error', `cannot record to ${displayPath(file)}: ${(error as Error).message}`, false);
    }
    return result;
    // No batch transport: a recording run sends normal calls, so every answer passes through the recorder.
  }, { batch: undefined });
}

function appendLine(target: string, line: string): Promise<void> {
  const file = path.resolve(target);
  const previous = appendChains.get(file) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    await mkdir(path.dirname(file), { recursive: true });
    const separator = (await endsWithoutNewline(file)) ? '\n' : '';
    await appendFile(file, `${separator}${line}\n`, 'utf8');
  });
  appendChains.set(file, next);
  void next.finally(() => {
    if (appendChains.get(file) === next) appendChains.delete(file);
  }).catch(() => undefined);
  return next;
}

/** Whether a hand-edited file lacks its final newline (appending would glue two lines). */
async function endsWithoutNewline(file: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch {
    return false;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const buffer = Buffer.alloc(1);
    await handle.read(buffer, 0, 1, size - 1);
    return buffer[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
