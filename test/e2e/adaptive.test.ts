import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { mulberry32 } from '../helpers/fault-plan.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type IncomingChat, type MockServer } from '../helpers/openai-server.js';
import { runSchema } from '../helpers/run-schema.js';
import { readCalls, withNewRun } from '../helpers/runs.js';
import { wordSuiteRepo } from '../helpers/word-suite.js';

const OLD = 'Repeat the word in capitals.';
const NEW = 'Say the word in capitals.';

/** 40 cases: 3 broken by the new prompt, 12 noisy on both sides (a coin), 25 always right. */
const WORDS = Array.from({ length: 40 }, (_, i) => `w${String(i).padStart(2, '0')}`);
const BROKEN = new Set(['w05', 'w17', 'w29']);
const NOISY = new Set(WORDS.filter((w, i) => !BROKEN.has(w) && i % 3 === 0));

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * The scripted model. `mode` 'broken': the broken words always pass with the old prompt and always
 * fail with the new one, the noisy words pass half the time on either side (the n-th identical
 * request gets draw n of its own seeded stream, whatever the arrival order), the rest always pass.
 * 'same': every word always passes on both sides. 'coin': every word passes half the time.
 */
function createServer(mode: () => 'broken' | 'same' | 'coin') {
  const seen = new Map<string, number>();
  return (request: IncomingChat) => {
    const system = textOf(request.messages.find((m) => m.role === 'system')?.content);
    const word = textOf(request.messages.find((m) => m.role === 'user')?.content).trim();
    const key = JSON.stringify([mode(), system, word]);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    const right = { content: word.toUpperCase() };
    const wrong = { content: `${word}?` };
    const coin = () => (mulberry32(fnv1a(`${key}#${n}`))() < 0.5 ? right : wrong);
    if (mode() === 'same') return right;
    if (mode() === 'coin') return coin();
    if (BROKEN.has(word)) return system.includes(NEW) ? wrong : right;
    return NOISY.has(word) ? coin() : right;
  };
}

describe('compare --adaptive: more repeats only where draws disagree, within a budget, at the gate\'s alpha', () => {
  let server: MockServer;
  let dir: string;
  let mode: 'broken' | 'same' | 'coin' = 'broken';

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: createServer(() => mode) });
    const model = `models: { m: { provider: 'openai', model: 'coin-1', baseURL: '${server.url}' } }`;
    dir = await wordSuiteRepo(
      {
        'eval.config.mjs': `export default { ${model} };\n`,
        // Few cases, a small budget: the gate cannot decide, and adaptive repeats must not pass by default.
        'small.config.mjs': `export default { ${model}, adaptive: { budget: 3 } };\n`,
      },
      OLD,
      NEW,
      WORDS,
    );
  });
  afterAll(async () => server.close());

  /** Runs compare, and returns the result, the new run folder and run.json, and the requests per word and side. */
  async function compare(args: string[]) {
    server.reset();
    const ran = await withNewRun(dir, () => runCliInProcess(['compare', '--baseline', '@1.0.0', ...args], { cwd: dir }));
    // Each request's word and system message, read once: the counts below are asked for ~200 times.
    const sent = server.requests.map((r) => ({ word: textOf(r.messages.find((m) => m.role === 'user')?.content).trim(), system: textOf(r.messages.find((m) => m.role === 'system')?.content) }));
    const requests = (word: string, instruction: string) => sent.filter((s) => s.word === word && s.system.includes(instruction)).length;
    return { ...ran, requests };
  }

  it('3 broken cases of 40 among noisy ones: the gate fails naming them, and the extra calls go to the cases whose draws disagree', async () => {
    mode = 'broken';
    const reporters = ['console', 'json', 'markdown', 'junit', 'html'].flatMap((r) => ['--reporter', r]);
    const { result, runDir, run, requests } = await compare(['--adaptive', ...reporters]);
    expect(result.code, result.stderr).toBe(1);
    const comparison = run!.comparison!;
    expect(comparison.gate.verdict).toBe('fail');
    const adaptive = comparison.adaptive!;
    expect(adaptive).toMatchObject({ startRepeats: 2, maxRepeats: 10, budget: 5, budgetCalls: 5 * 2 * WORDS.length, alphaMean: 0.025, alphaCase: 0.025, stoppedBy: 'decided' });
    expect(adaptive.rounds.length).toBeGreaterThan(1);
    expect(adaptive.rounds[0]).toMatchObject({ round: 1, repeats: 2, cases: WORDS.length, calls: 2 * 2 * WORDS.length });
    expect(adaptive.calls).toBe(adaptive.rounds.reduce((sum, r) => sum + r.calls, 0));
    expect(adaptive.calls).toBeLessThanOrEqual(adaptive.budgetCalls);
    // The per-case test names the broken cases (and only them) in the row's reasons.
    const idOf = new Map(run!.cases.map((c) => [String(c.vars.word), c.caseId]));
    const reasons = comparison.rows[0].reasons.join('\n');
    expect(reasons).toContain('3 cases significantly worse on their own (Fisher per case, Holm');
    for (const word of WORDS) expect(reasons.includes(idOf.get(word)!), word).toBe(BROKEN.has(word));

    // Server counts: the cases that always agree got round 1 only; the broken ones (they disagree across sides) got more.
    const sent = (word: string) => requests(word, OLD) + requests(word, NEW);
    for (const word of WORDS.filter((w) => !BROKEN.has(w) && !NOISY.has(w))) expect(sent(word), word).toBe(4);
    for (const word of BROKEN) expect(sent(word), word).toBeGreaterThan(4);
    const mean = (words: string[]) => words.reduce((s, w) => s + sent(w), 0) / words.length;
    expect(mean([...BROKEN])).toBeGreaterThan(mean(WORDS.filter((w) => !BROKEN.has(w) && !NOISY.has(w))));
    expect(server.count).toBe(adaptive.calls);

    // Every repeat of every case is kept in run.json, and calls.jsonl has one line per call.
    const repeats = run!.cases.reduce((sum, c) => sum + c.repeats.length + c.baseline!.repeats.length, 0);
    expect(repeats).toBe(adaptive.calls);
    for (const c of run!.cases) {
      expect(c.repeats.map((r) => r.repeat)).toEqual(c.repeats.map((_, i) => i));
      expect(c.baseline!.repeats.length).toBe(c.repeats.length);
      expect(c.repeats.length).toBe(sent(String(c.vars.word)) / 2);
    }
    expect((await readCalls(runDir!)).filter((c) => c.purpose === 'eval').length).toBe(adaptive.calls);

    // run.json matches the documented format; every report states the adaptive line.
    const validate = runSchema().validateRun;
    expect(validate(run) ? [] : validate.errors).toEqual([]);
    const line = `${adaptive.calls} of ${adaptive.budgetCalls} budgeted calls (budget 5 a case a side)`;
    expect(result.stdout).toContain(`Adaptive:  adaptive repeats: ${adaptive.rounds.length} rounds`);
    expect(result.stdout).toContain(line);
    expect(result.stderr).toContain('promptgate: adaptive round 2:');
    for (const file of ['summary.md', 'junit.xml', 'report.html']) expect(await readFile(join(runDir!, file), 'utf8'), file).toContain(line);

    // A stored run cannot be drawn again: adaptive repeats with it as the baseline are refused.
    const stored = await runCliInProcess(['compare', '--baseline', `run:${join(runDir!, 'run.json')}`, '--adaptive'], { cwd: dir });
    expect(stored.code).toBe(2);
    expect(stored.stderr.trim().split('\n')).toEqual([
      'promptgate: --adaptive: adaptive repeats draw more repeats of both sides, and --baseline is a stored run (its results cannot be drawn again) (compare with a git revision or a prompt version, or drop --adaptive)',
    ]);
  });

  it('no change, answers that always agree: adaptive repeats stop after round 1 and pass', async () => {
    mode = 'same';
    const { result, run } = await compare(['--adaptive']);
    expect(result.code, result.stderr).toBe(0);
    expect(run!.comparison!.gate.verdict).toBe('pass');
    expect(run!.comparison!.adaptive).toMatchObject({ calls: 2 * 2 * WORDS.length, stoppedBy: 'no-case', rounds: [{ round: 1, repeats: 2, cases: WORDS.length, calls: 2 * 2 * WORDS.length, verdict: 'pass' }] });
    expect(server.count).toBe(2 * 2 * WORDS.length);
    expect(result.stderr).not.toContain('adaptive round 2');
  });

  it('a budget spent before the gate decides: the verdict is the gate\'s at the end (inconclusive, exit 4), never a pass', async () => {
    mode = 'coin';
    const { result, run } = await compare(['--adaptive', '--config', 'small.config.mjs', 'shout']);
    expect(result.code, result.stderr).toBe(4);
    const adaptive = run!.comparison!.adaptive!;
    expect(adaptive).toMatchObject({ budget: 3, budgetCalls: 3 * 2 * WORDS.length, stoppedBy: 'budget' });
    expect(adaptive.calls).toBeLessThanOrEqual(adaptive.budgetCalls);
    expect(adaptive.calls).toBeGreaterThan(adaptive.budgetCalls - 2);
    expect(server.count).toBe(adaptive.calls);
    expect(run!.comparison!.gate.verdict).toBe('inconclusive');
    expect(adaptive.rounds.at(-1)!.verdict).toBe('inconclusive');
    expect(result.stdout).toContain('stopped: the call budget was spent');
  });

  it('refuses what it cannot do correctly: one line, exit 2, nothing run', async () => {
    server.reset();
    const refused = async (args: string[]) => {
      const result = await runCliInProcess(args, { cwd: dir });
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      return lines[0];
    };
    expect(await refused(['compare', '--baseline', '@1.0.0', '--adaptive', '--repeat', '3'])).toBe(
      'promptgate: --repeat: --repeat cannot be used with adaptive repeats (--adaptive): the rounds choose the repeats of each case (set adaptive.startRepeats / maxRepeats / budget in the config, or drop --adaptive)',
    );
    expect(await refused(['compare', '--baseline', '@1.0.0', '--adaptive', '--resume', 'reports/x'])).toContain('--resume cannot be used with adaptive repeats (--adaptive)');
    expect(await refused(['ci', '--adaptive', '--shard', '1/2'])).toContain('--shard cannot be used with adaptive repeats (--adaptive)');
    expect(await refused(['run', '--adaptive'])).toBe(
      'promptgate: --adaptive: adaptive repeats add repeats where a baseline and the candidate disagree, and run has no baseline (use `promptgate compare --baseline <rev> --adaptive`, or --repeat <n> for a fixed number of repeats)',
    );
    expect(server.count).toBe(0);
  });
});
