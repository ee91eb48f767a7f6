import type { Command } from 'commander';
import { resolveSuites } from '../runner/plan.js';
import { validateSuites } from '../runner/validate.js';
import { reportError } from './errors.js';
import { loadConfigWithFlags } from './options.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('validate config, prompts and cases without calling any model')
    .option('-c, --config <file>', 'config file')
    .option('--debug', 'print stack traces')
    .action(async (flags: { config?: string; debug?: boolean }) => {
      process.exitCode = await checkCommand(flags);
    });
}

export async function checkCommand(flags: { config?: string; debug?: boolean }, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  try {
    const config = await loadConfigWithFlags({ config: flags.config, cache: true });
    const plans = await resolveSuites(config);
    const checks = await validateSuites(config, plans);
    const cases = checks.reduce((sum, c) => sum + c.cases, 0);
    const empty = plans.filter((p) => p.caseFiles.length === 0).map((p) => p.prompt.id);
    out.write(`✓ ${plans.length} prompt(s), ${cases} case(s), ${Object.keys(config.models).length} model(s): all valid\n`);
    if (empty.length) out.write(`  note: no cases for ${empty.join(', ')}\n`);
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug));
  }
}
