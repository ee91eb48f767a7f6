/**
 * Throwaway benchmark projects: an eval.config.mjs with one `openai` model pointing at the bench
 * server, one prompt, and a CSV of N cases graded with `contains:`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable holding the (fake) API key of bench projects. */
export const KEY_ENV = 'PROMPTGATE_BENCH_KEY';

/**
 * Writes a project for `cases` cases against `baseURL` in a new temp folder and returns its path.
 * Each case has distinct variables (so distinct ids and requests); one in 50 expects a word the
 * server never says, so the run has failures to report, like a real one.
 */
export async function makeBenchProject({ baseURL, cases, reporters = ['json'], prefix = 'promptgate-bench-' }) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(dir, 'prompts'));
  await mkdir(join(dir, 'evals'));
  await writeFile(
    join(dir, 'eval.config.mjs'),
    `export default {
  models: { bench: { provider: 'openai', model: 'bench-model', baseURL: ${JSON.stringify(baseURL)}, apiKeyEnv: ${JSON.stringify(KEY_ENV)}, maxRetries: 0 } },
  defaultModel: 'bench',
  reporters: ${JSON.stringify(reporters)},
  cache: false,
};
`,
  );
  await writeFile(
    join(dir, 'prompts', 'bench.prompt'),
    `---
version: 1.0.0
config:
  temperature: 0
  max_tokens: 16
---
{{role "system"}}
Answer with one word.
{{role "user"}}
Question {{n}}: what does the server say to {{word}}?
`,
  );
  await writeCases(join(dir, 'evals', 'bench.csv'), cases);
  return dir;
}

async function writeCases(file, n) {
  const out = createWriteStream(file);
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('n,word,__expected\n');
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += `${i},ping-${i},${i % 50 === 49 ? 'contains:pang' : 'contains:pong'}\n`;
    if (chunk.length > 64_000) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'close');
}

export async function removeProject(dir) {
  await rm(dir, { recursive: true, force: true });
}
