import { extname } from 'node:path';
import { checkCaseTools } from '../cases/conversation.js';
import { readCases } from '../cases/index.js';
import { projectPath } from '../cases/case-build.js';
import type { Assertion, TestCase } from '../cases/types.js';
import type { ResolvedConfig } from '../config/types.js';
import { inputError } from '../errors.js';
import { isGraderError } from '../graders/grader-error.js';
import { renderAssertionSpec } from '../graders/spec.js';
import { validateAssertion, validateAssertionForCase, type ValidateContext } from '../graders/validate.js';
import { needsResolving, resolveAssertionValue } from '../graders/value-source.js';
import { providerLabel } from '../providers/custom.js';
import { checkVariables, renderPrompt } from '../prompts/render.js';
import { checkReplayFixture } from '../providers/replay-fixture.js';
import type { SuitePlan } from './plan.js';
import { digestIds, inShard, matchesFilter, type Shard } from './select.js';
import { createUnusedVarsCheck } from './unused-vars.js';

export interface SuiteCheck {
  suite: string;
  /** Cases selected (after --filter and --shard). */
  cases: number;
  /** Lines to print as warnings (they change no exit code): case variables the prompt never reads. */
  warnings?: string[];
  /** Cases in the suite's case files. */
  total: number;
  /** Cases --filter selected, before --shard split them. */
  selected: number;
  /** digestIds of those (what `merge` checks the shards against). */
  idsDigest: string;
}

/** A suite to check; `checkPrompt: false` only counts its cases (a stored candidate: nothing renders). */
export type SuiteToCheck = SuitePlan & { checkPrompt?: boolean };

/**
 * Everything `check` verifies, without calling a model: every case parses, renders with the
 * prompt (strict variables) and has valid graders, and no suite's case files are without cases
 * (a header-only CSV, an empty JSONL: exit 2, never a suite that passes on nothing). Rendering is
 * checked on the first case, and on every case only when case values can make it fail. Streams the
 * cases; throws the first input error.
 */
export async function validateSuites(config: ResolvedConfig, suites: SuiteToCheck[], options: { filter?: string; shard?: Shard; env?: NodeJS.ProcessEnv; adaptive?: boolean } = {}): Promise<SuiteCheck[]> {
  if (config.judge && !config.models[config.judge]) {
    throw inputError('MODEL_UNKNOWN', `judge "${config.judge}" is not a configured model`, { file: config.configFile ?? 'config' });
  }
  const context: ValidateContext = {
    graders: config.graders,
    rootDir: config.rootDir,
    hasJudge: Boolean(config.judge),
    hasEmbedding: Boolean(config.embedding),
    hasModeration: Boolean(config.moderation),
    env: options.env,
  };
  const seen = new Set<string>();
  const check = async (given: Assertion, testCase: TestCase, suiteContext: ValidateContext) => {
    const assertion = await resolveForCheck(given, testCase, config.rootDir);
    // Graders repeat across rows; validate each distinct spec (on each set of models) once.
    const models = suiteContext.models?.map((model) => `${model.name}=${model.provider}`).join(',') ?? '';
    const key = `${assertion.type}\u0000${assertion.negate}\u0000${assertion.threshold}\u0000${JSON.stringify(assertion.value ?? null)}\u0000${models}`;
    if (seen.has(key)) return;
    seen.add(key);
    const error = await validateAssertion(assertion, suiteContext);
    if (error) throw error;
  };
  for (const name of new Set([...suites.flatMap((s) => s.models), ...(config.judge ? [config.judge] : [])])) {
    const model = config.models[name];
    if (model?.provider === 'replay') await checkReplayFixture(config.paths.fixtures, model.replayOf ?? name, config.rootDir);
  }
  const results: SuiteCheck[] = [];
  for (const suite of suites) {
    const suiteContext: ValidateContext = { ...context, models: suite.models.map((name) => ({ name, provider: providerLabel(config.models[name]?.provider ?? 'unknown') })) };
    let cases = 0;
    let total = 0;
    let rendered = false;
    const selected: string[] = [];
    const unused = suite.checkPrompt === false ? undefined : createUnusedVarsCheck(suite.prompt);
    for await (const testCase of readCases(suite.caseFiles, { rootDir: config.rootDir, suiteAssert: suite.assert })) {
      total++;
      if (suite.checkPrompt !== false) {
        unused?.add(testCase);
        // A render failure that no case's values can cause shows on the first case; after that only
        // the variables need checking, unless the data can break rendering (see renderDependsOnData).
        if (!rendered || suite.prompt.renderDependsOnData) {
          renderPrompt(suite.prompt, testCase.vars, testCase.source, { prefix: testCase.prefix, suffix: testCase.suffix });
          rendered = true;
        } else {
          checkVariables(suite.prompt, testCase.vars, testCase.source);
        }
        checkCaseTools(suite.prompt, testCase);
        for (const assertion of testCase.assertions) {
          await check(assertion, testCase, suiteContext);
          const error = validateAssertionForCase(assertion, { vars: testCase.vars, models: suite.models, adaptive: options.adaptive });
          if (error) throw error;
        }
      }
      if (!matchesFilter(testCase, suite.name, options.filter)) continue;
      selected.push(testCase.id);
      if (inShard(testCase.id, options.shard)) cases++;
    }
    if (total === 0 && suite.caseFiles.length > 0) throw noCases(suite, config.rootDir);
    results.push({ suite: suite.name, cases, total, selected: selected.length, idsDigest: digestIds(selected), warnings: unused?.warnings() });
  }
  return results;
}

/**
 * The assertion as the case will grade it: `{{var}}` rendered with the case's variables and
 * `file://` read (graders/value-source.ts), so a template that cannot render or a missing file is
 * exit 2 naming the case, before any model call.
 */
async function resolveForCheck(assertion: Assertion, testCase: TestCase, rootDir: string): Promise<Assertion> {
  if (!needsResolving(assertion)) return assertion;
  try {
    return await resolveAssertionValue(assertion, { vars: testCase.vars, rootDir });
  } catch (error) {
    if (!isGraderError(error)) throw error;
    throw inputError('GRADER_INVALID', `invalid grader ${renderAssertionSpec(assertion)}: ${error.message}`, testCase.source);
  }
}

/** A suite whose case files hold no case: a mistake to report, not a suite that passes on nothing. */
function noCases(suite: SuitePlan, rootDir: string) {
  const [file, ...others] = suite.caseFiles.map((path) => projectPath(path, rootDir));
  const what = extname(file).toLowerCase() === '.csv' ? 'the file has a header row but no case rows' : 'the file has no case lines';
  const also = others.length ? ` (nor do ${others.join(', ')})` : '';
  return inputError('CASE_INVALID', `suite "${suite.name}" has no cases: ${what}${also}`, { file, line: 1 }, 'add cases to it, or remove the file');
}
