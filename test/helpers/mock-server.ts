/**
 * The core shared by the local LLM API servers (`openai-server.ts`, `anthropic-server.ts`): a
 * `node:http` server on 127.0.0.1 (random port) that reads a JSON request, asks the test's
 * `respond` callback what to do, and answers in the API's own dialect, or injects a fault.
 * It counts requests in flight (also those the client aborted) and never keeps a test alive:
 * `close()` destroys open sockets, hanging requests included.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo, Socket } from 'node:net';
import {
  defaultEmbeddingRespond, defaultModerationRespond, echoRespond, type ContentReply, type EmbeddingReply, type FaultReply,
  type IncomingChat, type IncomingInput, type ModerationReply, type Reply, type Respond, type RespondEmbeddings,
  type RespondModerations,
} from './mock-replies.js';

export { bagOfWordsEmbedding, echoRespond, estimateUsage, lastUser, textOf } from './mock-replies.js';
export type {
  ContentReply, EmbeddingReply, FaultReply, IncomingChat, IncomingInput, MockToolCall, ModerationReply, Reply, Respond, RespondEmbeddings,
  RespondModerations,
} from './mock-replies.js';

export interface MockServerOptions {
  /** What to answer. @default `{ content: 'echo: <last user message>' }` */
  respond?: Respond;
  /** What `/v1/embeddings` answers (OpenAI server). @default `bagOfWordsEmbedding(input)` */
  respondEmbeddings?: RespondEmbeddings;
  /** What `/v1/moderations` answers (OpenAI server). @default nothing flagged */
  respondModerations?: RespondModerations;
}

export interface RecordedRequest {
  /** `Date.now()` when the request body had arrived. */
  time: number;
  index: number;
  path: string;
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface MockServer {
  /** Base URL to give the SDK as `baseURL`. */
  readonly url: string;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly port: number;
  /** Requests received and not yet answered or abandoned by the client. */
  readonly inFlight: number;
  /** Highest `inFlight` seen since start or `reset()`. */
  readonly maxInFlight: number;
  /** Requests received (with a valid JSON body) since start or `reset()`. */
  readonly count: number;
  readonly requests: RecordedRequest[];
  /** Errors thrown by `respond` (each was answered with a 500). */
  readonly respondErrors: unknown[];
  /** Replaces the `respond` callback. */
  setRespond(respond: Respond): void;
  /** Replaces the `respondEmbeddings` / `respondModerations` callbacks. */
  setRespondEmbeddings(respond: RespondEmbeddings): void;
  setRespondModerations(respond: RespondModerations): void;
  /** Clears `requests`, `count`, `respondErrors`; `maxInFlight` restarts at the current `inFlight`. */
  reset(): void;
  /** Resolves when no request is in flight. */
  whenIdle(): Promise<void>;
  /** Resolves when `count` reaches `n`. */
  waitForRequests(n: number): Promise<void>;
  /** Stops the server and destroys every open socket. Idempotent. */
  close(): Promise<void>;
}

/** How one API shapes its bodies; see openai-server.ts and anthropic-server.ts. */
export interface Dialect {
  /** Request paths served (POST). */
  paths: string[];
  /** Appended to the origin to form `url`. */
  urlSuffix: string;
  /** A problem with a parsed request the real API would reject with 400, or undefined. */
  validate(body: Record<string, unknown>): string | undefined;
  success(request: IncomingChat, reply: ContentReply): unknown;
  refusal(request: IncomingChat, message: string): unknown;
  emptyChoices(request: IncomingChat): unknown;
  errorBody(status: number, message: string): unknown;
  /** Other endpoints served (POST), by path: OpenAI's embeddings and moderations. */
  endpoints?: Record<string, EndpointDialect>;
  /** Routes served before all of those, any method (the Anthropic Batch API: anthropic-server.ts). */
  routes?: Route[];
}

/**
 * A route of its own: `handle` answers it whole (with `request.json` / `request.raw`). Its
 * requests count in `inFlight` (so `whenIdle` waits for them) but not in `count` / `requests`.
 */
export interface Route {
  method: 'GET' | 'POST';
  /** Matched against the path; its groups are in `request.match`. */
  path: RegExp;
  handle(request: RouteRequest): Promise<void> | void;
}

export interface RouteRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  match: RegExpExecArray;
  /** The parsed JSON body (POST); undefined for GET or a body that is not a JSON object. */
  body: Record<string, unknown> | undefined;
  /** The body as received, as text (a body that is not JSON: OpenAI's multipart file upload). */
  text: string;
  /** The server's current `respond` (as `setRespond` left it). */
  respond: Respond;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  raw(status: number, text: string, type: string, headers?: Record<string, string>): void;
}

/** An endpoint besides chat: its requests carry an `input`, its answers come from its own callback. */
export interface EndpointDialect {
  kind: 'embeddings' | 'moderations';
  validate(body: Record<string, unknown>): string | undefined;
  success(request: IncomingInput, reply: EmbeddingReply | ModerationReply): unknown;
}

type Stats = { inFlight: number; maxInFlight: number; count: number };

/** Starts a server speaking `dialect`. Prefer `startOpenAIServer` / `startAnthropicServer`. */
export async function startMockServer(dialect: Dialect, options: MockServerOptions = {}): Promise<MockServer> {
  let respond: Respond = options.respond ?? echoRespond;
  let respondEmbeddings: RespondEmbeddings = options.respondEmbeddings ?? defaultEmbeddingRespond;
  let respondModerations: RespondModerations = options.respondModerations ?? defaultModerationRespond;
  const stats: Stats = { inFlight: 0, maxInFlight: 0, count: 0 };
  let requests: RecordedRequest[] = [];
  let respondErrors: unknown[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  let idleWaiters: Array<() => void> = [];
  let countWaiters: Array<{ n: number; resolve: () => void }> = [];
  let closed: Promise<void> | undefined;

  const notify = () => {
    if (stats.inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    countWaiters = countWaiters.filter((waiter) => {
      if (stats.count < waiter.n) return true;
      waiter.resolve();
      return false;
    });
  };

  /** Waits `ms`, or less when the client goes away or the server closes. */
  const sleep = (ms: number, res: http.ServerResponse) =>
    new Promise<void>((resolve) => {
      const entry = { timer: setTimeout(() => finish(), ms), done: () => finish() };
      function finish() {
        clearTimeout(entry.timer);
        timers.delete(entry);
        res.off('close', finish);
        resolve();
      }
      timers.add(entry);
      res.once('close', finish);
    });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    for (const route of dialect.routes ?? []) {
      const match = req.method === route.method ? route.path.exec(url.pathname) : null;
      if (!match) continue;
      track(res);
      void handleRoute(route, match, req, res).catch((error: unknown) => fail(error, res));
      return;
    }
    if (req.method !== 'POST' || !(dialect.paths.includes(url.pathname) || dialect.endpoints?.[url.pathname])) {
      sendJson(res, 404, dialect.errorBody(404, `mock server: no route ${req.method} ${url.pathname}`));
      return;
    }
    track(res);
    void handle(req, res, url.pathname).catch((error: unknown) => fail(error, res));
  });

  /** Counts `res` in flight until it is answered or its client goes away. */
  function track(res: http.ServerResponse): void {
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      stats.inFlight -= 1;
      notify();
    };
    res.on('close', settle);
    res.on('finish', settle);
  }

  function fail(error: unknown, res: http.ServerResponse): void {
    respondErrors.push(error);
    if (!res.headersSent && !res.destroyed) sendJson(res, 500, dialect.errorBody(500, `mock server error: ${String(error)}`));
    else res.destroy();
  }

  async function handleRoute(route: Route, match: RegExpExecArray, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === undefined) return;
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = raw ? JSON.parse(raw) : undefined;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    await route.handle({
      req, res, match, body, text: raw, respond, origin,
      json: (status, value, headers) => sendJson(res, status, value, headers),
      raw: (status, text, type, headers) => sendRaw(res, status, text, type, headers),
    });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
    const raw = await readBody(req);
    if (raw === undefined) return; // the client left before sending its whole body
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      sendJson(res, 400, dialect.errorBody(400, 'mock server: request body is not JSON'));
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      sendJson(res, 400, dialect.errorBody(400, 'mock server: request body is not a JSON object'));
      return;
    }
    const record = body as Record<string, unknown>;
    const incoming: IncomingChat = {
      model: typeof record.model === 'string' ? record.model : '',
      messages: Array.isArray(record.messages) ? (record.messages as IncomingChat['messages']) : [],
      body: record,
      headers: req.headers,
      index: stats.count,
    };
    requests.push({ time: Date.now(), index: incoming.index, path: pathname, model: incoming.model, messages: incoming.messages, headers: req.headers, body: record });
    stats.count += 1;
    notify();
    const endpoint = dialect.endpoints?.[pathname];
    const problem = endpoint ? endpoint.validate(record) : dialect.validate(record);
    if (problem) {
      sendJson(res, 400, dialect.errorBody(400, problem));
      return;
    }
    let reply: Reply | EmbeddingReply | ModerationReply;
    const input: IncomingInput = { ...incoming, input: typeof record.input === 'string' ? record.input : JSON.stringify(record.input ?? '') };
    try {
      if (!endpoint) reply = await respond(incoming);
      else if (endpoint.kind === 'embeddings') reply = await respondEmbeddings(input);
      else reply = await respondModerations(input);
    } catch (error) {
      respondErrors.push(error);
      sendJson(res, 500, dialect.errorBody(500, `mock respond() threw: ${String(error)}`));
      return;
    }
    if ('fault' in reply && reply.fault === 'hang') return; // settles when the client goes away
    if (reply.delayMs && reply.delayMs > 0) await sleep(reply.delayMs, res);
    if (res.destroyed || res.writableEnded) return;
    if (endpoint) {
      const answer = reply as EmbeddingReply | ModerationReply | FaultReply;
      const fallback = endpoint.kind === 'embeddings' ? defaultEmbeddingRespond(input) : defaultModerationRespond();
      writeReply(res, incoming, 'fault' in answer ? answer : { ok: answer }, (body) => endpoint.success(input, body ?? fallback));
    } else {
      const chat = reply as Reply;
      writeReply(res, incoming, 'fault' in chat ? chat : { ok: chat }, (body) => dialect.success(incoming, (body as ContentReply | undefined) ?? { content: 'this answer is cut off by a reset' }));
    }
  }

  /** Writes a success (`ok`, through `success`) or injects a fault; a `reset` sends half of `success()`'s default body. */
  function writeReply<T>(res: http.ServerResponse, incoming: IncomingChat, reply: { ok: T } | FaultReply, success: (reply?: T) => unknown): void {
    if (!('fault' in reply)) {
      sendJson(res, 200, success(reply.ok));
      return;
    }
    switch (reply.fault) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
        if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
        sendJson(res, reply.status, reply.body ?? dialect.errorBody(reply.status, `mock fault: status ${reply.status}`), headers);
        return;
      }
      case 'reset': {
        const text = JSON.stringify(success());
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
        return;
      }
      case 'malformed':
        sendRaw(res, 200, '{"id": "broken", "choices": [{"message": {"content": "unterminated', 'application/json');
        return;
      case 'empty-choices':
        sendJson(res, 200, dialect.emptyChoices(incoming));
        return;
      case 'refusal':
        sendJson(res, 200, dialect.refusal(incoming, reply.message ?? "I'm sorry, I can't help with that."));
        return;
      case 'gzip-bomb': {
        const body = gzipBomb(reply.inflatedBytes ?? DEFAULT_BOMB_BYTES);
        if (res.destroyed || res.writableEnded) return;
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
        res.end(body);
        return;
      }
      default:
        throw new Error(`mock server: unknown fault ${JSON.stringify(reply)}`);
    }
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: origin + dialect.urlSuffix,
    origin,
    port,
    get inFlight() { return stats.inFlight; },
    get maxInFlight() { return stats.maxInFlight; },
    get count() { return stats.count; },
    get requests() { return requests; },
    get respondErrors() { return respondErrors; },
    setRespond(next: Respond) { respond = next; },
    setRespondEmbeddings(next: RespondEmbeddings) { respondEmbeddings = next; },
    setRespondModerations(next: RespondModerations) { respondModerations = next; },
    reset() {
      requests = [];
      respondErrors = [];
      stats.count = 0;
      stats.maxInFlight = stats.inFlight;
    },
    whenIdle() {
      return stats.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    waitForRequests(n: number) {
      return stats.count >= n ? Promise.resolve() : new Promise<void>((resolve) => countWaiters.push({ n, resolve }));
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const entry of [...timers]) entry.done();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** The request body, or undefined when the client went away first. */
function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(undefined));
    req.on('close', () => resolve(undefined)); // no-op after 'end'
  });
}

/** 64 MiB inflated (about 64 KB on the wire): twice promptgate's default response cap. */
const DEFAULT_BOMB_BYTES = 64 * 1024 * 1024;
const bombs = new Map<number, Buffer>();

/**
 * A gzip body that inflates to `bytes` spaces: one gzip member of 1 MiB of spaces (about 1 KB),
 * repeated (gzip allows concatenated members, and decoders join them), so it costs nothing to make.
 */
function gzipBomb(bytes: number): Buffer {
  let body = bombs.get(bytes);
  if (!body) {
    const mib = 1024 * 1024;
    const whole = zlib.gzipSync(Buffer.alloc(mib, 32), { level: 9 });
    const parts = Array.from({ length: Math.floor(bytes / mib) }, () => whole);
    if (bytes % mib) parts.push(zlib.gzipSync(Buffer.alloc(bytes % mib, 32)));
    bombs.set(bytes, (body = Buffer.concat(parts)));
  }
  return body;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (typeof body === 'string') sendRaw(res, status, body, 'application/json', headers);
  else sendRaw(res, status, JSON.stringify(body), 'application/json', headers);
}

function sendRaw(res: http.ServerResponse, status: number, text: string, type: string, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
