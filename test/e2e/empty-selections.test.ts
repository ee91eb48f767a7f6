import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_FORMAT_VERSION, type CaseResult, type RunFile, type SideResult } from '../../src/run-record/types.js';
import { inShard } from '../../src/runner/select.js';
import { makeProject, type CliResult } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, gitIn, initRepo } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readRun } from '../helpers/runs.js';

/**
 * Gates against nothing (SPEC §8: a selection with no graded case is never a pass): a --filter
 * matching no case, cases with no assertion (`ungraded`), a suite of only ungraded cases, empty
 * shards and incomplete merges. Header-only and empty case files are in the bad-input corpus.
 */

const PROMPT = (version: string, system: string) => `---\nversion: ${version}\nmodel: m\n---\n{{role "system"}}\n${system}\n{{role "user"}}\n{{word}}\n`;
/** Three graded cases with fixed ids, so the test knows which of 5 shards hold none. */
const SHOUT_IDS = ['alpha', 'beta', 'gamma'];
const SHOUT = ['__id,word,__expected', ...SHOUT_IDS.map((id) => `${id},${id},equals:${id.toUpperCase()}`)].join('\n');
/** Cases with nothing to grade them: no __expected, and the prompt has no output.schema. */
const LOOSE = ['word,__description', 'kiwi,kiwi', 'lemon,lemon', 'mango,mango'].join('\n');
/** Two graded cases and one without an assertion. */
const MIXED = [
  { id: 'm1', vars: { word: 'fig' }, expected: 'equals:FIG' },
  { id: 'm2', vars: { word: 'plum' }, assert: [{ type: 'contains', value: 'PLUM' }] },
  { id: 'm3', vars: { word: 'pear' } },
].map((c) => JSON.stringify(c)).join('\n');

describe('gates against nothing', () => {
  let server: MockServer;
  let dir: string;
  /** A stored `run loose` (only ungraded cases), made on main. */
  let looseRun: string;

  const cli = (args: string[]) => runCliInProcess(args, { cwd: dir, env: { MOCK_KEY: 'k' } });
  /** The run folder a command made: the console names it (merge without the console reporter says "Merged … into"). */
  const folderOf = (result: CliResult) => /^(?:Run folder: |Merged \d+ run\(s\) into )(.+)$/m.exec(result.stdout)?.[1];
  const runOf = async (result: CliResult): Promise<RunFile> => {
    const folder = folderOf(result);
    expect(folder, result.stdout + result.stderr).toBeDefined();
    return readRun(folder!);
  };
  const reportsCount = async () => (await readdir(join(dir, 'reports'))).length;

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (request) => ({ content: textOf(request.messages.at(-1)?.content).trim().toUpperCase() }) });
    dir = await makeProject({});
    initRepo(dir);
    const config = `export default { models: { m: { provider: 'openai', model: 'shout-1', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY' } }, defaultModel: 'm', gate: { maxRegressions: 0 } };\n`;
    await commitFiles(
      dir,
      {
        'eval.config.mjs': config,
        'prompts/shout.prompt': PROMPT('1.0.0', 'Repeat the word in capitals.'),
        'prompts/loose.prompt': PROMPT('1.0.0', 'Say the word loudly.'),
        'prompts/mixed.prompt': PROMPT('1.0.0', 'Repeat the word in capitals.'),
        'evals/shout.csv': SHOUT,
        'evals/loose.csv': LOOSE,
        'evals/mixed.jsonl': MIXED,
        '.gitignore': 'reports/\n.promptgate-cache/\nbaselines/\n',
      },
      'main',
    );
    const stored = await cli(['run', 'loose']);
    expect(stored.code).toBe(3);
    await mkdir(join(dir, 'baselines'));
    looseRun = join(dir, 'baselines/loose.json');
    await copyFile(join(folderOf(stored)!, 'run.json'), looseRun);
    // The pull request: both shout and loose change (with a version bump each).
    gitIn(dir, 'checkout', '-q', '-b', 'feature');
    await commitFiles(dir, { 'prompts/shout.prompt': PROMPT('1.1.0', 'Repeat the word in capitals!'), 'prompts/loose.prompt': PROMPT('1.1.0', 'Say the word loudly!') }, 'feature');
  });
  afterAll(async () => server.close());

  it('(a) a --filter matching no case is exit 2 naming it, in run, compare, ci and drift, with nothing run', async () => {
    const before = await reportsCount();
    server.reset();
    const runs = {
      run: await cli(['run', '--filter', 'durian']),
      compare: await cli(['compare', '--baseline', 'main', '--filter', 'durian']),
      ci: await cli(['ci', '--base', 'main', '--filter', 'durian']),
      drift: await cli(['drift', '--baseline', `run:${looseRun}`, '--filter', 'durian']),
    };
    for (const [command, result] of Object.entries(runs)) {
      expect(result.code, `${command}: ${result.stderr}`).toBe(2);
      const lines = result.stderr.trim().split('\n').filter((line) => !line.startsWith('promptgate: note:'));
      expect(lines, command).toHaveLength(1);
      expect(lines[0], command).toMatch(/^promptgate: --filter: "durian" matches none of the \d+ case\(s\) of suites? [a-z, ]+ \(it keeps the cases whose id, description or tags, or whose suite name, contain the text \(ignoring case\)\)$/);
    }
    expect(runs.run.stderr).toContain('matches none of the 9 case(s) of suites loose, mixed, shout');
    expect(runs.ci.stderr).toContain('matches none of the 6 case(s) of suites loose, shout');
    expect(server.count).toBe(0);
    expect(await reportsCount()).toBe(before);
  });

  it('(b) a header-only case file is exit 2 naming it in check and compare (run: the bad-input corpus)', async () => {
    const before = await reportsCount();
    await writeFile(join(dir, 'evals/shout.csv'), '__id,word,__expected\n');
    try {
      const message = 'promptgate: evals/shout.csv:1: suite "shout" has no cases: the file has a header row but no case rows (add cases to it, or remove the file)\n';
      const check = await cli(['check']);
      expect([check.code, check.stderr]).toEqual([2, message]);
      const compare = await cli(['compare', 'shout', '--baseline', 'main']);
      expect([compare.code, compare.stderr]).toEqual([2, message]);
    } finally {
      await writeFile(join(dir, 'evals/shout.csv'), SHOUT);
    }
    expect(await reportsCount()).toBe(before);
  });

  it('(c)(d) run: ungraded cases are never passes; a suite of only ungraded cases gets no verdict (exit 3) even without a floor; every report shows them', async () => {
    const result = await cli(['run', 'mixed', 'loose', '--reporter', 'console', '--reporter', 'markdown', '--reporter', 'junit', '--reporter', 'html', '--reporter', 'csv']);
    const run = await runOf(result);
    const status = Object.fromEntries(run.cases.map((c) => [String(c.vars.word), c.status]));
    expect(status).toEqual({ fig: 'pass', plum: 'pass', pear: 'ungraded', kiwi: 'ungraded', lemon: 'ungraded', mango: 'ungraded' });
    expect(run.cases.find((c) => c.vars.word === 'pear')!.repeats[0].grade).toMatchObject({ pass: false, ungraded: true, assertions: [] });
    expect(run.summary.map((r) => [r.suite, r.passed, r.failed, r.errored, r.ungraded, r.passRate])).toEqual([
      ['loose', 0, 0, 0, 3, 0],
      ['mixed', 2, 0, 0, 1, 1],
    ]);
    expect(run.totals).toMatchObject({ cases: 6, passed: 2, ungraded: 4 });
    expect(run.gate?.verdict).toBe('error');
    expect(run.gate?.reasons).toEqual([
      'loose › m: no case was graded (3 ungraded: no assertion and no output.schema), so no verdict (add __expected or assert to the cases, or an output.schema to the prompt)',
    ]);
    expect(result.code).toBe(3);
    // Console: the Ungraded column, the count in the totals, the list and the verdict.
    expect(result.stdout).toMatch(/│ Errored\s*│ Ungraded\s*│ Pass rate\s*│/);
    expect(result.stdout).toContain('6 cases · 2 passed · 0 failed · 0 errored · 4 ungraded');
    expect(result.stdout).toContain('Ungraded (4) no assertion and no output.schema: nothing graded them, and they do not count as passes');
    expect(result.stdout).toContain('Gate: NO VERDICT — loose › m: no case was graded');
    const runDir = folderOf(result)!;
    const md = await readFile(join(runDir, 'summary.md'), 'utf8');
    expect(md.split('\n')[0]).toBe('# ⚠️ promptgate run: no verdict');
    expect(md).toContain('· **4** ungraded ·');
    expect(md).toContain('## Ungraded cases (4)');
    expect(md).toMatch(/\| Errored \| Ungraded \| Pass rate \|/);
    const junit = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(join(runDir, 'junit.xml'), 'utf8'));
    expect(junit.testsuites).toMatchObject({ tests: '6', failures: '0', errors: '0', skipped: '4' });
    const csv = (await readFile(join(runDir, 'results.csv'), 'utf8')).trim().split(/\r?\n/);
    expect(csv.filter((line) => line.split(',')[3] === 'ungraded')).toHaveLength(4);
    const html = await readFile(join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('6 (2 passed, 0 failed, 0 errored, 4 ungraded)');
    expect(html).toContain('"status":"ungraded"');

    // A suite with graded cases passes on them, and says what it did not count.
    const mixed = await cli(['run', 'mixed']);
    expect(mixed.code).toBe(0);
    expect(mixed.stdout).toContain('Gate: PASS — 1 ungraded case(s) (nothing to grade them with) not counted');
  });

  it('(d) compare, ci and drift: only ungraded cases get no verdict (exit 3), naming the suite', async () => {
    const compare = await cli(['compare', 'loose', 'mixed', '--baseline', 'main']);
    const run = await runOf(compare);
    expect(run.comparison!.rows.map((r) => [r.suite, r.verdict, r.counts.ungraded])).toEqual([
      ['loose', 'error', 3],
      ['mixed', 'pass', 1],
    ]);
    expect(run.gate?.reasons).toEqual(['loose \u00d7 m: no case was graded, 3 ungraded cases (nothing to grade them with): no verdict (add __expected or assert to the cases, or an output.schema to the prompt)']);
    expect(compare.stdout).toMatch(/│ Errored\s*│ Ungraded\s*│ Verdict\s*│/);
    expect(compare.code).toBe(3);

    const ci = await cli(['ci', '--base', 'main']);
    expect(ci.stdout).toContain('comparing 2 of 3 suite(s)');
    const ciRun = await runOf(ci);
    expect(ciRun.comparison!.rows.map((r) => [r.suite, r.verdict])).toEqual([
      ['loose', 'error'],
      ['shout', 'pass'],
    ]);
    expect(ci.code).toBe(3);

    const drift = await cli(['drift', '--baseline', `run:${looseRun}`]);
    const driftRun = await runOf(drift);
    expect(driftRun.cases.map((c) => c.change)).toEqual(['ungraded', 'ungraded', 'ungraded']);
    expect(driftRun.gate?.verdict).toBe('error');
    expect(drift.code).toBe(3);
  });

  it('reads a format 1 run (no ungraded status: its "no assertions" passes are read as ungraded) for --baseline run: and report', async () => {
    const stored = JSON.parse(await readFile(looseRun, 'utf8')) as RunFile;
    const old = toFormat1(stored);
    const oldFile = join(dir, 'baselines/format1.json');
    await writeFile(oldFile, JSON.stringify(old, null, 2));
    const report = await cli(['report', oldFile, '--reporter', 'markdown']);
    expect(report.code, report.stderr).toBe(0);
    expect(await readFile(join(dir, 'baselines/summary.md'), 'utf8')).toContain('**3** passed');
    const compare = await cli(['compare', 'loose', '--baseline', `run:${oldFile}`, '--no-cache']);
    const run = await runOf(compare);
    expect(run.formatVersion).toBe(RUN_FORMAT_VERSION);
    expect(run.cases.map((c) => [c.baseline?.status, c.change])).toEqual([
      ['ungraded', 'ungraded'],
      ['ungraded', 'ungraded'],
      ['ungraded', 'ungraded'],
    ]);
    expect(compare.code).toBe(3);
  });

  it('(e) an empty shard is allowed but says so; merge checks every selected case ran exactly once, and an incomplete merge gets no pass', async () => {
    const shardOf = (id: string) => [1, 2, 3, 4, 5].find((i) => inShard(id, { index: i, count: 5 }))!;
    const used = new Set(SHOUT_IDS.map(shardOf));
    const empty = [1, 2, 3, 4, 5].filter((i) => !used.has(i));
    expect(empty.length).toBeGreaterThan(0);
    const dirs: Record<number, string> = {};
    for (const i of [1, 2, 3, 4, 5]) {
      const result = await cli(['run', 'shout', '--shard', `${i}/5`]);
      expect(result.code, result.stderr).toBe(0);
      const run = await runOf(result);
      dirs[i] = folderOf(result)!;
      expect(run.selection).toEqual([{ suite: 'shout', model: 'm', cases: 3, idsDigest: expect.stringMatching(/^[0-9a-f]{64}$/), inRun: run.cases.length }]);
      if (empty.includes(i)) {
        const note = `shard ${i}/5 is empty: none of the 3 selected case(s) falls in it (more shards than cases?), so nothing was run; \`promptgate merge\` of all the shards decides the gate`;
        expect(result.stderr).toBe(`promptgate: note: ${note}\n`);
        expect(run.notes).toEqual([note]);
        expect(run.gate).toEqual({ verdict: 'pass', reasons: [note] });
        expect(run.cases).toEqual([]);
      } else {
        expect(result.stderr).toBe('');
        expect(run.notes).toBeUndefined();
      }
    }
    const all = [1, 2, 3, 4, 5].map((i) => dirs[i]);
    const merged = await cli(['merge', ...all]);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    const mergedRun = await runOf(merged);
    expect(mergedRun.cases.map((c) => c.caseId)).toEqual(SHOUT_IDS);
    expect(mergedRun.selection).toEqual([expect.objectContaining({ cases: 3, inRun: 3 })]);

    // A shard holding a case left out: the merged run is incomplete, never a pass (exit 3).
    const busy = shardOf('beta');
    const partial = await cli(['merge', ...[1, 2, 3, 4, 5].filter((i) => i !== busy).map((i) => dirs[i])]);
    expect(partial.stderr).toContain(`promptgate: note: merging 4 of 5 shards: ${busy}/5 is missing`);
    const partialRun = await runOf(partial);
    expect(partialRun.gate).toEqual({ verdict: 'error', reasons: [`incomplete: shard ${busy}/5 of the split is missing, so their cases were not run`] });
    expect(partial.code).toBe(3);

    // All shards, but one lost a case (an edited or truncated run.json): refused, naming the case.
    const tampered = await readRun(dirs[busy]);
    tampered.cases = tampered.cases.filter((c) => c.caseId !== 'beta');
    await writeFile(join(dirs[busy], 'run.json'), JSON.stringify(tampered, null, 2));
    const refused = await cli(['merge', ...all]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'promptgate: merge: the merged run is incomplete: case "beta" (evals/shout.csv:3) of suite "shout" on model "m" was run by no shard (2 of the 3 selected case(s) merged) (merge every shard of one `--shard i/n` split, each complete)\n',
    );
  });
});

/** A run.json as format 1 wrote it: no `ungraded` status or counts; a case without assertions was a pass. */
function toFormat1(run: RunFile): RunFile {
  const side = <T extends SideResult>(s: T): T => {
    if (s.status !== 'ungraded') return s;
    const repeats = s.repeats.map((r) => ({ ...r, grade: { pass: true, score: 1, reason: 'no assertions', assertions: [] } }));
    return { ...s, status: 'pass', passRate: 1, meanScore: 1, repeats };
  };
  const cases = run.cases.map((c) => side(c) as CaseResult);
  const summary = run.summary.map(({ ungraded, ...row }) => ({ ...row, passed: row.passed + (ungraded ?? 0), passRate: 1 }));
  const { ungraded, ...totals } = run.totals;
  const { selection: _selection, gate: _gate, ...rest } = run;
  return { ...rest, formatVersion: 1, cases, summary, totals: { ...totals, passed: totals.passed + (ungraded ?? 0) }, gate: { verdict: 'pass', reasons: [] } };
}
