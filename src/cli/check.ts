import type { Command } from 'commander';
import type { ModelConfig } from '../config/types.js';
import { isDefaultEndpoint, keyVariableOf } from '../providers/request-setup.js';
import { describeEntry } from '../runner/fail-fast.js';
import { resolveSuites } from '../runner/plan.js';
import { validateSuites } from '../runner/validate.js';
import { reportError } from './errors.js';
import { loadConfigWithFlags } from './options.js';

export interface CheckFlags {
  config?: string;
  debug?: boolean;
  /** Version discipline: the git revision prompts are compared with (default HEAD). */
  base?: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('validate config, prompts and cases without calling any model; check version bumps and prompts.lock.json')
    .option('-c, --config <file>', 'config file')
    .option('--base <rev>', 'a changed prompt must have a higher version than at this git revision (default: HEAD; skipped outside git)')
    .option('--debug', 'print stack traces')
    .action(async (flags: CheckFlags) => {
      process.exitCode = await checkCommand(flags);
    });
}

/** Exit 0 valid · 1 a policy check failed (version not bumped, stale lock) · 2 invalid input. */
export async function checkCommand(flags: CheckFlags, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    const config = await loadConfigWithFlags({ config: flags.config, cache: true });
    const plans = await resolveSuites(config, { orphans: true });
    const checks = await validateSuites(config, plans);
    const cases = checks.reduce((sum, c) => sum + c.cases, 0);
    const empty = plans.filter((p) => p.caseFiles.length === 0).map((p) => p.prompt.id);
    out.write(`✓ ${plans.length} prompt(s), ${cases} case(s), ${Object.keys(config.models).length} model(s): all valid\n`);
    if (empty.length) out.write(`  note: no cases for ${empty.join(', ')}\n`);
    // A warning only: `check` runs in pre-commit hooks and CI jobs that have no keys, and needs none.
    const used = new Set([...plans.flatMap((p) => p.models), ...(config.judge ? [config.judge] : [])]);
    for (const warning of missingKeyWarnings(config.models, [...used], process.env)) err.write(`promptgate: warning: ${warning}\n`);
    for (const check of checks) for (const warning of check.warnings ?? []) err.write(`promptgate: warning: ${warning}\n`);
    // Version discipline and the lock file: loaded only here, so a bad input fails fast above.
    const { checkDiscipline, resolveCheckBase } = await import('../workflows/discipline.js');
    const discipline = await checkDiscipline(config, plans, await resolveCheckBase(config, flags.base));
    for (const message of discipline.messages) err.write(`promptgate: ${message}\n`);
    if (discipline.messages.length > 0) return 1;
    if (discipline.baseLabel) out.write(`✓ versions: every changed prompt has a higher version than at ${discipline.baseLabel}\n`);
    if (discipline.lock) out.write(`✓ prompts.lock.json matches the working tree\n`);
    return 0;
  } catch (error) {
    return reportError(error, Boolean(flags.debug));
  }
}

/** One line per used model entry whose API key variable is unset (see keyVariableOf). */
export function missingKeyWarnings(models: Record<string, ModelConfig>, used: string[], env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  for (const name of used) {
    const model = models[name];
    if (!model || (model.provider !== 'openai' && model.provider !== 'anthropic')) continue;
    const variable = keyVariableOf(model, model.provider);
    if (!variable || env[variable]) continue;
    const effect = isDefaultEndpoint(model.baseURL, model.provider) ? 'its calls will fail with an auth error' : 'no key will be sent to its server';
    warnings.push(`model entry '${name}' (${describeEntry(model)}) reads its API key from ${variable}, which is not set: ${effect} (export ${variable}, or name another variable with apiKeyEnv)`);
  }
  return warnings;
}
