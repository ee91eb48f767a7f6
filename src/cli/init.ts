import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { scaffoldProject, type CiKind } from '../workflows/scaffold.js';
import { reportError } from './errors.js';
import type { CliRuntime } from './runtime.js';

export interface InitFlags {
  ci?: CiKind;
  debug?: boolean;
}

export function registerInit(program: Command, cli: CliRuntime): void {
  program
    .command('init')
    .description('scaffold eval.config.ts, a prompt and its cases (and CI workflows) in the current folder; never overwrites')
    .option('--ci <provider>', 'also write CI workflows: github (a pull-request gate and a nightly drift check)', (value: string) => {
      if (value !== 'github') throw new InvalidArgumentError(`unknown CI "${value}" (supported: github)`);
      return value as CiKind;
    })
    .option('--debug', 'print stack traces')
    .action(async (flags: InitFlags) => {
      cli.exit(await initCommand(flags, cli.context));
    });
}

export async function initCommand(flags: InitFlags, io: { cwd: string; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  const { cwd, stdout: out } = io;
  try {
    const result = await scaffoldProject(cwd, { ci: flags.ci });
    for (const path of result.created) out.write(`  created  ${path}\n`);
    for (const path of result.updated) out.write(`  updated  ${path}\n`);
    for (const { path, reason } of result.skipped) out.write(`  skipped  ${path} (${reason})\n`);
    const steps = [
      'npx promptgate run      # runs evals/hello.csv on the stand-in "echo" model: no API key needed',
      'npx promptgate check    # validates everything without calling a model',
      'then point the "echo" model in eval.config.ts at a real one (see the comment there)',
    ];
    if (flags.ci === 'github') {
      steps.push(
        'add your API keys as repository secrets (e.g. OPENAI_API_KEY), and promptgate to devDependencies',
        'the workflows use promptgate\'s GitHub Action: check the `uses:` line names it (docs/github-action.md)',
        'the nightly drift check makes its first baseline itself and opens a pull request with it (reports/baseline/)',
      );
    }
    out.write(`\nNext:\n${steps.map((s) => `  ${s}`).join('\n')}\n`);
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug), io.stderr);
  }
}
