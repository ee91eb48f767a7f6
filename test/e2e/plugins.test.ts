import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeProject, runCli, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readCalls, readRun, runFolders } from '../helpers/runs.js';

/**
 * Plug-ins loaded from a user's files next to eval.config.ts (issue 14): a reporter factory named
 * by module path (and by `--reporter`), custom providers from defineProvider whose ids keep their
 * cached answers apart, and named graders (defineGrader, a module path) used as `js:<name>` in
 * JSONL `assert`, where a throwing grader is a grader error, never a pass. The plug-in file is
 * test/types/plugins-user.ts, the same file the type test compiles against dist.
 */

const ENV = { TEST_OPENAI_KEY: 'sk-plugins-e2e' };
/**
 * The CLI in this process. The config reads process.env.ECHO_ID itself (as a user's config may), so
 * it is set on the process for the call and put back after. The first run is the spawned CLI.
 */
async function inProcess(args: string[], cwd: string, echoId?: string): Promise<CliResult> {
  const saved = process.env.ECHO_ID;
  if (echoId === undefined) delete process.env.ECHO_ID;
  else process.env.ECHO_ID = echoId;
  try {
    return await runCliInProcess(args, { cwd, env: ENV });
  } finally {
    if (saved === undefined) delete process.env.ECHO_ID;
    else process.env.ECHO_ID = saved;
  }
}

const ANSWERS: Record<string, string> = { short: 'Two words', long: 'This answer has far too many words', polite: 'Yes please' };

describe('plug-ins from a user file', () => {
  let server: MockServer;
  let dir: string;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (request) => ({ content: ANSWERS[/key=(\w+)/.exec(textOf(request.messages.at(-1)?.content))![1]] ?? 'Two words' }) });
    dir = await makeProject({
      'plugins.ts': await readFile(join(REPO_ROOT, 'test/types/plugins-user.ts'), 'utf8'),
      'graders/polite.mjs': 'export default (output) => ({ pass: /please/i.test(output), reason: "asked politely?" });\n',
      'eval.config.ts': `import { defineConfig } from 'promptgate';
import { echoProvider, exploding, wordCount } from './plugins';

export default defineConfig({
  models: {
    gpt: { provider: 'openai', model: 'gpt-test', baseURL: '${server.url}', apiKeyEnv: 'TEST_OPENAI_KEY' },
    local: { provider: echoProvider(process.env.ECHO_ID ?? 'echo-a'), model: 'echo-model' },
  },
  defaultModel: 'gpt',
  graders: { wordCount, exploding, polite: './graders/polite.mjs' },
  reporters: ['json', ['./plugins.ts', { file: 'summary.txt' }]],
  suites: [
    { prompt: 'answer', models: ['gpt'] },
    { name: 'echo', prompt: 'answer', cases: 'evals/echo.jsonl', models: ['local'] },
  ],
});
`,
      'prompts/answer.prompt': '---\nversion: 1.0.0\n---\nkey={{key}}\n',
      'evals/answer.jsonl': [
        { id: 'short', vars: { key: 'short', maxWords: 3 }, assert: ['js:wordCount'] },
        { id: 'long', vars: { key: 'long', maxWords: 3 }, assert: [{ type: 'js', value: 'wordCount' }] },
        { id: 'boom', vars: { key: 'boom', maxWords: 3 }, assert: ['js:exploding'] },
        { id: 'not-boom', vars: { key: 'notboom', maxWords: 3 }, assert: ['not-js:exploding'] },
        { id: 'polite', vars: { key: 'polite', maxWords: 3 }, assert: ['js:polite', 'js:wordCount'] },
      ].map((line) => JSON.stringify(line)).join('\n'),
      'evals/echo.jsonl': [
        { id: 'e1', vars: { key: 'one', maxWords: 9 }, assert: ['js:wordCount'] },
        { id: 'e2', vars: { key: 'two', maxWords: 9 }, assert: ['js:wordCount'] },
      ].map((line) => JSON.stringify(line)).join('\n'),
    });
  });
  afterAll(() => server.close());

  it('a reporter module writes its file, named graders grade (a throwing one is an error, never a pass), a custom provider answers', async () => {
    const check = await inProcess(['check'], dir);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);

    // The built CLI in a child process: plug-ins loaded by the bundle, as a user runs it.
    const result = await runCli(['run'], { cwd: dir, env: ENV });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
    const [runDir] = await runFolders(dir);
    const run = await readRun(runDir);
    const byId = Object.fromEntries(run.cases.map((c) => [c.caseId, c]));
    const reasons = (id: string) => byId[id].repeats[0].grade!.assertions.map((a) => [a.pass, a.reason, a.errored ?? false]);

    // Named graders from defineGrader, written as js:<name> and {type: 'js'}, and one from a module path.
    expect(byId.short.status).toBe('pass');
    expect(reasons('short')).toEqual([[true, '2 words (max 3)', false]]);
    expect(byId.long.status).toBe('fail');
    expect(reasons('long')).toEqual([[false, '7 words (max 3)', false]]);
    expect(byId.polite.status).toBe('pass');
    expect(reasons('polite')).toEqual([[true, 'asked politely?', false], [true, '2 words (max 3)', false]]);
    // A throwing grader: the case has no verdict, negated or not.
    for (const id of ['boom', 'not-boom']) {
      expect(byId[id].status).toBe('error');
      expect(reasons(id)).toEqual([[false, "js grader 'exploding' threw: grader bug", true]]);
    }

    // The custom provider answered its suite and is attributed by id.
    expect(byId.e1.repeats[0].output).toBe('echo-a says key=one');
    expect(byId.e2.status).toBe('pass');
    expect(run.models.find((m) => m.name === 'local')).toMatchObject({ provider: 'custom:echo-a', model: 'echo-model', reported: ['echo-model-v1'] });
    const calls = await readCalls(runDir);
    expect(calls.filter((c) => c.model === 'local').map((c) => [c.provider, c.cached])).toEqual([['custom:echo-a', false], ['custom:echo-a', false]]);
    expect(server.count).toBe(5);

    // The reporter factory got its options and wrote its file from onRunEnd.
    expect(await readFile(join(runDir, 'summary.txt'), 'utf8')).toBe(
      [
        'run: 7 cases (root known)',
        'answer/boom on gpt: error',
        'answer/long on gpt: fail',
        'answer/not-boom on gpt: error',
        'answer/polite on gpt: pass',
        'answer/short on gpt: pass',
        'echo/e1 on local: pass',
        'echo/e2 on local: pass',
      ].join('\n') + '\n',
    );
  });

  it('two custom providers with different ids never share cached answers, under the same model entry and code', async () => {
    const before = (await runFolders(dir)).length;
    // The same entry, now answered by echo-b (same factory, same code): nothing cached may be served.
    const b = await inProcess(['run', 'echo', '--reporter', 'json', '--reporter', './plugins.ts'], dir, 'echo-b');
    expect(b.stderr).toBe('');
    expect(b.code).toBe(0);
    // Back to echo-a: its answers come from the cache (so the cache was on for echo-b too).
    const a = await inProcess(['run', 'echo'], dir, 'echo-a');
    expect(a.code, a.stderr).toBe(0);

    const folders = (await runFolders(dir)).slice(before);
    expect(folders).toHaveLength(2);
    const [bCalls, aCalls] = await Promise.all(folders.map(readCalls));
    expect(bCalls.map((c) => [c.provider, c.cached, c.output]).sort()).toEqual([
      ['custom:echo-b', false, 'echo-b says key=one'],
      ['custom:echo-b', false, 'echo-b says key=two'],
    ]);
    expect(aCalls.map((c) => [c.provider, c.cached, c.output]).sort()).toEqual([
      ['custom:echo-a', true, 'echo-a says key=one'],
      ['custom:echo-a', true, 'echo-a says key=two'],
    ]);
    expect(new Set(bCalls.map((c) => c.requestKey))).not.toEqual(new Set(aCalls.map((c) => c.requestKey)));
    // `--reporter ./plugins.ts` loaded the same factory from the project root, without options.
    expect(await readFile(join(folders[0], 'summary.txt'), 'utf8')).toBe('run: 2 cases (root known)\necho/e1 on local: pass\necho/e2 on local: pass\n');
    // `report --reporter <module>` runs its onRunEnd on a stored run (no case results stream by: only the count).
    const report = await inProcess(['report', folders[1], '--reporter', './plugins.ts'], dir);
    expect(report.stderr).toBe('');
    expect(report.stdout).toBe(`${join(folders[1], 'summary.txt')}\n`);
    expect(await readFile(join(folders[1], 'summary.txt'), 'utf8')).toBe('run: 2 cases (root known)\n');
  });
});
