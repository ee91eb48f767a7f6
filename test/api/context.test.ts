import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, compare, run, type Context } from 'promptgate/node';
import { makeProject } from '../helpers/cli.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { wordCases, wordPrompt } from '../helpers/word-suite.js';

function sink(): { stream: NodeJS.WritableStream; text(): string } {
  let text = '';
  const stream = new Writable({ decodeStrings: false, write: (chunk, _enc, done) => ((text += String(chunk)), done()) });
  return { stream, text: () => text };
}

const config = (url: string) => `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${url}', apiKeyEnv: 'PG_KEY', params: { temperature: 0 } } }, reporters: ['console'] };\n`;

describe('API calls in one process do not see each other\'s cwd, env or streams', () => {
  const servers: MockServer[] = [];
  const dirs: string[] = [];
  let seen: Array<() => void>;
  let saved: string | undefined;

  beforeAll(async () => {
    // Each server holds its first answer until the other server has a request: the two runs are
    // provably in flight at the same time (no timing involved).
    const firsts = [0, 1].map(() => {
      let resolve!: () => void;
      return { promise: new Promise<void>((r) => (resolve = r)), resolve: () => resolve() };
    });
    seen = firsts.map((f) => f.resolve);
    for (const i of [0, 1]) {
      const server = await startOpenAIServer({
        respond: async (req) => {
          seen[i]();
          await firsts[1 - i].promise;
          return { content: String(req.messages.at(-1)?.content ?? '').toUpperCase() };
        },
      });
      servers.push(server);
      dirs.push(await makeProject({ 'eval.config.mjs': config(server.url), 'prompts/shout.prompt': wordPrompt('1.0.0', 'Shout.'), 'evals/shout.csv': wordCases(i === 0 ? ['apple', 'fig'] : ['kiwi', 'lemon', 'grape']) }));
    }
    saved = process.env.PG_KEY;
    process.env.PG_KEY = 'key-of-the-process';
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.PG_KEY;
    else process.env.PG_KEY = saved;
    await Promise.all(servers.map((s) => s.close()));
  });

  it('two concurrent runs: each server sees only its own project\'s requests and its own key; each stdout only its own report', async () => {
    const outs = [sink(), sink()];
    const errs = [sink(), sink()];
    const contexts: Context[] = [0, 1].map((i) => ({ cwd: dirs[i], env: { PG_KEY: `key-${i}`, CI: 'true' }, stdout: outs[i].stream, stderr: errs[i].stream }));
    const results = await Promise.all([run({ noCache: true }, contexts[0]), run({ noCache: true }, contexts[1])]);
    for (const i of [0, 1]) {
      const result = results[i];
      if (!result.ok) throw new Error(result.error.text);
      expect(result).toMatchObject({ exitCode: 0, verdict: 'pass', run: { status: 'complete', command: 'run', totals: { cases: i === 0 ? 2 : 3 } } });
      expect(result.runDir.startsWith(dirs[i])).toBe(true);
      expect(servers[i].count).toBe(i === 0 ? 2 : 3);
      expect(new Set(servers[i].requests.map((r) => r.headers.authorization))).toEqual(new Set([`Bearer key-${i}`]));
      expect(new Set(servers[i].requests.map((r) => String(r.messages.at(-1)?.content)))).toEqual(new Set(i === 0 ? ['apple', 'fig'] : ['kiwi', 'lemon', 'grape']));
      expect(outs[i].text()).toContain(result.runDir);
      expect(outs[i].text()).not.toContain(dirs[1 - i]);
      expect(errs[i].text()).toBe('');
    }
  });

  it('compare: a run: baseline is relative to the project root, not the process\'s folder', async () => {
    const baseline = await run({}, { cwd: dirs[0], env: { PG_KEY: 'key-0' }, stdout: sink().stream, stderr: sink().stream });
    if (!baseline.ok) throw new Error(baseline.error.text);
    const relative = baseline.runDir.slice(dirs[0].length + 1);
    expect(process.cwd()).not.toBe(dirs[0]);
    const result = await compare({ baseline: `run:${relative}` }, { cwd: dirs[0], env: { PG_KEY: 'key-0' }, stdout: sink().stream, stderr: sink().stream });
    if (!result.ok) throw new Error(result.error.text);
    // Two unchanged cases are too few to pass the gate: inconclusive, exit 4 (and a value, not a throw).
    expect(result).toMatchObject({ exitCode: 4, verdict: 'inconclusive', run: { command: 'compare', comparison: { baseline: { spec: `run:${relative}` } } } });
    expect(result.run.comparison?.rows[0].counts.regressed).toBe(0);
  });

  it('check reads API keys from the context env; a pre-aborted signal interrupts a run (exit 130) without a throw', async () => {
    const err = sink();
    const checked = await check({}, { cwd: dirs[1], env: {}, stdout: sink().stream, stderr: err.stream });
    expect(checked).toMatchObject({ ok: true, exitCode: 0, verdict: 'pass', prompts: 1, cases: 3 });
    if (!checked.ok) return;
    expect(checked.warnings.join('\n')).toContain('PG_KEY, which is not set');
    expect(err.text()).toContain('PG_KEY, which is not set');
    const withKey = await check({}, { cwd: dirs[1], env: { PG_KEY: 'k' }, stdout: sink().stream, stderr: sink().stream });
    expect(withKey.ok && withKey.warnings).toEqual([]);

    const controller = new AbortController();
    controller.abort(new Error('stop'));
    servers[1].reset();
    const interrupted = await run({ noCache: true }, { cwd: dirs[1], env: { PG_KEY: 'key-1' }, stdout: sink().stream, stderr: sink().stream, signal: controller.signal });
    expect(interrupted).toMatchObject({ ok: true, exitCode: 130, run: { status: 'interrupted' } });
    expect(servers[1].count).toBe(0);
  });
});
