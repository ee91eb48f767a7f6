import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { runFolders } from '../helpers/runs.js';

/** A replay project: no network, one passing case. */
async function replayProject(): Promise<string> {
  return makeProject({
    'eval.config.mjs': "export default { models: { m: { provider: 'replay', model: 'm' } }, defaultModel: 'm' };\n",
    'prompts/p.prompt': '---\nversion: 1.0.0\n---\nSay hello to {{name}}.\n',
    'evals/p.csv': 'name,__expected\nAnn,contains:Ann\n',
    'fixtures/replay/m.jsonl': `${JSON.stringify({ messages: [{ role: 'user', content: 'Say hello to Ann.' }], output: 'Hello Ann' })}\n`,
  });
}

describe('promptgate report on a stored run', () => {
  let dir: string;
  let runDir: string;
  beforeAll(async () => {
    dir = await replayProject();
    const run = await runCliInProcess(['run'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    [runDir] = await runFolders(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a hand-broken run.json is exit 2 with one line naming the file and what is wrong; nothing is written', async () => {
    const file = join(runDir, 'run.json');
    const run = JSON.parse(await readFile(file, 'utf8'));
    delete run.cases[0].repeats;
    await writeFile(file, JSON.stringify(run, null, 2));
    const before = (await readdir(runDir)).sort();
    const result = await runCliInProcess(['report', runDir, '--reporter', 'html', '--reporter', 'console', '--reporter', 'markdown'], { cwd: dir });
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toBe(`promptgate: ${file}: not a valid promptgate run: /cases/0 must have required property 'repeats' (was it edited by hand? re-run, or restore the file)`);
    expect(result.stdout).toBe('');
    expect((await readdir(runDir)).sort()).toEqual(before);
  });
});
