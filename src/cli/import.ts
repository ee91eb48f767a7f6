import type { Command } from 'commander';
import { importPromptfoo } from '../api/import.js';
import { exitOf, type CliRuntime } from './runtime.js';
import { reportError } from './errors.js';
import { inputError } from '../errors.js';

export interface ImportFlags {
  out?: string;
  force?: boolean;
  debug?: boolean;
}

export function registerImport(program: Command, cli: CliRuntime): void {
  program
    .command('import')
    .description('convert a promptfoo project (promptfooconfig.yaml) into prompts/, evals/ and eval.config.ts; lists what it could not convert')
    .argument('<tool>', 'the tool the project comes from: promptfoo')
    .argument('[config]', 'the promptfoo config (default: promptfooconfig.yaml, .yml or .json here)')
    .option('--out <dir>', 'write the promptgate project into <dir> (default: the promptfoo config\'s folder)')
    .option('--force', 'overwrite files the import writes that already exist')
    .option('--debug', 'print stack traces')
    .action(async (tool: string, config: string | undefined, flags: ImportFlags) => {
      if (tool !== 'promptfoo') {
        cli.exit(reportError(inputError('USAGE', `cannot import from '${tool}'`, { file: 'import' }, 'supported: promptgate import promptfoo [config]'), Boolean(flags.debug), cli.context.stderr));
        return;
      }
      const result = await importPromptfoo({ config, out: flags.out, force: flags.force }, cli.context);
      cli.exit(exitOf(result, flags.debug, cli.context.stderr));
    });
}
