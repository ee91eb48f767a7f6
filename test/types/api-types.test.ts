import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { commitFiles, initRepo } from '../helpers/git-repo.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { WORDS, wordCases, wordPrompt } from '../helpers/word-suite.js';

/** The user's file, loaded the way a user's program would: `promptgate/node` is the built dist/node.js. */
type UserModule = typeof import('./api-user.js');

// That this file type-checks against dist/*.d.ts is checked by `npm run typecheck` (test/types/check-dist.mjs).

describe('a user\'s TypeScript file against the built package (promptgate/node)', () => {
  let server: MockServer;
  let dir: string;
  let user: UserModule;

  beforeAll(async () => {
    // Capitals when told to shout; every word garbled when told to be sloppy.
    server = await startOpenAIServer({
      respond: (req) => {
        const system = String(req.messages.find((m) => m.role === 'system')?.content ?? '');
        const word = String(req.messages.at(-1)?.content ?? '').trim();
        return { content: system.includes('sloppy') ? `${word}??` : word.toUpperCase() };
      },
    });
    dir = await makeProject({});
    initRepo(dir);
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'USER_KEY', params: { temperature: 0 } } } };\n`;
    await commitFiles(dir, { 'eval.config.mjs': config, 'prompts/shout.prompt': wordPrompt('1.0.0', 'Repeat the word in capitals.'), 'evals/shout.csv': wordCases(WORDS), '.gitignore': 'reports/\n.promptgate-cache/\n' }, 'good');
    // The working tree: a worse, uncommitted candidate.
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'prompts/shout.prompt'), wordPrompt('1.1.0', 'Repeat the word, be sloppy.'));
    user = (await import('./api-user.js')) as UserModule;
  });
  afterAll(async () => server.close());

  it('runs in-process: run, then compare with a git baseline; the verdict, exit code and run record', async () => {
    let printed = '';
    const stream = new Writable({ decodeStrings: false, write: (chunk, _enc, done) => ((printed += String(chunk)), done()) });
    const { first, gate } = await user.gateChange(dir, { USER_KEY: 'sk-user' }, 'HEAD', stream);
    // No floor configured (gate.minPassRate): a run with every case failed still passes; compare gates the change.
    expect(first).toMatchObject({ ok: true, exitCode: 0, verdict: 'pass', run: { command: 'run', status: 'complete', totals: { cases: 10, failed: 10 } } });
    if (!('header' in gate)) throw new Error(gate.text);
    expect(gate.verdict).toBe('fail');
    expect(gate.exitCode).toBe(1);
    expect(gate.header).toMatchObject({ command: 'compare', status: 'complete', gate: { verdict: 'fail' }, comparison: { baseline: { spec: 'HEAD' }, candidate: { spec: 'working tree' } } });
    expect(gate.header.comparison?.rows[0].counts.regressed).toBe(10);
    expect(gate.cases).toHaveLength(10);
    expect(gate.cases.every((c) => c.change === 'regressed' && c.baseline?.promptVersion === '1.0.0' && c.promptVersion === '1.1.0')).toBe(true);
    // The run printed its console report to the context's stream; compare asked for the json reporter only.
    expect(printed).toContain('shout@1.1.0');
    expect(printed.match(/Run folder:/g)).toHaveLength(1);
    expect(new Set(server.requests.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer sk-user']));
  });

  it('bad input is a value: { ok: false, exitCode: 2, error: { code, file, line } }, nothing thrown, run or written', async () => {
    const bad = await makeProject({
      'eval.config.mjs': `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}' } } };\n`,
      'prompts/shout.prompt': wordPrompt('1.0.0', 'Shout.'),
      'evals/shout.csv': 'word,__expected\napple,equals:APPLE\nfig,equals:FIG,extra\n',
    });
    server.reset();
    const { run, compare } = await import('promptgate/node');
    const result = await run({}, { cwd: bad, env: {}, stdout: new Writable({ write: (_c, _e, done) => done() }) });
    expect(result).toMatchObject({ ok: false, exitCode: 2, error: { code: 'CASE_INVALID', file: 'evals/shout.csv', line: 3 } });
    expect(user.describeFailure(result)).toBe('CASE_INVALID evals/shout.csv:3 row has 3 fields, the header has 2');
    const noBaseline = await compare({ baseline: '' }, { cwd: bad, env: {} });
    expect(noBaseline).toMatchObject({ ok: false, exitCode: 2, error: { code: 'USAGE', file: '--baseline' } });
    expect(server.count).toBe(0);
    expect(await readdir(bad)).not.toContain('reports');
  });
});
