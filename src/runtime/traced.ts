import { inputError } from '../errors.js';
import { isRecord } from '../providers/shape.js';
import { requestExtrasOf } from '../tools/request.js';
import { withSystemFirst } from './conversation.js';
import { identityOf, withoutIdentity } from './identity.js';
import { buildCallRecord } from './record.js';
import { callErrorOf, loggedParams, readResponse, requestMessages, secretsOf, type Api } from './response.js';
import { createRecordWriter, logErrorReporter, type CallLogOptions } from './sink.js';
import { readRequestTools } from './wire-tools.js';

/** Which methods are wrapped: a path of property names ending in the API the call speaks. */
type Trie = { [name: string]: Trie | Api };

const OPENAI_PATH: Trie = { chat: { completions: { create: 'openai' } } };
const ANTHROPIC_PATH: Trie = { messages: { create: 'anthropic' } };

/**
 * Wraps an `openai` client (`chat.completions.create`) or an `@anthropic-ai/sdk` client
 * (`messages.create`) so every call is logged as one calls.jsonl record: the prompt id, version
 * and hash carried by params from `prompt.openai(vars)` / `prompt.anthropic(vars)`, the model
 * requested and reported, the variables (through `redact`), the tools, tool choice and structured
 * output asked for, the answer's tool calls and refusal, latency, tokens and errors. The
 * identity is stripped before the SDK sees the params; the SDK's result is returned unchanged
 * (the same promise object, so `.withResponse()` still works) and its errors are rethrown.
 * Logging never throws into the call. No SDK is imported: the client is duck-typed.
 */
export function traced<T extends object>(client: T, options: CallLogOptions): T {
  if (typeof client !== 'object' || client === null) {
    throw inputError('USAGE', 'traced(client, options) needs an openai or @anthropic-ai/sdk client object');
  }
  const trie: Trie = {};
  if (hasFunction(client, ['chat', 'completions', 'create'])) Object.assign(trie, OPENAI_PATH);
  if (hasFunction(client, ['messages', 'create'])) Object.assign(trie, ANTHROPIC_PATH);
  if (Object.keys(trie).length === 0) {
    throw inputError('USAGE', 'traced() wraps an openai client (chat.completions.create) or an @anthropic-ai/sdk client (messages.create); log other clients with logCall()');
  }
  const report = logErrorReporter(options);
  const write = createRecordWriter(options, report);
  const secrets = secretsOf(client);

  const wrapCreate = (create: (...args: unknown[]) => unknown, owner: object, api: Api) =>
    function tracedCreate(...args: unknown[]): unknown {
      const [params, requestOptions] = args;
      const startedAt = new Date();
      const start = performance.now();
      const identity = identityOf(params);
      const clean = isRecord(params) ? withoutIdentity(params) : params;
      const finish = (response: unknown, error: unknown, failed: boolean) => {
        try {
          const body = isRecord(clean) ? clean : {};
          const signal = isRecord(requestOptions) && requestOptions.signal instanceof AbortSignal ? requestOptions.signal : undefined;
          const declared = identity?.prompt ? requestExtrasOf(identity.prompt) : undefined;
          const { rest, answerTool, ...asked } = readRequestTools(api, loggedParams(body), declared);
          const facts = failed ? { output: null, finishReason: null, usage: null, modelReported: null } : readResponse(api, response, answerTool);
          write(buildCallRecord({
            identity,
            provider: api,
            modelRequested: typeof body.model === 'string' ? body.model : '',
            params: rest,
            messages: requestMessages(api, body),
            ...(identity?.messages && { template: api === 'anthropic' ? withSystemFirst([...identity.messages]) : identity.messages }),
            ...asked,
            ...facts,
            latencyMs: performance.now() - start,
            error: failed ? callErrorOf(error, api, client, signal, secrets) : null,
            startedAt,
          }, options, report));
        } catch (logError) {
          report(logError);
        }
      };
      let result: unknown;
      try {
        result = Reflect.apply(create, owner, [clean, ...args.slice(1)]);
      } catch (error) {
        finish(undefined, error, true);
        throw error;
      }
      if (isThenable(result)) {
        // Registered before the caller's own `await`, so the record is written first.
        result.then((response) => finish(response, undefined, false), (error: unknown) => finish(undefined, error, true));
        return result;
      }
      finish(result, undefined, false);
      return result;
    };

  return wrapNode(client, trie, wrapCreate) as T;
}

/**
 * A proxy over `target` that swaps the methods the trie names and proxies the objects on the way
 * there. Other members are read from the real object, and its methods are bound to it (SDK
 * clients use private fields, which a proxy receiver cannot reach).
 */
function wrapNode(target: object, node: Trie, wrapCreate: (create: (...args: unknown[]) => unknown, owner: object, api: Api) => unknown): object {
  const made = new Map<PropertyKey, { from: unknown; value: unknown }>();
  const remember = (prop: PropertyKey, from: unknown, build: () => unknown) => {
    const known = made.get(prop);
    if (known && known.from === from) return known.value;
    const value = build();
    made.set(prop, { from, value });
    return value;
  };
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      const own = Object.getOwnPropertyDescriptor(obj, prop);
      if (own && !own.configurable && !own.writable) return value; // a proxy must report such values as they are
      const child = typeof prop === 'string' && Object.hasOwn(node, prop) ? node[prop] : undefined;
      if (typeof child === 'string' && typeof value === 'function') {
        return remember(prop, value, () => wrapCreate(value as (...args: unknown[]) => unknown, obj, child));
      }
      if (child !== undefined && typeof child === 'object' && typeof value === 'object' && value !== null) {
        return remember(prop, value, () => wrapNode(value, child, wrapCreate));
      }
      if (typeof value === 'function' && !isClass(value)) return remember(prop, value, () => (value as (...a: unknown[]) => unknown).bind(obj));
      return value;
    },
  });
}

function hasFunction(root: object, path: string[]): boolean {
  let current: unknown = root;
  for (const name of path) {
    if ((typeof current !== 'object' && typeof current !== 'function') || current === null) return false;
    current = (current as Record<string, unknown>)[name];
  }
  return typeof current === 'function';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function isClass(fn: unknown): boolean {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}
