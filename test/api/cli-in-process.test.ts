import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun, runFolders } from '../helpers/runs.js';
import { wordCases, wordPrompt } from '../helpers/word-suite.js';

/** Run folders and latencies (and so table widths) differ between two runs; everything else a user reads must not. */
const stable = (text: string) =>
  text
    .replace(/\/[^\s]*reports\/[0-9T-]+-[0-9a-f]{6}/g, '<run folder>')
    .replace(/│ \d+\/\d+ +│ [—$]/g, '│ <p50/p95> │ —')
    // Latencies are measured, not reproducible: "55 ms / 67 ms".
    .replace(/\d+ ms \/ \d+ ms/g, '<p50> ms / <p95> ms')
    .replace(/─+/g, '─')
    .replace(/ +/g, ' ');

describe('runCliInProcess: the CLI in this process, through main(argv, context)', () => {
  let server: MockServer;
  let dir: string;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (req) => ({ content: String(req.messages.at(-1)?.content ?? '').toUpperCase() }) });
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'SHOUT_KEY', params: { temperature: 0 } } } };\n`;
    dir = await makeProject({ 'eval.config.mjs': config, 'prompts/shout.prompt': wordPrompt('1.0.0', 'Shout.'), 'evals/shout.csv': wordCases(['apple', 'fig']) });
  });
  afterAll(async () => server.close());

  it('a bad input is the same exit 2 and the same one line as the spawned CLI, and runs nothing', async () => {
    // Spawned once per path the harness takes to a bad input: commander's own error (a flag's
    // parser), the unknown-command path (every command module registered, the program's help), and
    // an input error a command throws (settle → exitOf; this one reads the config, prompts and cases
    // from the context's cwd and resolves the run path from the project root).
    const parity = [['run', '--repeat', '0'], ['nonsense'], ['compare', '--baseline', 'run:nowhere']];
    // Other errors a command throws take the same path as the last one: in-process only, each its exact line.
    const sameLine: Array<[string[], string]> = [
      [['run', '--shard', 'x'], 'promptgate: --shard: --shard must look like 2/4 (got "x")\n'],
      [['run', '--config', 'missing.config.ts'], 'promptgate: missing.config.ts: config file not found\n'],
    ];
    const spawned = await Promise.all(parity.map((args) => runCli(args, { cwd: dir })));
    for (const [i, args] of parity.entries()) {
      const inProcess = await runCliInProcess(args, { cwd: dir });
      expect(inProcess.code, args.join(' ')).toBe(2);
      expect(inProcess.code).toBe(spawned[i].code);
      expect(inProcess.stderr, args.join(' ')).toBe(spawned[i].stderr);
      expect(inProcess.stdout).toBe(spawned[i].stdout);
    }
    for (const [args, line] of sameLine) {
      const inProcess = await runCliInProcess(args, { cwd: dir });
      expect({ code: inProcess.code, stderr: inProcess.stderr, stdout: inProcess.stdout }, args.join(' ')).toEqual({ code: 2, stderr: line, stdout: '' });
    }
    expect(server.count).toBe(0);
  });

  it('a passing run: the same exit code, console report and run record as the spawned CLI', async () => {
    const spawned = await runCli(['run', '--no-cache'], { cwd: dir });
    const inProcess = await runCliInProcess(['run', '--no-cache'], { cwd: dir, env: { SHOUT_KEY: 'sk-in-process' } });
    expect(spawned.code).toBe(0);
    expect(inProcess.code).toBe(0);
    expect(stable(inProcess.stdout)).toBe(stable(spawned.stdout));
    expect(inProcess.stderr).toBe(spawned.stderr);
    const [first, second] = await runFolders(dir);
    const [a, b] = [await readRun(first), await readRun(second)];
    expect(b.summary.map((r) => [r.suite, r.model, r.passed, r.failed])).toEqual(a.summary.map((r) => [r.suite, r.model, r.passed, r.failed]));
    expect(b.gate?.verdict).toBe('pass');
    // The injected env reached the provider: the in-process run's requests carried its key.
    expect(server.requests.slice(-2).map((r) => r.headers.authorization)).toEqual(['Bearer sk-in-process', 'Bearer sk-in-process']);
  });

  it('--version and help go to the injected stdout', async () => {
    const version = await runCliInProcess(['--version'], { cwd: dir });
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await runCliInProcess(['run', '--help'], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--filter <text>');
  });
});
