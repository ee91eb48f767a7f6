import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePromptSource } from '../../src/prompts/index.js';
import { openStore } from '../../src/registry/open-store.js';
import { makeProject, REPO_ROOT } from '../helpers/cli.js';
import { closedPort } from '../helpers/static-server.js';
import { summarizeSource } from './fixtures.js';

const run = promisify(execFile);
const ENTRY = join(REPO_ROOT, 'dist', 'index.js');

/**
 * A child process that records every module it loads: ESM through a resolve hook registered with
 * module.register() (the hook thread posts each resolved URL back), CommonJS through require.cache.
 * It imports `entry`, then runs each of `scripts` in turn (async bodies that may use `mod` and
 * `project`), and returns what had been loaded by the end of each step: after the import, then
 * after each script. A step ends with a marker resolved through the same hook: its URL arrives
 * after every URL resolved before it (one port, in order), so nothing is waited for by the clock.
 */
const PROBE = `
import { register, createRequire } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const urls = [];
let marker;
port1.on('message', (url) => {
  if (url === marker?.url) marker.arrived();
  else urls.push(url);
});
const hooks = 'let port; export function initialize(data) { port = data.port; }'
  + ' export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }';
register('data:text/javascript,' + encodeURIComponent(hooks), { data: { port: port2 }, transferList: [port2] });
const require = createRequire(import.meta.url);
const steps = [];
const endStep = async () => {
  const url = 'data:text/javascript,step' + steps.length;
  const arrived = new Promise((resolve) => (marker = { url, arrived: resolve }));
  import.meta.resolve(url);
  await arrived;
  steps.push([...urls, ...Object.keys(require.cache).map((path) => 'cjs:' + path)]);
};
const [entry, project, scripts] = process.argv.slice(1);
const mod = await import(entry);
await endStep();
for (const script of JSON.parse(scripts)) {
  await new Function('mod', 'project', 'return (async () => {' + script + '})()')(mod, project);
  await endStep();
}
port1.close();
process.stdout.write(JSON.stringify(steps));
`;

/** What was loaded after importing `entry`, then after each of `scripts` (one process, in order). */
async function modulesLoaded(entry: string, scripts: string[] = [], project = ''): Promise<string[][]> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE, pathToFileURL(entry).href, project, JSON.stringify(scripts)], { cwd: REPO_ROOT });
  return JSON.parse(stdout) as string[][];
}

/** What the runtime entry must never load: model SDKs, the runner, reporters, ajv, jiti, commander, cli-table3, the cost estimate's tokenizer. */
const HEAVY = /node_modules\/(openai|@anthropic-ai|ajv|ajv-formats|jiti|commander|cli-table3|cli-progress|csv-parse|p-limit|gpt-tokenizer)\/|\/dist\/(runner|reporters|cli|graders|compare)\//;
/** The PostgreSQL client and store: loaded only for a postgres:// store URL. */
const POSTGRES = /node_modules\/(pg|pg-pool|pg-protocol|pg-connection-string)\/|\/dist\/registry\/postgres/;
/** The store modules: loaded only by `loadPrompts({ store })`. */
const STORES = /\/dist\/registry\/(open-store|file-store|http-store|postgres)/;

beforeAll(() => {
  if (!existsSync(ENTRY)) throw new Error('dist/index.js is missing: run `npm run build` before this test');
});

/**
 * The runtime entry's probe, one process for the four tests below, in their order: the import;
 * loading, rendering and wrapping a duck-typed client; serving from a file and an http store; a
 * postgres:// store. A step's "never loads" holds of everything loaded up to its end.
 */
let entryProbe: Promise<{ imported: string[]; duckTyped: string[]; fileAndHttp: string[]; postgres: string[] }> | undefined;
function probeEntry() {
  entryProbe ??= (async () => {
    const project = await makeProject({ 'prompts/summarize.prompt': summarizeSource('1.0.0') });
    const store = await openStore('file:./registry', { rootDir: project });
    const prompt = parsePromptSource(summarizeSource('1.0.0'), 'prompts/summarize.prompt');
    await store.putVersion({
      id: prompt.id, version: prompt.version, hash: prompt.hash, path: prompt.path, source: prompt.source, commit: null, dirty: false,
      publishedAt: '2026-01-01T00:00:00.000Z', publishedBy: 'test', receipt: null, forced: { reason: 'test' },
    });
    await store.moveLabel({ id: 'summarize', label: 'production', to: { version: '1.0.0' }, by: 'test' });
    await store.close();
    const port = await closedPort();
    const duckTyped = `
      const prompts = await mod.loadPrompts({ dir: project + '/prompts' });
      const params = prompts.get('summarize').openai({ text: 'hello' });
      const records = [];
      const fake = { chat: { completions: { create: async (p) => ({ model: 'm-1', choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }] }) } } };
      await mod.traced(fake, { sink: (r) => records.push(r) }).chat.completions.create({ ...params, model: 'm' });
      if (records.length !== 1 || records[0].promptVersion !== '1.0.0') throw new Error('not logged');
    `;
    const fileAndHttp = `
      const prompts = await mod.loadPrompts({ store: 'file:./registry', rootDir: project });
      if (prompts.get('summarize').openai({ text: 'hi' }).model !== 'gpt-4o-mini') throw new Error('not served');
      await prompts.close();
      // An http store (nothing listens there: it is only opened, and its first read fails).
      await mod.loadPrompts({ store: 'http://127.0.0.1:9/registry/' }).then(() => { throw new Error('served?'); }, (e) => { if (e.code !== 'STORE_UNREACHABLE') throw e; });
    `;
    const postgres = `
      await mod.loadPrompts({ store: 'postgres://app@127.0.0.1:${port}/prompts' }).then(() => { throw new Error('served?'); }, (e) => { if (e.code !== 'STORE_UNREACHABLE') throw e; });
    `;
    const [imported, afterDuckTyped, afterFileAndHttp, afterPostgres] = await modulesLoaded(ENTRY, [duckTyped, fileAndHttp, postgres], project);
    return { imported, duckTyped: afterDuckTyped, fileAndHttp: afterFileAndHttp, postgres: afterPostgres };
  })();
  return entryProbe;
}

describe('the runtime entry point stays light', () => {
  it('the probe sees heavy modules when they load (control: the OpenAI cost estimate loads gpt-tokenizer, a postgres:// store loads pg)', async () => {
    // HEAVY matches the URLs the probe reports: check() of an OpenAI project loads the tokenizer.
    const { afterOpenai } = await probeTokenizer();
    expect(afterOpenai.filter((url) => HEAVY.test(url)).some((url) => url.includes('node_modules/gpt-tokenizer/'))).toBe(true);
    // The entry's own probe, whose steps below must load nothing heavy, sees a package its last step loads.
    expect((await probeEntry()).postgres.some((url) => POSTGRES.test(url))).toBe(true);
  });

  it('importing promptgate loads no SDK, runner, reporters, ajv, jiti or commander', async () => {
    const loaded = (await probeEntry()).imported;
    expect(loaded.some((url) => url.includes('/dist/runtime/traced.js'))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it('nor does loading, rendering and wrapping a duck-typed client', async () => {
    const loaded = (await probeEntry()).duckTyped;
    expect(loaded.some((url) => url.includes('node_modules/handlebars/'))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
    expect(loaded.filter((url) => STORES.test(url) || POSTGRES.test(url))).toEqual([]);
  });

  it('serving from a file or an http store loads that store, never pg or the PostgreSQL store', async () => {
    const loaded = (await probeEntry()).fileAndHttp;
    expect(loaded.some((url) => url.includes('/dist/registry/file-store.js'))).toBe(true);
    expect(loaded.some((url) => url.includes('/dist/registry/http-store.js'))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url) || POSTGRES.test(url))).toEqual([]);
  });

  it('a postgres:// store loads pg (the control: the probe sees it when it loads)', async () => {
    const loaded = (await probeEntry()).postgres;
    expect(loaded.some((url) => /node_modules\/pg\//.test(url))).toBe(true);
    expect(loaded.some((url) => url.includes('/dist/registry/postgres-store.js'))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
  });
});

/**
 * check() through the Node entry, in one process: a project without OpenAI models, then one with
 * an OpenAI model (what was loaded after each). Shared with the control above.
 */
let tokenizerProbe: Promise<{ afterOffline: string[]; afterOpenai: string[] }> | undefined;
function probeTokenizer() {
  tokenizerProbe ??= (async () => {
    const files = (models: string) => ({
      'prompts/ask.prompt': '---\nversion: 1.0.0\n---\n{{question}}\n',
      'evals/ask.csv': 'question,__expected\nWhy?,contains:because\n',
      'eval.config.mjs': `export default { models: ${models}, defaultModel: 'a' };\n`,
    });
    const offline = await makeProject(files(`{ a: { provider: 'anthropic', model: 'claude-haiku-4-5' }, r: { provider: 'replay', model: 'gpt-4o' } }`));
    const openai = await makeProject(files(`{ a: { provider: 'openai', model: 'gpt-4o-mini' } }`));
    const check = (dir: string, tokenizer: string) => `
      const { Writable } = await import('node:stream');
      const sink = () => new Writable({ write(_chunk, _encoding, callback) { callback(); } });
      const result = await mod.check({}, { cwd: ${JSON.stringify(dir)}, stdout: sink(), stderr: sink(), env: {} });
      if (!result.ok || result.estimate.rows[0].tokenizer !== '${tokenizer}') throw new Error(JSON.stringify(result));
    `;
    const [, afterOffline, afterOpenai] = await modulesLoaded(join(REPO_ROOT, 'dist', 'node.js'), [check(offline, 'approx'), check(openai, 'tiktoken')]);
    return { afterOffline, afterOpenai };
  })();
  return tokenizerProbe;
}

describe('the cost estimate loads its tokenizer only for OpenAI models', () => {
  it('check() loads no tokenizer for a project without OpenAI models, and only the encoding an OpenAI model uses', async () => {
    const { afterOffline, afterOpenai } = await probeTokenizer();
    const tokenizer = (urls: string[]) => urls.filter((url) => url.includes('node_modules/gpt-tokenizer/')).map((url) => url.replace(/.*\/gpt-tokenizer\//, ''));
    expect(afterOffline.some((url) => url.includes('/dist/budget/estimate.js'))).toBe(true);
    expect(tokenizer(afterOffline)).toEqual([]);
    // The encoding's ranks (megabytes of data): o200k_base's for gpt-4o-mini, never cl100k_base's.
    expect(tokenizer(afterOpenai)).toContain('esm/bpeRanks/o200k_base.js');
    expect(tokenizer(afterOpenai).filter((path) => path.includes('bpeRanks/'))).toEqual(['esm/bpeRanks/o200k_base.js']);
  });
});
