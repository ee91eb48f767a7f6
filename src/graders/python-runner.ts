import { type ChildProcess, spawn } from 'node:child_process';
import { GraderError } from './grader-error.js';
import { PYTHON_WORKER_SOURCE } from './python-worker-source.js';

/**
 * Runs Python graders in a few long-lived `python3` processes (python-worker-source.ts), so a case
 * costs a message, not an interpreter start (~20-200 ms). Up to MAX_WORKERS run at once; a request
 * waits for a free one. A request that times out, or is interrupted, kills its process (the next
 * request starts a fresh one); one that raises is a GraderError. Idle processes do not keep Node
 * running, and they exit when Node does (their stdin closes).
 *
 * The executable: PROMPTGATE_PYTHON when set (only that), else `python3`, then `python` (when it is
 * Python 3). Read from the command's environment, whose PATH is searched.
 */

const MAX_WORKERS = 2;
const SOURCE_VARIABLE = 'PROMPTGATE_PYTHON_WORKER';
const BOOTSTRAP = `import os; exec(compile(os.environ.pop('${SOURCE_VARIABLE}'), 'promptgate-python-worker', 'exec'))`;
const STDERR_TAIL = 2000;

export type PythonRequest =
  | { op: 'call'; code: string; args: unknown[] }
  | { op: 'call'; path: string; function: string; args: unknown[] }
  | { op: 'check'; code: string }
  | { op: 'check'; path: string; function: string };

export interface PythonRunOptions {
  env?: NodeJS.ProcessEnv;
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What the user's Python code raised (`ValueError: …`), with the line it happened on when known. */
export class PythonError extends GraderError {
  constructor(
    readonly raised: string,
    readonly line?: number,
  ) {
    super(`python raised ${raised}`);
  }
}

/** No Python 3 to run a python grader with: what was tried, and what to do. */
export class PythonMissingError extends GraderError {
  constructor(
    readonly why: string,
    readonly hint: string,
  ) {
    super(`${why} (${hint})`);
  }
}

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
  line?: number;
}

interface Job {
  request: PythonRequest;
  timeoutMs: number;
  signal?: AbortSignal;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

let nextId = 1;

class Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy = false;
  dead = false;
  private buffer = '';
  private stderr = '';
  private pending: { id: number; resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  private onReady!: () => void;
  private onStartFailure!: (error: Error) => void;
  private started = false;

  constructor(
    readonly executable: string,
    options: { env?: NodeJS.ProcessEnv; cwd: string },
    private readonly onExit: (worker: Worker) => void,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.onReady = resolve;
      this.onStartFailure = reject;
    });
    // The source goes in through the environment (and is removed from it at once), so `ps` shows a short command.
    this.child = spawn(executable, ['-u', '-c', BOOTSTRAP], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1', [SOURCE_VARIABLE]: PYTHON_WORKER_SOURCE },
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.read(chunk));
    this.child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL);
    });
    this.child.stdin!.on('error', () => {});
    this.child.on('error', (error) => this.die(error));
    this.child.on('exit', (code, signal) => this.die(new Error(`python exited (${signal ?? `code ${code}`})${this.stderrTail()}`)));
  }

  private stderrTail(): string {
    const tail = this.stderr.trim().split('\n').slice(-3).join(' | ');
    return tail ? `: ${tail}` : '';
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      let message: Reply & { ready?: [number, number] };
      try {
        message = JSON.parse(line);
      } catch {
        this.kill(new Error(`python sent a line that is not JSON: ${line.slice(0, 80)}`));
        return;
      }
      if (!this.started) {
        this.started = true;
        if (message.ready?.[0] !== 3) {
          this.kill(new Error(`${this.executable} is not Python 3`));
          return;
        }
        this.idle();
        this.onReady();
        continue;
      }
      const pending = this.pending;
      if (pending && message.id === pending.id) {
        this.pending = undefined;
        pending.resolve(message);
      }
    }
  }

  private die(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.onStartFailure(error);
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
    this.onExit(this);
  }

  kill(error: Error): void {
    this.die(error);
    this.child.kill('SIGKILL');
  }

  /** Lets Node exit while this process waits for work. */
  idle(): void {
    this.child.unref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private active(): void {
    this.child.ref();
    for (const stream of [this.child.stdin, this.child.stdout, this.child.stderr]) (stream as unknown as { ref?: () => void } | null)?.ref?.();
  }

  /** Sends one request and waits for its reply (one at a time per process). */
  send(request: PythonRequest): Promise<Reply> {
    const id = nextId++;
    this.active();
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.child.stdin!.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }
}

interface Pool {
  workers: Worker[];
  queue: Job[];
  options: { env?: NodeJS.ProcessEnv; cwd: string };
}

/** Processes by executable, working folder and PATH. */
const pools = new Map<string, Pool>();
/** The executable found for a PROMPTGATE_PYTHON / PATH setting, or why none was. */
const found = new Map<string, Promise<string>>();

function poolOf(executable: string, options: { env?: NodeJS.ProcessEnv; cwd: string }): Pool {
  const key = `${executable}\u0000${options.cwd}\u0000${(options.env ?? process.env).PATH ?? ''}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = { workers: [], queue: [], options: { env: options.env, cwd: options.cwd } };
    pools.set(key, pool);
  }
  return pool;
}

function startWorker(pool: Pool, executable: string): Worker {
  const worker = new Worker(executable, pool.options, (gone) => {
    pool.workers = pool.workers.filter((w) => w !== gone);
    dispatch(pool, executable);
  });
  pool.workers.push(worker);
  return worker;
}

/** Runs a request on a Python process; a GraderError (a PythonError for what Python raised) when it cannot. */
export async function runPython(request: PythonRequest, options: PythonRunOptions): Promise<unknown> {
  const executable = await findPython(options);
  const pool = poolOf(executable, options);
  return new Promise<unknown>((resolve, reject) => {
    pool.queue.push({ request, timeoutMs: options.timeoutMs, signal: options.signal, resolve, reject });
    dispatch(pool, executable);
  });
}

function dispatch(pool: Pool, executable: string): void {
  while (pool.queue.length > 0) {
    let worker = pool.workers.find((w) => !w.busy && !w.dead);
    if (!worker) {
      if (pool.workers.length >= MAX_WORKERS) return;
      worker = startWorker(pool, executable);
    }
    const job = pool.queue.shift()!;
    const chosen = worker;
    chosen.busy = true;
    void runJob(chosen, job).finally(() => {
      chosen.busy = false;
      if (!chosen.dead) chosen.idle();
      dispatch(pool, executable);
    });
  }
}

async function runJob(worker: Worker, job: Job): Promise<void> {
  const { signal, timeoutMs } = job;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => worker.kill(new GraderError('python grader interrupted'));
  try {
    if (signal?.aborted) throw new GraderError('python grader interrupted');
    signal?.addEventListener('abort', onAbort, { once: true });
    // Starting Python is not the grader's time: the timeout runs from when the request is sent.
    const startTimer = setTimeout(() => worker.kill(new GraderError(`python did not start within ${timeoutMs} ms`)), timeoutMs);
    await worker.ready.finally(() => clearTimeout(startTimer));
    timer = setTimeout(() => worker.kill(new GraderError(`python grader timed out after ${timeoutMs} ms`)), timeoutMs);
    const reply = await worker.send(job.request);
    if (reply.ok) job.resolve(reply.result);
    else job.reject(new PythonError(reply.error ?? 'an error', reply.line));
  } catch (error) {
    job.reject(error instanceof GraderError ? error : new GraderError(`python grader failed: ${(error as Error).message}`));
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The Python 3 executable to use, found by starting a process with it (kept for the first
 * request): a GraderError saying what was tried when there is none. `check` calls it first.
 */
export function findPython(options: { env?: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<string> {
  const env = options.env ?? process.env;
  const explicit = env.PROMPTGATE_PYTHON?.trim() || undefined;
  const key = `${explicit ?? ''}\u0000${env.PATH ?? ''}\u0000${options.cwd}`;
  let result = found.get(key);
  if (!result) {
    const candidates = explicit ? [explicit] : ['python3', 'python'];
    result = (async () => {
      const why: string[] = [];
      for (const candidate of candidates) {
        const problem = await tryStart(candidate, { ...options, env });
        if (problem === undefined) return candidate;
        why.push(`${candidate}: ${problem}`);
      }
      const hint = explicit ? 'set PROMPTGATE_PYTHON to a Python 3 executable, or unset it to use python3 from PATH' : 'install Python 3, or set PROMPTGATE_PYTHON to its path';
      throw new PythonMissingError(`python graders need Python 3, and none was found (tried ${why.join(', ')})`, hint);
    })();
    found.set(key, result);
  }
  return result;
}

/** Starts a process with `executable` (it joins the pool): undefined when it said it is ready, else why not. */
async function tryStart(executable: string, options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<string | undefined> {
  const worker = startWorker(poolOf(executable, options), executable);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      worker.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer after ${options.timeoutMs} ms`)), options.timeoutMs);
      }),
    ]);
    return undefined;
  } catch (error) {
    worker.kill(new Error('not started'));
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}
