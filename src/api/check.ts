import { Writable } from 'node:stream';
import { estimateCost } from '../budget/estimate.js';
import { renderEstimate } from '../budget/render.js';
import type { CostEstimate } from '../budget/types.js';
import type { ModelConfig } from '../config/types.js';
import { checkBudgetPrices, resolveBudget } from '../budget/guard.js';
import { loadConfig } from '../config/load.js';
import { isDefaultEndpoint, keyVariableOf } from '../providers/request-setup.js';
import { describeEntry } from '../runner/fail-fast.js';
import { resolveSuites } from '../runner/plan.js';
import { validateSuites } from '../runner/validate.js';
import { resolveContext, type Context } from './context.js';
import { settle, type Failure } from './result.js';

export interface CheckOptions {
  /** `--config <file>` (relative to the context's `cwd`). */
  config?: string;
  /** `--base <rev>`: a changed prompt must have a higher version than at this git revision. @default HEAD (skipped outside git) */
  base?: string;
  /** `--json`: print the result as one JSON object on stdout instead of the lines (problems and warnings still go to stderr). */
  json?: boolean;
}

/** Everything was read and validated; `verdict` is the policy checks' (version bumps, prompts.lock.json). */
export interface CheckOutcome {
  ok: true;
  /** 0 valid · 1 a policy check failed. */
  exitCode: 0 | 1;
  verdict: 'pass' | 'fail';
  prompts: number;
  cases: number;
  models: number;
  /** Warnings printed to stderr (a missing API key variable, a CSV column no template uses, …). */
  warnings: string[];
  /** The policy problems, one line each naming its file (printed to stderr). */
  problems: string[];
  /**
   * What running every suite with cases would cost, per suite × model, before any call (docs/cost.md):
   * calls, judge calls, tokens and dollars. An upper bound when answers are in the response cache.
   */
  estimate: CostEstimate;
}

export type CheckResult = CheckOutcome | Failure;

/**
 * `promptgate check`: validates config, prompts and cases without calling any model, then checks
 * version bumps against `base` and prompts.lock.json. Prints what the CLI prints (context streams).
 */
export async function check(options: CheckOptions = {}, context: Context = {}): Promise<CheckResult> {
  const ctx = resolveContext(context);
  const out = options.json ? discard() : ctx.stdout;
  const err = ctx.stderr;
  const result = await settle(async () => {
    const config = await loadConfig({ cwd: ctx.cwd, configFile: options.config });
    const plans = await resolveSuites(config, { orphans: true });
    const checks = await validateSuites(config, plans, { env: ctx.env });
    // The config's budget needs a price for every model the suites call (as run refuses it).
    const budget = resolveBudget(undefined, config);
    if (budget) checkBudgetPrices(config, plans.flatMap((p) => p.models), budget);
    const cases = checks.reduce((sum, c) => sum + c.cases, 0);
    const empty = plans.filter((p) => p.caseFiles.length === 0).map((p) => p.prompt.id);
    const models = Object.keys(config.models).length;
    out.write(`✓ ${plans.length} prompt(s), ${cases} case(s), ${models} model(s): all valid\n`);
    if (empty.length) out.write(`  note: no cases for ${empty.join(', ')}\n`);
    const estimate = await estimateCost({ config, suites: plans.filter((p) => p.caseFiles.length > 0).map((plan) => ({ plan, prompts: [plan.prompt] })) });
    for (const line of renderEstimate(estimate, { cache: config.paths.cache !== false })) out.write(`${line}\n`);
    // A warning only: `check` runs in pre-commit hooks and CI jobs that have no keys, and needs none.
    const used = new Set([...plans.flatMap((p) => p.models), ...(config.judge ? [config.judge] : [])]);
    const warnings = [...missingKeyWarnings(config.models, [...used], ctx.env), ...checks.flatMap((c) => c.warnings ?? [])];
    for (const warning of warnings) err.write(`promptgate: warning: ${warning}\n`);
    // Version discipline and the lock file: loaded only here, so a bad input fails fast above.
    const { checkDiscipline, resolveCheckBase } = await import('../workflows/discipline.js');
    const discipline = await checkDiscipline(config, plans, await resolveCheckBase(config, options.base));
    const summary = { prompts: plans.length, cases, models, warnings, problems: discipline.messages, estimate };
    for (const message of discipline.messages) err.write(`promptgate: ${message}\n`);
    if (discipline.messages.length > 0) return { ok: true as const, exitCode: 1 as const, verdict: 'fail' as const, ...summary };
    if (discipline.baseLabel) out.write(`✓ versions: every changed prompt has a higher version than at ${discipline.baseLabel}\n`);
    if (discipline.lock) out.write(`✓ prompts.lock.json matches the working tree\n`);
    return { ok: true as const, exitCode: 0 as const, verdict: 'pass' as const, ...summary };
  });
  if (options.json && result.ok) ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** A stream that drops what is written (check --json prints the result instead of its lines). */
function discard(): NodeJS.WritableStream {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
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
