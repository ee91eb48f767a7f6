import { inputError } from '../errors.js';
import type { RunFile } from '../run-record/types.js';
import type { SuitePlan } from '../runner/plan.js';

/**
 * drift: the suites and models of the stored run that still exist here. With `--model`, the given
 * models are used as they are (their cases then show as new where the stored run had other models).
 * Notes (a suite or model skipped) go to `err`.
 */
export function selectStoredSuites(
  plans: SuitePlan[],
  stored: RunFile,
  options: { explicitModels: boolean; explicitSuites: boolean; configured: Record<string, unknown>; storedFile: string },
  err: NodeJS.WritableStream,
): SuitePlan[] {
  const storedModels = new Map<string, Set<string>>();
  for (const row of stored.summary) {
    if (!storedModels.has(row.suite)) storedModels.set(row.suite, new Set());
    storedModels.get(row.suite)!.add(row.model);
  }
  const out: SuitePlan[] = [];
  for (const plan of plans) {
    const models = storedModels.get(plan.name);
    if (!models) {
      // A suite the stored run lacks has no baseline: drift could only report its cases as new.
      if (options.explicitSuites) {
        const has = [...storedModels.keys()].map((s) => `"${s}"`).join(', ') || 'no suites';
        throw inputError('RUN_INVALID', `the stored run has no suite "${plan.name}": there is nothing to compare its cases with`, { file: options.storedFile }, `it has ${has}; make a baseline that includes it with \`promptgate drift --save-baseline\` or \`promptgate run\``);
      }
      if (plan.caseFiles.length > 0) err.write(`promptgate: note: suite "${plan.name}" is not in the stored run (${options.storedFile}): not checked for drift; make a new baseline to include it\n`);
      continue;
    }
    if (plan.caseFiles.length === 0) continue;
    if (options.explicitModels) {
      out.push(plan);
      continue;
    }
    const kept = [...models].filter((m) => Object.hasOwn(options.configured, m));
    if (kept.length === 0) {
      err.write(`promptgate: note: suite "${plan.name}": the stored run's models (${[...models].join(', ')}) are not configured any more; skipped\n`);
      continue;
    }
    out.push({ ...plan, models: kept });
  }
  for (const suite of storedModels.keys()) {
    if (!plans.some((p) => p.name === suite)) err.write(`promptgate: note: the stored run's suite "${suite}" is not in this project (or not selected); skipped\n`);
  }
  return out;
}
