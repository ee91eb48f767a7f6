/**
 * The floor under any runner that calls the model through the official SDK: N chat completions
 * through the `openai` SDK at concurrency C against the bench server, and nothing else (no cases,
 * no grading, no files). bench/run.mjs subtracts its time from promptgate's to get the overhead
 * the runner adds on top of the calls themselves.
 *
 * Usage: `node bench/sdk-baseline.mjs <baseURL> <N> <C> [default|promptgate]`: the SDK's own fetch
 * (Node's global fetch), or the transport promptgate gives the SDK (dist/providers/http-fetch.js).
 */
import OpenAI from 'openai';

const [baseURL, n, c, transport = 'default'] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const fetch = transport === 'promptgate' ? (await import('../dist/providers/http-fetch.js')).createHttpFetch() : undefined;
const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0, ...(fetch ? { fetch } : {}) });
let next = 0;
let failed = 0;
async function worker() {
  while (next < n) {
    const i = next++;
    try {
      const response = await client.chat.completions.create(
        { model: 'bench-model', temperature: 0, max_tokens: 16, messages: [{ role: 'system', content: 'Answer with one word.' }, { role: 'user', content: `Question ${i}: what does the server say to ping-${i}?` }] },
        { signal: new AbortController().signal },
      );
      if (!response.choices[0].message.content.includes('pong')) failed++;
    } catch {
      failed++;
    }
  }
}
await Promise.all(Array.from({ length: c }, worker));
if (failed) {
  process.stderr.write(`${failed} of ${n} calls failed\n`);
  process.exitCode = 1;
}
