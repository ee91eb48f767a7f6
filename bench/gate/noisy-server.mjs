/**
 * A seeded, noisy OpenAI-compatible Chat Completions server for the end-to-end gate benchmark
 * (bench/gate/e2e.mjs). 127.0.0.1 only.
 *
 * Each request is one draw of one case: the server answers `PASS` with the case's pass probability
 * on that side, else `FAIL` (cases are graded `contains:PASS`). What it needs to know comes from
 * the request as the CLI sends it:
 *
 * - the run (one `promptgate compare` process): the API key, `Bearer pgb-<run index>` (the bench
 *   gives each spawned CLI its own key in the environment; the key is not part of the response
 *   cache's request key, so a rerun with another key replays the first run's cached answers);
 * - the suite and the side: the system message carries `[pgb suite=<name> v=<prompt version>]`;
 *   version 1.0.0 is the baseline, any other version the candidate;
 * - the case: the user message `case <n>`; the model: the request's `model`;
 * - the repeat index: the n-th request of the same run, suite, model, case and side is repeat n
 *   (requests carry nothing that tells repeats apart; identical requests are exchangeable, so the
 *   set of answers a case gets on a side does not depend on the order they arrive in).
 *
 * The answer is a pure function of (seed, run, suite, model, case, side, repeat) and the pass
 * probability the run's spec gives (`register(run, spec)`), so a run is reproducible whatever the
 * concurrency and machine load. See `draw()` and `difficulty()`.
 *
 * ```js
 * const server = await startNoisyServer({ seed: 1 });
 * server.register(7, { probability: (suite, model, caseIndex, side) => 0.5 });
 * // config: baseURL: server.url, apiKeyEnv: 'PGB_RUN_KEY'; child env PGB_RUN_KEY=pgb-7
 * server.calls(7); server.unregister(7); await server.close();
 * ```
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

/** The API-key prefix that names the run: `pgb-<run index>`. */
export const KEY_PREFIX = 'pgb-';
/** The version of the baseline's prompts; every other version is the candidate. */
export const BASELINE_VERSION = '1.0.0';
const MARK = /\[pgb suite=([^\s\]]+) v=([^\s\]]+)\]/;
const CASE = /\bcase (\d+)\b/;

/**
 * A uniform number in [0, 1) that depends only on `parts` (sha256 of their text, 52 bits):
 * the bench's only source of randomness.
 */
export function uniform(...parts) {
  const digest = createHash('sha256').update(parts.join('\u001f')).digest();
  // 52 bits: 4 bytes × 2^20 + the top 20 bits of the next 3 bytes.
  const high = digest.readUInt32BE(0);
  const low = digest.readUIntBE(4, 3) >>> 4;
  return (high * 2 ** 20 + low) / 2 ** 52;
}

/** The U-shaped difficulty distribution cases are drawn from: Beta(A, B), both below 1. */
export const DIFFICULTY = { a: 0.7, b: 0.3 };
/** Its mean, the population pass rate: a / (a + b). */
export const POPULATION_RATE = DIFFICULTY.a / (DIFFICULTY.a + DIFFICULTY.b);

/**
 * A case's pass probability, drawn from Beta(0.7, 0.3) (U-shaped: most cases nearly always pass or
 * nearly always fail, some in between; mean 0.7) by Jöhnk's method with uniforms keyed by `key`.
 */
export function difficulty(...key) {
  for (let k = 0; ; k++) {
    const x = uniform(...key, 'beta', k, 'x') ** (1 / DIFFICULTY.a);
    const y = uniform(...key, 'beta', k, 'y') ** (1 / DIFFICULTY.b);
    if (x + y <= 1 && x + y > 0) return x / (x + y);
  }
}

/**
 * One draw: whether the `repeat`-th call of `caseIndex` on `side` ('baseline' | 'candidate') in run
 * `run` passes, when it passes with probability `p`. p = 1 always passes, p = 0 never does.
 */
export function draw({ seed, run, suite, model, caseIndex, side, repeat }, p) {
  return uniform(seed, 'draw', run, suite, model, caseIndex, side, repeat) < p;
}

/** Reads what a request is: suite, side, case, or undefined when it is not one of the bench's. */
export function parseRequest(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const text = (role) => messages.filter((m) => m.role === role).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
  const mark = MARK.exec(text('system'));
  const caseMatch = CASE.exec(text('user'));
  if (!mark || !caseMatch || typeof body.model !== 'string') return undefined;
  return { suite: mark[1], side: mark[2] === BASELINE_VERSION ? 'baseline' : 'candidate', caseIndex: Number(caseMatch[1]), model: body.model };
}

function completion(model, content) {
  return JSON.stringify({
    id: 'chatcmpl-pgb',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: `${model}-2024-01-01`,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 },
  });
}

/**
 * Starts the server on 127.0.0.1 (a free port). Requests of an unregistered run, or that are not
 * the bench's, are answered 400 (the CLI records an errored case, so a harness mistake shows).
 */
export function startNoisyServer({ seed }) {
  /** run index → { spec, counters: Map<key, next repeat>, calls } */
  const runs = new Map();
  let rejected = 0;
  const fail = (res, status, message) => {
    rejected++;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
  };
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) return fail(res, 404, 'not found');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const run = auth.startsWith(KEY_PREFIX) ? Number(auth.slice(KEY_PREFIX.length)) : NaN;
      const state = runs.get(run);
      if (!state) return fail(res, 400, `no bench run registered for this key`);
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return fail(res, 400, 'body is not JSON');
      }
      const request = parseRequest(body);
      if (!request) return fail(res, 400, 'not a bench request (no [pgb suite=… v=…] mark or no "case <n>")');
      const key = `${request.suite}\u001f${request.model}\u001f${request.caseIndex}\u001f${request.side}`;
      const repeat = state.counters.get(key) ?? 0;
      state.counters.set(key, repeat + 1);
      state.calls++;
      const p = state.spec.probability(request.suite, request.model, request.caseIndex, request.side);
      const pass = draw({ seed, run, ...request, repeat }, p);
      const text = completion(request.model, pass ? 'PASS' : 'FAIL');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/v1`,
        seed,
        /** The API key a CLI process of run `run` must send. */
        keyOf: (run) => `${KEY_PREFIX}${run}`,
        /** `spec.probability(suite, model, caseIndex, side)` → the pass probability of that case on that side. */
        register(run, spec) {
          if (runs.has(run)) throw new Error(`bench run ${run} is already registered`);
          runs.set(run, { spec, counters: new Map(), calls: 0 });
        },
        unregister(run) {
          runs.delete(run);
        },
        /** Requests answered for run `run` so far. */
        calls: (run) => runs.get(run)?.calls ?? 0,
        /** Requests refused (unregistered run or not a bench request) since the start. */
        rejected: () => rejected,
        close() {
          server.closeAllConnections();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}
