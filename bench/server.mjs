/**
 * A lean OpenAI-compatible Chat Completions server for the benchmark (127.0.0.1 only).
 *
 * Every request is answered after a fixed latency with the same small completion ("pong"), so the
 * server costs as little CPU as possible and every runner measured against it sees the same thing.
 * It counts requests in flight: the maximum, and the time-weighted mean while at least one request
 * is in flight ("busy"), plus the span from the first request's arrival to the last answer.
 *
 * ```js
 * const server = await startBenchServer({ latencyMs: 50 });
 * // baseURL: server.url
 * server.stats(); server.reset(); await server.close();
 * ```
 * Also runnable on its own: `node bench/server.mjs [--port 8787] [--latency 50]`.
 */
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const ANSWER = 'pong';

/** The response body: built once, identical for every request. */
function completionBody(model) {
  return Buffer.from(
    JSON.stringify({
      id: 'chatcmpl-bench',
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: ANSWER, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 },
    }),
  );
}

/**
 * Starts the server. `latencyMs` is the fixed time between a request's arrival (its body read) and
 * its answer; `port` 0 picks a free one.
 */
export function startBenchServer({ latencyMs = 50, port = 0, model = 'bench-model-2024-01-01' } = {}) {
  const body = completionBody(model);
  const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
  let inFlight = 0;
  let maxInFlight = 0;
  let count = 0;
  let busySince = 0;
  let busyMs = 0;
  let area = 0;
  let lastChange = 0;
  let firstArrival = null;
  let lastAnswer = null;

  // Integrates in-flight over time, only while something is in flight.
  const change = (delta) => {
    const now = performance.now();
    if (inFlight > 0) area += inFlight * (now - lastChange);
    lastChange = now;
    if (inFlight === 0 && delta > 0) busySince = now;
    inFlight += delta;
    if (inFlight === 0) busyMs += now - busySince;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    return now;
  };

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      lastAnswer = change(-1);
    };
    const now = change(+1);
    count++;
    firstArrival ??= now;
    res.on('close', finish);
    req.resume();
    req.on('end', () => {
      const answer = () => {
        if (res.destroyed) return finish();
        res.writeHead(200, headers).end(body, finish);
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.maxRequestsPerSocket = 0;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        url: `http://127.0.0.1:${address.port}/v1`,
        port: address.port,
        latencyMs,
        setLatency(ms) {
          latencyMs = ms;
        },
        /** Counters since the last reset. `meanInFlight` is over busy time only. */
        stats() {
          const now = performance.now();
          const busy = busyMs + (inFlight > 0 ? now - busySince : 0);
          const integral = area + (inFlight > 0 ? inFlight * (now - lastChange) : 0);
          return {
            count,
            connections,
            inFlight,
            maxInFlight,
            busyMs: busy,
            meanInFlight: busy > 0 ? integral / busy : 0,
            spanMs: firstArrival !== null && lastAnswer !== null ? lastAnswer - firstArrival : 0,
            /** performance.now() of the first request's arrival and of the last answer (null before). */
            firstArrivalAt: firstArrival,
            lastAnswerAt: lastAnswer,
          };
        },
        reset() {
          count = 0;
          connections = 0;
          maxInFlight = inFlight;
          busyMs = 0;
          area = 0;
          lastChange = performance.now();
          busySince = lastChange;
          firstArrival = null;
          lastAnswer = null;
        },
        close() {
          server.closeAllConnections();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const server = await startBenchServer({ port: arg('port', 8787), latencyMs: arg('latency', 50) });
  process.stdout.write(`bench server on ${server.url} (latency ${server.latencyMs} ms); Ctrl-C to stop\n`);
  const stop = async () => {
    process.stdout.write(`${JSON.stringify(server.stats())}\n`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
