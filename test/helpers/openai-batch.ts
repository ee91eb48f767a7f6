/**
 * The OpenAI Batch API endpoints of the local OpenAI server (openai-server.ts): POST /v1/files
 * (multipart upload, purpose `batch`), POST /v1/batches, GET /v1/batches (one page), GET /v1/batches/:id, POST
 * /v1/batches/:id/cancel, GET /v1/files/:id/content (routes of the mock core: mock-server.ts
 * `Dialect.routes`). Also served without the `/v1` prefix.
 *
 * A batch moves one state per poll (GET /v1/batches/:id): `validating` → `in_progress` →
 * `finalizing` → `completed`, each state answered `pollsPerState` times. Leaving `validating` it
 * checks the input file like the real API (JSON lines, unique `custom_id`s, `method` POST, `url`
 * the batch's endpoint, one model): a bad file fails the batch (`failed`, `errors.data`). Leaving
 * `in_progress` it answers every line with the server's `respond`, exactly as the chat endpoint
 * would answer the line's body (the same 400s too); then it writes the output file (2xx lines) and
 * the error file (error statuses, and the lines `lineFate` fails or lets expire).
 */
import type { Dialect, FaultReply, IncomingChat, Reply, Respond, Route, RouteRequest } from './mock-server.js';

/** The batch endpoints, as the fault and counter keys name them. */
export type BatchEndpoint = 'upload' | 'create' | 'list' | 'retrieve' | 'content' | 'cancel';

/** One line of a submitted batch, as `lineFate` sees it. */
export interface MockBatchLine {
  batchId: string;
  customId: string;
  /** The line's `body` (a chat request). */
  body: Record<string, unknown>;
}

/** A request to a batch endpoint, as `fault` sees it. `n` is 1-based: the n-th request to this endpoint for this batch (upload: overall). */
export interface BatchEndpointRequest {
  endpoint: BatchEndpoint;
  batchId?: string;
  fileId?: string;
  n: number;
}

export interface BatchServerOptions {
  /** Polls a batch answers in each state before it moves on (0 skips the state). @default 1 */
  pollsPerState?: number | Partial<Record<'validating' | 'in_progress' | 'finalizing', number>>;
  /**
   * A line's fate instead of an answer: `failed` / `expired` (a line in the error file with error code
   * `batch_failed` / `batch_expired`), `missing` (in neither file). Undefined: answered by `respond`.
   */
  lineFate?: (line: MockBatchLine) => 'failed' | 'expired' | 'missing' | undefined;
  /**
   * A fault instead of the endpoint's answer: `status` (the API's error body), `reset`, `malformed`
   * or `hang`. A faulted poll does not move the batch on.
   */
  fault?: (request: BatchEndpointRequest) => FaultReply | undefined;
  /** A fault sent AFTER the endpoint did its work: the reply is lost, not the request (a batch created whose id the client never got). */
  faultAfter?: (request: BatchEndpointRequest) => FaultReply | undefined;
}

/** A batch as the test sees it. */
export interface MockBatchView {
  id: string;
  state: string;
  /** The lines' custom ids, in file order. */
  customIds: string[];
  /** The lines' bodies (chat requests), in file order. */
  bodies: Array<Record<string, unknown>>;
  /** Successful polls so far. */
  polls: number;
  /** Bytes of the uploaded input file. */
  inputBytes: number;
  /** The lines' model (the first line's `body.model`). */
  model: string;
}

export interface BatchServerState {
  /** Requests per endpoint (faulted ones included) since start or `reset()`. */
  readonly counts: Readonly<Record<BatchEndpoint, number>>;
  /** Every batch created since start or `reset()`, in order. */
  readonly batches: readonly MockBatchView[];
  /** Every custom id submitted, over all batches in order (duplicates kept, so a test can assert there are none). */
  submittedCustomIds(): string[];
  /** Changes the options (merged into the current ones). */
  configure(options: BatchServerOptions): void;
}

type State = 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  content: Buffer;
  createdAt: number;
}

interface ParsedLine {
  customId: string;
  body: Record<string, unknown>;
}

interface Batch {
  id: string;
  inputFileId: string;
  endpoint: string;
  metadata: unknown;
  state: State;
  polls: number;
  lines: ParsedLine[];
  model: string;
  inputBytes: number;
  createdAt: number;
  times: Partial<Record<State, number>>;
  errors?: Array<{ code: string; message: string; line: number | null }>;
  /** Each line's result line (by custom id), filled when the batch leaves `in_progress`. */
  answers?: Map<string, { file: 'output' | 'error'; line: string; ok: boolean }>;
  outputFileId?: string;
  errorFileId?: string;
  requests: Record<BatchEndpoint, number>;
}

const EXPIRED = { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' };
const FAILED = { code: 'batch_failed', message: 'This request failed while the batch was processed.' };
const CANCELLED = { code: 'batch_cancelled', message: 'This request was not executed: the batch was cancelled.' };

/** The routes (a dialect's `routes`); `state` is what the server exposes as `batch`; `reset` clears it (the server's `reset()` calls it). */
export function openAIBatchRoutes(dialect: Dialect, initial: BatchServerOptions = {}): { routes: Route[]; state: BatchServerState; reset(): void } {
  let options: BatchServerOptions = { ...initial };
  const files = new Map<string, StoredFile>();
  let batches: Batch[] = [];
  let counts: Record<BatchEndpoint, number> = zeroCounts();
  let uploads = 0;
  let lineIndex = 0;
  let nextId = 0;
  const reset = () => {
    batches = [];
    counts = zeroCounts();
    uploads = 0;
    lineIndex = 0;
  };
  const newId = (prefix: string) => `${prefix}${String(++nextId).padStart(6, '0')}`;
  const findBatch = (id: string) => batches.find((batch) => batch.id === id);

  const state: BatchServerState = {
    get counts() { return counts; },
    get batches() {
      return batches.map((batch) => ({ id: batch.id, state: batch.state, customIds: batch.lines.map((line) => line.customId), bodies: batch.lines.map((line) => line.body), polls: batch.polls, inputBytes: batch.inputBytes, model: batch.model }));
    },
    submittedCustomIds: () => batches.flatMap((batch) => batch.lines.map((line) => line.customId)),
    configure(next) { options = { ...options, ...next }; },
  };

  type Target = { batchId?: string; fileId?: string };
  type Handler = (request: RouteRequest, target: Target) => Promise<{ status: number; body: unknown; raw?: string }>;
  const route = (method: Route['method'], path: RegExp, endpoint: BatchEndpoint, target: (match: RegExpExecArray) => Target, handler: Handler): Route => ({
    method, path, handle: (request) => serve(request, endpoint, target(request.match), handler),
  });
  const routes: Route[] = [
    route('POST', /^(?:\/v1)?\/files$/, 'upload', () => ({}), (r) => upload(r)),
    route('POST', /^(?:\/v1)?\/batches$/, 'create', () => ({}), (r) => create(r)),
    route('GET', /^(?:\/v1)?\/batches$/, 'list', () => ({}), () => list()),
    route('GET', /^(?:\/v1)?\/batches\/([^/]+)$/, 'retrieve', (m) => ({ batchId: m[1] }), (r, t) => retrieve(r, t)),
    route('POST', /^(?:\/v1)?\/batches\/([^/]+)\/cancel$/, 'cancel', (m) => ({ batchId: m[1] }), (_r, t) => cancel(t)),
    route('GET', /^(?:\/v1)?\/files\/([^/]+)\/content$/, 'content', (m) => ({ fileId: m[1] }), (_r, t) => content(t)),
  ];

  /** Counts the request, injects a scripted fault, else answers with `handler`. */
  async function serve(request: RouteRequest, endpoint: BatchEndpoint, target: Target, handler: Handler): Promise<void> {
    counts[endpoint] += 1;
    const batch = target.batchId ? findBatch(target.batchId) : undefined;
    let n = endpoint === 'upload' ? ++uploads : counts[endpoint];
    if (batch) n = ++batch.requests[endpoint];
    const fault = options.fault?.({ endpoint, ...target, n });
    if (fault) return writeFault(request, fault);
    const answer = await handler(request, target);
    const lost = options.faultAfter?.({ endpoint, ...target, n });
    if (lost) return writeFault(request, lost);
    if (answer.raw !== undefined) request.raw(answer.status, answer.raw, 'application/octet-stream');
    else request.json(answer.status, answer.body);
  }

  function writeFault({ res, json, raw }: RouteRequest, fault: FaultReply): void {
    switch (fault.fault) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
        json(fault.status, fault.body ?? dialect.errorBody(fault.status, `mock fault: status ${fault.status}`), headers);
        return;
      }
      case 'reset':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 100 });
        res.write('{"id": "batch_', () => res.socket?.destroy());
        return;
      case 'malformed':
        raw(200, '{"id": "batch_broken", "status": ', 'application/json');
        return;
      case 'hang':
        return;
      default:
        throw new Error(`mock batch server: fault ${fault.fault} is not supported on batch endpoints`);
    }
  }

  async function upload({ text, req }: RouteRequest): Promise<{ status: number; body: unknown }> {
    // The body came as text (utf-8, lossless for the multipart framing and a JSONL file): parsed back as a form.
    const form = await new Response(Buffer.from(text, 'utf8'), { headers: { 'content-type': String(req.headers['content-type'] ?? '') } }).formData();
    const purpose = form.get('purpose');
    const file = form.get('file');
    if (typeof purpose !== 'string' || !purpose) return { status: 400, body: dialect.errorBody(400, "Missing required parameter: 'purpose'.") };
    if (file === null || typeof file === 'string') return { status: 400, body: dialect.errorBody(400, "Missing required parameter: 'file'.") };
    const data = Buffer.from(await file.arrayBuffer());
    const stored: StoredFile = { id: newId('file-mock'), filename: file.name || 'upload', purpose, bytes: data.length, content: data, createdAt: now() };
    files.set(stored.id, stored);
    return { status: 200, body: fileObject(stored) };
  }

  async function create({ body }: RouteRequest): Promise<{ status: number; body: unknown }> {
    if (!body) return { status: 400, body: dialect.errorBody(400, 'mock server: request body is not a JSON object') };
    const input = typeof body.input_file_id === 'string' ? files.get(body.input_file_id) : undefined;
    if (!input) return { status: 400, body: dialect.errorBody(400, `Invalid 'input_file_id': no such file ${JSON.stringify(body.input_file_id)}.`) };
    if (input.purpose !== 'batch') return { status: 400, body: dialect.errorBody(400, "The input file's purpose must be 'batch'.") };
    if (body.endpoint !== '/v1/chat/completions') return { status: 400, body: dialect.errorBody(400, `Invalid 'endpoint': the mock serves '/v1/chat/completions' only.`) };
    if (body.completion_window !== '24h') return { status: 400, body: dialect.errorBody(400, "Invalid 'completion_window': expected '24h'.") };
    const batch: Batch = {
      id: newId('batch_mock'), inputFileId: input.id, endpoint: body.endpoint, metadata: body.metadata ?? null, state: 'validating', polls: 0,
      lines: [], model: '', inputBytes: input.bytes, createdAt: now(), times: {}, requests: zeroCounts(),
    };
    // The lines are read now so a test sees what was submitted; they are checked when the batch leaves `validating`.
    for (const text of input.content.toString('utf8').split('\n')) {
      const line = parseObject(Buffer.from(text));
      if (line && typeof line.custom_id === 'string') batch.lines.push({ customId: line.custom_id, body: isRecord(line.body) ? line.body : {} });
    }
    batch.model = typeof batch.lines[0]?.body.model === 'string' ? (batch.lines[0].body.model as string) : '';
    batches.push(batch);
    return { status: 200, body: batchObject(batch) };
  }

  async function retrieve({ respond }: RouteRequest, { batchId }: Target): Promise<{ status: number; body: unknown }> {
    const batch = findBatch(batchId!);
    if (!batch) return { status: 404, body: dialect.errorBody(404, `No batch found with id '${batchId}'.`) };
    batch.polls += 1;
    await advance(batch, respond);
    return { status: 200, body: batchObject(batch) };
  }

  /** The batches, newest first, on one page (the mock never pages). */
  async function list(): Promise<{ status: number; body: unknown }> {
    const data = [...batches].reverse().map(batchObject);
    return { status: 200, body: { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false } };
  }

  async function cancel({ batchId }: Target): Promise<{ status: number; body: unknown }> {
    const batch = findBatch(batchId!);
    if (!batch) return { status: 404, body: dialect.errorBody(404, `No batch found with id '${batchId}'.`) };
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.state)) {
      return { status: 409, body: dialect.errorBody(409, `Cannot cancel a batch with status '${batch.state}'.`) };
    }
    enter(batch, 'cancelling');
    return { status: 200, body: batchObject(batch) };
  }

  async function content({ fileId }: Target): Promise<{ status: number; body: unknown; raw?: string }> {
    const file = files.get(fileId!);
    if (!file) return { status: 404, body: dialect.errorBody(404, `No such File object: ${fileId}`) };
    return { status: 200, body: undefined, raw: file.content.toString('utf8') };
  }

  /** The state a batch is in at its `polls`-th poll; answering and checking happen on the way. */
  async function advance(batch: Batch, respond: Respond): Promise<void> {
    if (batch.state === 'cancelling') {
      await finish(batch, 'cancelled');
      return;
    }
    if (batch.state !== 'validating' && batch.state !== 'in_progress' && batch.state !== 'finalizing') return;
    const target = stateAtPoll(batch.polls);
    if (target === 'validating') return;
    if (batch.state === 'validating') {
      const problems = validate(batch);
      if (problems.length > 0) {
        batch.errors = problems;
        enter(batch, 'failed');
        return;
      }
      enter(batch, 'in_progress');
    }
    if (target === 'in_progress') return;
    if (!batch.answers) await answer(batch, respond);
    if (target === 'finalizing') enter(batch, 'finalizing');
    else await finish(batch, 'completed');
  }

  function stateAtPoll(poll: number): 'validating' | 'in_progress' | 'finalizing' | 'completed' {
    const per = options.pollsPerState ?? 1;
    let seen = 0;
    for (const name of ['validating', 'in_progress', 'finalizing'] as const) {
      seen += typeof per === 'number' ? per : (per[name] ?? 1);
      if (poll <= seen) return name;
    }
    return 'completed';
  }

  function validate(batch: Batch): Array<{ code: string; message: string; line: number | null }> {
    const problems: Array<{ code: string; message: string; line: number | null }> = [];
    const seen = new Set<string>();
    const text = files.get(batch.inputFileId)?.content.toString('utf8') ?? '';
    const rows = text.split('\n');
    if (rows.at(-1) === '') rows.pop();
    if (rows.length === 0) problems.push({ code: 'empty_file', message: 'The input file is empty.', line: null });
    for (const [i, row] of rows.entries()) {
      const line = parseObject(Buffer.from(row));
      const at = i + 1;
      if (!line) problems.push({ code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', line: at });
      else if (typeof line.custom_id !== 'string') problems.push({ code: 'missing_required_parameter', message: "Missing required parameter: 'custom_id'.", line: at });
      else if (seen.has(line.custom_id)) problems.push({ code: 'duplicate_custom_id', message: 'The custom_id for this request is a duplicate of another request.', line: at });
      else if (line.method !== 'POST') problems.push({ code: 'invalid_method', message: "Invalid value for 'method': expected 'POST'.", line: at });
      else if (line.url !== batch.endpoint) problems.push({ code: 'invalid_url', message: `The URL provided for this request does not match the batch endpoint '${batch.endpoint}'.`, line: at });
      else if (!isRecord(line.body)) problems.push({ code: 'missing_required_parameter', message: "Missing required parameter: 'body'.", line: at });
      else if (line.body.model !== batch.model) problems.push({ code: 'mismatched_model', message: 'The provided model does not match the model of the other requests in this batch.', line: at });
      if (line && typeof line.custom_id === 'string') seen.add(line.custom_id);
    }
    return problems;
  }

  /** Every line's answer, from `respond` as the chat endpoint would give it, or its scripted fate. */
  async function answer(batch: Batch, respond: Respond): Promise<void> {
    const answers = new Map<string, { file: 'output' | 'error'; line: string; ok: boolean }>();
    for (const [i, line] of batch.lines.entries()) {
      const id = `batch_req_${batch.id}_${i}`;
      const put = (file: 'output' | 'error', value: unknown, ok: boolean) => answers.set(line.customId, { file, line: JSON.stringify(value), ok });
      const fate = options.lineFate?.({ batchId: batch.id, customId: line.customId, body: line.body });
      if (fate === 'missing') continue;
      if (fate === 'failed' || fate === 'expired') {
        put('error', { id, custom_id: line.customId, response: null, error: fate === 'failed' ? FAILED : EXPIRED }, false);
        continue;
      }
      const reply = await replyTo(line, batch, respond);
      const response = (status: number, body: unknown) => ({ id, custom_id: line.customId, response: { status_code: status, request_id: `req_${id}`, body }, error: null });
      if (reply.status !== undefined) {
        put(reply.status < 300 ? 'output' : 'error', response(reply.status, reply.body), reply.status < 300);
        continue;
      }
      // A cut line: what a torn file holds (`malformed` and `reset` replies).
      const whole = JSON.stringify(response(200, reply.cut));
      answers.set(line.customId, { file: 'output', line: whole.slice(0, Math.floor(whole.length / 2)), ok: true });
    }
    batch.answers = answers;
  }

  async function replyTo(line: ParsedLine, batch: Batch, respond: Respond): Promise<{ status: number; body: unknown; cut?: undefined } | { status?: undefined; cut: unknown }> {
    const body = line.body;
    const incoming: IncomingChat = {
      model: typeof body.model === 'string' ? body.model : '',
      messages: Array.isArray(body.messages) ? (body.messages as IncomingChat['messages']) : [],
      body,
      headers: {},
      index: lineIndex++,
    };
    const problem = dialect.validate(body);
    if (problem) return { status: 400, body: dialect.errorBody(400, problem) };
    let reply: Reply;
    try {
      reply = await respond(incoming);
    } catch (error) {
      return { status: 500, body: dialect.errorBody(500, `mock respond() threw: ${String(error)}`) };
    }
    if (!('fault' in reply)) return { status: 200, body: dialect.success(incoming, reply) };
    switch (reply.fault) {
      case 'status':
        return { status: reply.status, body: reply.body ?? dialect.errorBody(reply.status, `mock fault: status ${reply.status}`) };
      case 'empty-choices':
        return { status: 200, body: dialect.emptyChoices(incoming) };
      case 'refusal':
        return { status: 200, body: dialect.refusal(incoming, reply.message ?? "I'm sorry, I can't help with that.") };
      case 'malformed':
      case 'reset':
        return { cut: dialect.success(incoming, { content: 'this line is cut off' }) };
      default:
        return { status: 500, body: dialect.errorBody(500, `mock batch server: fault ${reply.fault} has no batch form (batch ${batch.id})`) };
    }
  }

  /** Ends a batch: writes its output and error files (each only when it has lines). */
  async function finish(batch: Batch, end: 'completed' | 'cancelled'): Promise<void> {
    const output: string[] = [];
    const errors: string[] = [];
    for (const [i, line] of batch.lines.entries()) {
      const answered = batch.answers?.get(line.customId);
      if (answered) (answered.file === 'output' ? output : errors).push(answered.line);
      else if (end === 'cancelled') errors.push(JSON.stringify({ id: `batch_req_${batch.id}_${i}`, custom_id: line.customId, response: null, error: CANCELLED }));
    }
    const write = (lines: string[], name: string) => {
      if (lines.length === 0) return undefined;
      const data = Buffer.from(`${lines.join('\n')}\n`);
      const file: StoredFile = { id: newId('file-mock'), filename: `${batch.id}_${name}.jsonl`, purpose: `batch_${name}`, bytes: data.length, content: data, createdAt: now() };
      files.set(file.id, file);
      return file.id;
    };
    batch.outputFileId = write(output, 'output');
    batch.errorFileId = write(errors, 'error');
    enter(batch, end);
  }

  function enter(batch: Batch, next: State): void {
    batch.state = next;
    batch.times[next] = now();
  }

  function batchObject(batch: Batch): Record<string, unknown> {
    const answers = batch.answers ? [...batch.answers.values()] : [];
    const unanswered = batch.state === 'cancelled' ? batch.lines.filter((line) => !batch.answers?.has(line.customId)).length : 0;
    const at = (name: State) => batch.times[name] ?? null;
    return {
      id: batch.id, object: 'batch', endpoint: batch.endpoint,
      errors: batch.errors ? { object: 'list', data: batch.errors.map((e) => ({ ...e, param: null })) } : null,
      input_file_id: batch.inputFileId, completion_window: '24h', status: batch.state,
      output_file_id: batch.outputFileId ?? null, error_file_id: batch.errorFileId ?? null,
      created_at: batch.createdAt, in_progress_at: at('in_progress'), expires_at: batch.createdAt + 86_400, finalizing_at: at('finalizing'),
      completed_at: at('completed'), failed_at: at('failed'), expired_at: at('expired'), cancelling_at: at('cancelling'), cancelled_at: at('cancelled'),
      request_counts: { total: batch.state === 'failed' ? 0 : batch.lines.length, completed: answers.filter((a) => a.ok).length, failed: answers.filter((a) => !a.ok).length + unanswered },
      metadata: batch.metadata,
    };
  }

  return { routes, state, reset };
}

function fileObject(file: StoredFile): Record<string, unknown> {
  return { id: file.id, object: 'file', bytes: file.bytes, created_at: file.createdAt, filename: file.filename, purpose: file.purpose, status: 'processed', expires_at: null, status_details: null };
}

function zeroCounts(): Record<BatchEndpoint, number> {
  return { upload: 0, create: 0, list: 0, retrieve: 0, content: 0, cancel: 0 };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function parseObject(data: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data.toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
