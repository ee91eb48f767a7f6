import { beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';

/**
 * A flag that is wrong whatever the project holds (`--shard x`, `--adaptive` with `--repeat`) is
 * refused before the project is read (src/api/options.ts checkCommonOptions, checkAdaptiveFlags):
 * the same one line and exit 2, without loading the config, the prompts and the cases first. The
 * project here has a config that throws when imported, so a command that read it would print the
 * config's error instead of the flag's.
 */
describe('a bad flag is refused before the project is read (run, compare, ci, drift)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeProject({ 'eval.config.mjs': "throw new Error('this config was imported');\n" });
  });

  it('the project is bad: a command with good flags says so (the config is imported)', async () => {
    for (const args of [['run', '--shard', '1/2'], ['compare', '--baseline', 'main', '--adaptive']]) {
      const result = await runCliInProcess(args, { cwd: dir });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('this config was imported');
    }
  });

  it('both are bad: the flag is the one line reported, for every command that takes it', async () => {
    const shard = (got: string) => `promptgate: --shard: --shard must look like 2/4 (got "${got}")\n`;
    const cases: Array<[string[], string]> = [
      [['run', '--shard', 'x'], shard('x')],
      [['compare', '--baseline', 'main', '--shard', '0/2'], shard('0/2')],
      [['ci', '--shard', '3/2'], shard('3/2')],
      [['drift', '--shard', 'x'], shard('x')],
      [
        ['compare', '--baseline', 'main', '--adaptive', '--repeat', '3'],
        'promptgate: --repeat: --repeat cannot be used with adaptive repeats (--adaptive): the rounds choose the repeats of each case (set adaptive.startRepeats / maxRepeats / budget in the config, or drop --adaptive)\n',
      ],
      [
        ['ci', '--adaptive', '--resume', 'reports/x'],
        'promptgate: --resume: --resume cannot be used with adaptive repeats (--adaptive): each round is planned from the looks before it, which an interrupted run did not finish (run the comparison again)\n',
      ],
      [
        ['compare', '--baseline', 'main', '--adaptive', '--shard', '1/2'],
        'promptgate: --shard: --shard cannot be used with adaptive repeats (--adaptive): each look needs every case of the comparison (run it unsharded, or drop --adaptive)\n',
      ],
    ];
    for (const [args, line] of cases) {
      const result = await runCliInProcess(args, { cwd: dir });
      expect({ code: result.code, stderr: result.stderr, stdout: result.stdout }, args.join(' ')).toEqual({ code: 2, stderr: line, stdout: '' });
    }
  });
});
