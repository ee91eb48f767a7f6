import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/registry/open-store.js';
import type { RegistryStore } from '../../src/registry/types.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { gitIn } from '../helpers/git-repo.js';
import { createTestSchema } from '../helpers/postgres.js';
import { startStaticServer } from '../helpers/static-server.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer } from '../helpers/openai-server.js';
import { withNewRun } from '../helpers/runs.js';
import { WORDS, wordPrompt, wordSuiteRepo } from '../helpers/word-suite.js';
import type { RunFile } from '../../src/run-record/types.js';

/** Shouts the word back, so every case passes; a prompt asking for it "softly" gets it in lower case, so every case fails. */
function answer(request: IncomingChat) {
  const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
  const softly = textOf(request.messages.find((m) => m.role === 'system')?.content).includes('softly');
  return { content: softly ? word.toLowerCase() : word.toUpperCase() };
}

const V1 = 'Repeat the word in capitals.';
const V2 = 'Repeat the word in capitals, please.';

/** One line of a production calls.jsonl as the runtime logs it (label and store from the registry). */
function callLine(version: string, hash: string, at: string, label: string | null, store: string) {
  return JSON.stringify({
    runId: 'app', purpose: 'production', suite: '', caseId: '', repeat: 0, side: 'candidate', promptId: 'shout', promptVersion: version, promptHash: hash,
    model: 'm', provider: 'openai', modelRequested: 'shout-1', modelReported: 'shout-1-2024-01-01', params: {}, vars: { word: 'fig' }, messages: [],
    output: 'FIG', finishReason: 'stop', usage: null, latencyMs: 5, costUsd: null, cached: false, attempts: 1, error: null, requestKey: 'k', startedAt: at,
    ...(label ? { promptLabel: label, promptStore: store } : {}),
  });
}

let server: MockServer;
let dir: string;
let run: RunFile;
let hash2: string;

// One project and one gated run for every store: `run` with a floor, on the working tree's 1.1.0.
beforeAll(async () => {
  server = await startOpenAIServer({ respond: answer });
  const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', params: { temperature: 0 } } }, gate: { minPassRate: 0.5 } };\n`;
  dir = await wordSuiteRepo({ 'eval.config.mjs': config }, V1, V2);
  const produced = await withNewRun(dir, () => runCliInProcess(['run'], { cwd: dir }));
  expect(produced.result.code).toBe(0);
  run = produced.run!;
  expect(run.gate).toMatchObject({ verdict: 'pass', floor: 0.5 });
  hash2 = run.prompts[0].hash;
});
afterAll(async () => server?.close());

/**
 * The whole workflow against one store: `url` is what `--store` gets (undefined: none, so the
 * default file:./registry is used). Each scenario starts from an empty store.
 */
function scenario(name: string, url: () => Promise<string | undefined>, extra?: (ctx: { store: () => RegistryStore; storeArgs: () => string[] }) => void) {
  describe(`registry: publish, promote, rollback, status (${name})`, () => {
    let store: RegistryStore;
    let storeArgs: string[] = [];
    let hash1: string;
    const cli = (...args: string[]) => runCliInProcess([...args, ...storeArgs], { cwd: dir, env: { GITHUB_ACTOR: '' } });

    beforeAll(async () => {
      const given = await url();
      storeArgs = given === undefined ? [] : ['--store', given];
      store = await openStore(given ?? 'file:./registry', { rootDir: dir });
    });
    afterAll(async () => store?.close());

    it('publish refuses a version without a gate receipt (exit 1, naming prompt, hash and the command), and writes nothing', async () => {
      await writeFile(join(dir, 'prompts/shout.prompt'), wordPrompt('1.0.0', V1));
      hash1 = (await import('../../src/prompts/parse.js')).parsePromptSource(wordPrompt('1.0.0', V1), 'prompts/shout.prompt').hash;
      const refused = await cli('publish');
      expect(refused.code).toBe(1);
      const lines = refused.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`shout 1.0.0 (hash ${hash1}) has no passing gate receipt in reports/`);
      expect(lines[0]).toContain('`promptgate compare shout --baseline main`');
      expect(lines[0]).toContain('--force --reason');
      // Nothing written (a file store's folder was not even created: reading it is STORE_UNREACHABLE).
      const listed = await store.listVersions().catch((error) => (error.code === 'STORE_UNREACHABLE' ? [] : Promise.reject(error)));
      expect(listed).toEqual([]);
    });

    it('--force needs --reason; with one, the version is published without a receipt and the reason recorded', async () => {
      const bare = await cli('publish', '--force');
      expect(bare.code).toBe(2);
      expect(bare.stderr.trim()).toBe('promptgate: --force: needs --reason "…" (the reason is recorded with the version)');
      const forced = await cli('publish', 'shout', '--force', '--reason', 'hotfix: the old wording, ungated');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toContain(`published shout 1.0.0 (${hash1})`);
      expect(forced.stdout).toContain('forced: "hotfix: the old wording, ungated"');
      const stored = await store.getVersion('shout', '1.0.0');
      expect(stored).toMatchObject({ hash: hash1, receipt: null, forced: { reason: 'hotfix: the old wording, ungated' }, commit: gitIn(dir, 'rev-parse', 'HEAD'), dirty: true });
    });

    it('publish with a receipt records the passing run; an identical republish is unchanged; other content under that version is refused', async () => {
      gitIn(dir, 'checkout', '--', 'prompts/shout.prompt');
      // All or nothing: shout has a receipt, a new prompt does not, so neither is published.
      await writeFile(join(dir, 'prompts/extra.prompt'), wordPrompt('1.0.0', 'Whisper the word.'));
      const partial = await cli('publish');
      expect(partial.code).toBe(1);
      expect(partial.stderr).toContain('publish refused: extra 1.0.0 (hash ');
      expect(partial.stderr).not.toContain('shout 1.1.0');
      expect(await store.getVersion('shout', '1.1.0')).toBeUndefined();
      await rm(join(dir, 'prompts/extra.prompt'));
      const published = await cli('publish', 'shout');
      expect(published.code).toBe(0);
      expect(published.stdout).toContain(`published shout 1.1.0 (${hash2}) to ${store.url} · receipt`);
      expect(published.stdout).toContain(`receipt: run ${run.runId} (pass`);
      const stored = await store.getVersion('shout', '1.1.0');
      expect(stored).toMatchObject({ hash: hash2, dirty: false, commit: gitIn(dir, 'rev-parse', 'HEAD'), path: 'prompts/shout.prompt' });
      expect(stored?.receipt).toMatchObject({ runId: run.runId, command: 'run', verdict: 'pass', runFile: `reports/${run.runId}/run.json` });
      expect(stored?.receipt?.models[0]).toMatchObject({ name: 'm', model: 'shout-1', reported: ['shout-1-2024-01-01'] });

      const again = await cli('publish', 'shout');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`unchanged shout 1.1.0 (${hash2})`);

      await writeFile(join(dir, 'prompts/shout.prompt'), wordPrompt('1.1.0', `${V2} Now.`));
      const immutable = await cli('publish', 'shout', '--force', '--reason', 'try');
      expect(immutable.code).toBe(1);
      expect(immutable.stderr).toContain(`shout@1.1.0 is already published in ${store.url} with hash ${hash2}; prompts/shout.prompt now has hash `);
      expect(immutable.stderr).toContain('(a published version is immutable: bump `version`');
      expect((await store.getVersion('shout', '1.1.0'))?.hash).toBe(hash2);
      gitIn(dir, 'checkout', '--', 'prompts/shout.prompt');
    });

    it('promote moves the label and says from → to; the same version again moves nothing; an unpublished version is refused', async () => {
      const first = await runCliInProcess(['promote', 'shout@1.0.0', '--label', 'production', ...storeArgs], { cwd: dir, env: { GITHUB_ACTOR: 'octocat' } });
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`production: shout (none) → 1.0.0 (${hash1})`);
      expect(first.stdout).toContain('by octocat (CI)');
      const second = await cli('promote', 'shout@1.1.0', '--label', 'production', '--reason', 'clearer wording');
      expect(second.code).toBe(0);
      expect(second.stdout).toContain(`production: shout 1.0.0 (${hash1}) → 1.1.0 (${hash2})`);
      expect(second.stdout).toContain('"clearer wording"');
      const same = await cli('promote', 'shout@1.1.0', '--label', 'production');
      expect(same.code).toBe(0);
      expect(same.stdout).toContain('nothing moved');
      const missing = await cli('promote', 'shout@9.9.9', '--label', 'production');
      expect(missing.code).not.toBe(0);
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
      expect(await store.history({ id: 'shout', label: 'production' })).toHaveLength(2);
      // Bad input is exit 2 with one line, and moves nothing.
      const bad: Record<string, Awaited<ReturnType<typeof cli>>> = {};
      for (const args of [['promote', 'shout-1.1.0', '--label', 'production'], ['promote', 'shout@1.1.0', '--label', 'Production'], ['publish', 'nope']]) {
        bad[args.join(' ')] = await cli(...args);
        expect(bad[args.join(' ')].code).toBe(2);
        expect(bad[args.join(' ')].stderr.trim().split('\n')).toHaveLength(1);
      }
      // The same `publish nope` run, not a second one.
      expect(bad['publish nope'].stderr).toContain('no prompt "nope" in prompts/');
      const noLabel = await cli('promote', 'shout@1.1.0');
      expect(noLabel.code).toBe(2);
      expect(noLabel.stderr).toContain("required option '--label <label>'");
    });

    it('status prints each label\'s version, hash, since, by, why and receipt (text and --json)', async () => {
      const text = await cli('status');
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('production:');
      expect(text.stdout).toMatch(new RegExp(`shout 1\\.1\\.0 \\(${hash2}\\) since \\S+ by .+ \\(promote\\) · why: "clearer wording"`));
      expect(text.stdout).toContain(`receipt: run ${run.runId} (pass, ${run.finishedAt})`);
      const json = await cli('status', '--label', 'production', '--json');
      expect(json.code).toBe(0);
      const data = JSON.parse(json.stdout);
      expect(data.labels).toHaveLength(1);
      expect(data.labels[0]).toMatchObject({ label: 'production', id: 'shout', version: '1.1.0', hash: hash2, reason: 'clearer wording', previous: { version: '1.0.0', hash: hash1 }, receipt: { runId: run.runId } });
      expect(data.mismatches).toEqual([]);
    });

    it('rollback goes back to the previous version (status then shows the forced reason); a second goes back further or is refused', async () => {
      const back = await cli('rollback', 'shout', '--label', 'production', '--reason', 'complaints');
      expect(back.code).toBe(0);
      expect(back.stdout).toContain(`production: shout 1.1.0 (${hash2}) → 1.0.0 (${hash1})`);
      expect(back.stdout).toContain('rollback');
      const shown = await cli('status', '--label', 'production');
      expect(shown.stdout).toContain(`shout 1.0.0 (${hash1})`);
      expect(shown.stdout).toContain('forced: "hotfix: the old wording, ungated" (no gate receipt)');
      const further = await cli('rollback', 'shout', '--label', 'production');
      expect(further.code).toBe(2);
      expect(further.stderr.trim().split('\n')).toHaveLength(1);
      expect(await store.history({ id: 'shout', label: 'production' })).toHaveLength(3);
      expect((await cli('promote', 'shout@1.1.0', '--label', 'production')).code).toBe(0);
    });

    it('status --log puts what served traffic next to the label, and flags (exit 1) traffic on another hash after the label moved', async () => {
      const [state] = await store.labels('production');
      const later = (minutes: number) => new Date(Date.parse(state.at) + minutes * 60_000).toISOString();
      const earlier = new Date(Date.parse(state.at) - 60_000).toISOString();
      await mkdir(join(dir, 'logs/ok'), { recursive: true });
      await mkdir(join(dir, 'logs/stale'), { recursive: true });
      // Switched: the old version before the move, the new one after.
      await writeFile(join(dir, 'logs/ok/calls.jsonl'), `${[callLine('1.0.0', hash1, earlier, 'production', store.url), callLine('1.1.0', hash2, later(1), 'production', store.url), callLine('1.1.0', hash2, later(2), 'production', store.url), callLine('0.9.0', 'abcdefabcdef', later(3), null, '')].join('\n')}\n`);
      const ok = await cli('status', '--log', 'logs/ok/*.jsonl');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('traffic in 1 log file(s):');
      expect(ok.stdout).toContain(`production from ${store.url}: shout 1.1.0 (${hash2}) 2 call(s), 0 error(s), first ${later(1)}, last ${later(2)} · current`);
      expect(ok.stdout).toContain(`production from ${store.url}: shout 1.0.0 (${hash1}) 1 call(s)`);
      expect(ok.stdout).toContain('(no label): shout 0.9.0 (abcdefabcdef) 1 call(s)');
      expect(ok.stdout).not.toContain('MISMATCH');
      // Still serving the old version after the move.
      await writeFile(join(dir, 'logs/stale/calls.jsonl'), `${[callLine('1.1.0', hash2, later(1), 'production', store.url), callLine('1.0.0', hash1, later(5), 'production', store.url)].join('\n')}\n`);
      const stale = await cli('status', '--log', 'logs/stale/calls.jsonl', '--json');
      expect(stale.code).toBe(1);
      const data = JSON.parse(stale.stdout);
      expect(data.mismatches).toEqual([expect.objectContaining({ label: 'production', id: 'shout', expected: expect.objectContaining({ version: '1.1.0', hash: hash2 }), served: { version: '1.0.0', hash: hash1, lastAt: later(5), calls: 1 } })]);
      const text = await cli('status', '--log', 'logs/stale/calls.jsonl');
      expect(text.code).toBe(1);
      expect(text.stdout).toContain(`MISMATCH: production points shout to 1.1.0 (${hash2}) since ${state.at}, but its latest call under that label, at ${later(5)}, was served by 1.0.0 (${hash1})`);
      const none = await cli('status', '--log', 'logs/nothing-*.jsonl');
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('no log file matches logs/nothing-*.jsonl');
    });

    it('a published version is stored as the source the run graded', async () => {
      expect((await store.getVersion('shout', '1.1.0'))?.source).toBe(await readFile(join(dir, 'prompts/shout.prompt'), 'utf8'));
      expect(WORDS.length).toBe(run.totals.cases);
    });
    extra?.({ store: () => store, storeArgs: () => storeArgs });
  });
}

scenario('file store, the default', async () => undefined, ({ store }) => {
  it('hotfix: a new version is refused until its gate ran against what production serves; then publish, promote, roll back', async () => {
    const cli = (...args: string[]) => runCliInProcess(args, { cwd: dir, env: { GITHUB_ACTOR: '' } });
    await writeFile(join(dir, 'prompts/shout.prompt'), wordPrompt('1.2.0', `${V2} Thanks.`));
    const refused = await cli('publish', 'shout');
    expect(refused.code).toBe(1);
    // production serves 1.1.0: that is the baseline to gate against.
    expect(refused.stderr).toContain('run `promptgate compare shout --baseline @1.1.0`');
    const compared = await withNewRun(dir, () => cli('compare', 'shout', '--baseline', '@1.1.0'));
    expect(compared.result.code).toBe(0);
    const published = await cli('publish', 'shout');
    expect(published.code).toBe(0);
    expect(published.stdout).toContain(`receipt: compare ${compared.run!.runId} (pass, ${compared.run!.finishedAt}, baseline ${compared.run!.comparison!.baseline.label})`);
    const hash3 = compared.run!.prompts.find((p) => p.side === 'candidate')!.hash;
    expect((await store().getVersion('shout', '1.2.0'))?.receipt).toMatchObject({ runId: compared.run!.runId, command: 'compare', baseline: compared.run!.comparison!.baseline.label });
    expect((await cli('promote', 'shout@1.2.0', '--label', 'production', '--reason', 'hotfix')).stdout).toContain(`→ 1.2.0 (${hash3})`);
    expect((await cli('rollback', 'shout', '--label', 'production')).stdout).toContain(`shout 1.2.0 (${hash3}) → 1.1.0 (${hash2})`);
    gitIn(dir, 'checkout', '--', 'prompts/shout.prompt');
  });

  it('a `run` without a floor passes its gate whatever the pass rate, so it is no receipt: publish refuses the version (exit 1, saying why)', async () => {
    const cli = (...args: string[]) => runCliInProcess(args, { cwd: dir, env: { GITHUB_ACTOR: '' } });
    await writeFile(join(dir, 'prompts/shout.prompt'), wordPrompt('1.3.0', 'Repeat the word softly.'));
    await writeFile(join(dir, 'nofloor.config.mjs'), (await readFile(join(dir, 'eval.config.mjs'), 'utf8')).replace(', gate: { minPassRate: 0.5 }', ''));
    try {
      const ran = await withNewRun(dir, () => cli('run', '--config', 'nofloor.config.mjs'));
      expect(ran.result.code, ran.result.stderr).toBe(0);
      expect(ran.run!.totals).toMatchObject({ cases: WORDS.length, passed: 0, failed: WORDS.length });
      expect(ran.run!.gate?.verdict).toBe('pass');
      expect(ran.run!.gate?.floor).toBeUndefined();
      const refused = await cli('publish', 'shout');
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toContain(`shout 1.3.0 (hash ${ran.run!.prompts[0].hash}) has no passing gate receipt`);
      expect(refused.stderr).toContain('without a pass-rate floor');
      // Nothing published (when this test runs alone, nothing was ever published: no registry folder).
      const stored = await store().getVersion('shout', '1.3.0').catch((error) => (error.code === 'STORE_UNREACHABLE' ? undefined : Promise.reject(error)));
      expect(stored).toBeUndefined();
    } finally {
      await rm(join(dir, 'nofloor.config.mjs'));
      gitIn(dir, 'checkout', '--', 'prompts/shout.prompt');
    }
  });

  it('the same folder served over HTTP is a read-only store: status works, publish, promote and rollback are refused (exit 2)', async () => {
    const http = await startStaticServer(join(dir, 'registry'));
    try {
      const cli = (...args: string[]) => runCliInProcess([...args, '--store', http.url], { cwd: dir });
      const shown = await cli('status', '--json');
      expect(shown.code).toBe(0);
      const data = JSON.parse(shown.stdout);
      expect(data.store).toBe(http.url);
      expect(data.labels).toEqual(JSON.parse((await runCliInProcess(['status', '--json'], { cwd: dir })).stdout).labels);
      for (const [command, args] of [['publish', ['shout']], ['promote', ['shout@1.0.0', '--label', 'production']], ['rollback', ['shout', '--label', 'production']]] as const) {
        const refused = await cli(command, ...args);
        expect(refused.code).toBe(2);
        expect(refused.stderr.trim()).toBe(`promptgate: --store: ${command}: the store ${http.url} is read-only (https:// stores serve what \`publish --store file:<dir>\` wrote: write to that folder (or to PostgreSQL) and publish the folder again)`);
      }
      expect((await store().labels('production'))[0].version).toBe('1.1.0');
    } finally {
      await http.close();
    }
  });
});

scenario('PostgreSQL', () => createTestSchema());
