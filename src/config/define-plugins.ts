import type { JsGraderFunction } from '../graders/types.js';
import type { CustomProvider } from '../providers/types.js';
import type { Reporter, ReporterFactory } from '../reporters/types.js';

/**
 * Typing helpers for plug-ins, like defineConfig: each returns its argument unchanged (so a
 * plug-in file needs no build step and importing them loads nothing). docs/plugins.md shows one
 * complete example of each.
 */

/**
 * A custom reporter: an object with optional, awaitable hooks (`onRunStart`, `onCaseResult`,
 * `onRunEnd`, ...), or a factory `(options, context) => Reporter` that a `[module, options]` entry
 * of `reporters` calls once per command.
 */
export function defineReporter<R extends Reporter>(reporter: R): R;
export function defineReporter<Options extends object = Record<string, unknown>>(factory: ReporterFactory<Options>): ReporterFactory<Options>;
export function defineReporter(reporter: Reporter | ReporterFactory<object>): Reporter | ReporterFactory<object> {
  return reporter;
}

/** A custom provider for a model entry's `provider`: a stable `id` (part of every cache key) and `call(request, { signal })`. */
export function defineProvider<P extends CustomProvider>(provider: P): P {
  return provider;
}

/** A named grader for the config's `graders`, used as `js:<name>` in cases and suites. */
export function defineGrader<G extends JsGraderFunction>(grader: G): G {
  return grader;
}
