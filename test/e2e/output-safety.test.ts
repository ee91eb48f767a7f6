import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { runFolders } from '../helpers/runs.js';

/**
 * Untrusted text (model outputs and case data) printed by run, compare, report and merge under
 * GitHub Actions: no line the runner reads may be a workflow command, no control character may
 * reach the terminal or results.csv, and summary.md may not mention or reference anyone.
 */

const PAYLOAD = ['::set-output name=x::y', '##[add-mask]secret', '::error::pwned', '\u001b]0;title\u0007', '\u009b31m', '@octocat', '#1'].join('\n');

/** Lines the Actions runner would run as workflow commands (a line ends at CR or LF), but promptgate's own annotations. */
function commandLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((line) => (line.trimStart().startsWith('::') || line.includes('##[')) && !/^::(error|warning|notice) /.test(line));
}

/** Control characters other than LF and tab. */
function controlChars(text: string): string[] {
  return [...text.matchAll(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g)].map((m) => `U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function expectInert(result: CliResult, what: string): void {
  for (const [name, text] of [['stdout', result.stdout], ['stderr', result.stderr]] as const) {
    expect(commandLines(text), `${what} ${name}:\n${text}`).toEqual([]);
    expect(controlChars(text), `${what} ${name}`).toEqual([]);
  }
}

/** Live GitHub mentions and issue references in rendered Markdown. */
function liveReferences(markdown: string): string[] {
  return [...markdown.matchAll(/(?<![\w&])@[A-Za-z0-9][\w-]*|(?<![\w&])#\d+/g)].map((m) => m[0]);
}

describe('untrusted text in the output of run, compare, report and merge under GitHub Actions', () => {
  let server: MockServer;
  let dir: string;
  let answer = 'GOOD';
  const env = { GITHUB_ACTIONS: 'true', TEST_OPENAI_KEY: 'sk-e2e' };

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: () => ({ content: `${answer}\n${PAYLOAD}` }) });
    const hostile = JSON.stringify(PAYLOAD);
    dir = await makeProject({
      'eval.config.mjs': `export default {
  models: { m: { provider: 'openai', model: 'gpt-test', baseURL: '${server.url}', apiKeyEnv: 'TEST_OPENAI_KEY' } },
  defaultModel: 'm',
  reporters: ['console', 'csv', 'markdown'],
};
`,
      'prompts/p.prompt': '---\nversion: 1.0.0\n---\nAnswer: {{q}}\n',
      'evals/p.jsonl': [
        `{"id": "hostile-vars", "vars": {"q": ${hostile}}, "expected": "contains:GOOD", "description": ${hostile}}`,
        `{"id": "hostile-grader", "vars": {"q": "plain"}, "expected": ${JSON.stringify(`equals:${PAYLOAD}`)}}`,
        `{"id": "plain", "vars": {"q": "other"}, "expected": "contains:GOOD"}`,
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints nothing the runner would run, no control character, and summaries that ping nobody', async () => {
    // run: the model's outputs and the case data reach the console report.
    const run = await runCliInProcess(['run', '--no-cache'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expectInert(run, 'run');
    // The hostile text was printed (escaped), not dropped.
    expect(run.stdout).toContain('set-output name=x::y');
    expect(run.stdout).toContain('\\x1b]0;title\\x07');
    const [baseline] = await runFolders(dir);

    // compare against the stored run, with worse answers: regressed cases show both outputs.
    answer = 'BAD';
    const compare = await runCliInProcess(['compare', '--no-cache', '--baseline', `run:${join(baseline, 'run.json')}`], { cwd: dir, env });
    // 2 regressions in 3 cases cannot be told from noise: inconclusive (exit 4), its line inert too.
    expect(compare.code, compare.stderr).toBe(4);
    expect(compare.stdout).toContain('Regressed (2)');
    expect(compare.stdout).toContain('Gate: INCONCLUSIVE');
    expectInert(compare, 'compare');
    const compared = (await runFolders(dir)).at(-1)!;

    // report: the stored run rendered again.
    const report = await runCliInProcess(['report', compared, '--reporter', 'console', '--reporter', 'csv', '--reporter', 'markdown'], { cwd: dir, env });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('Regressed (2)');
    expectInert(report, 'report');

    // merge: two shards made into one run.
    for (const i of [1, 2]) {
      const shard = await runCliInProcess(['run', '--no-cache', '--shard', `${i}/2`, '--out', `shards/${i}`], { cwd: dir, env });
      expect([0, 1], shard.stderr).toContain(shard.code);
      expectInert(shard, `shard ${i}`);
    }
    const shardDirs = [...(await runFolders(dir, 'shards/1')), ...(await runFolders(dir, 'shards/2'))];
    const merge = await runCliInProcess(['merge', ...shardDirs, '--out', 'merged'], { cwd: dir, env });
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toContain('set-output name=x::y');
    expectInert(merge, 'merge');

    // The files: results.csv holds no control character but LF; summary.md pings nobody.
    for (const runDir of [baseline, compared, ...(await runFolders(dir, 'merged'))]) {
      const csv = await readFile(join(runDir, 'results.csv'), 'utf8');
      expect(csv).toContain('set-output name=x::y');
      expect(controlChars(csv), runDir).toEqual([]);
      const summary = await readFile(join(runDir, 'summary.md'), 'utf8');
      expect(summary).toContain('octocat');
      expect(liveReferences(summary), summary).toEqual([]);
    }
  });
});
