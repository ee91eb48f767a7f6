import type { Assertion } from '../cases/types.js';
import type { Grader } from './types.js';
import type { GraderDefinition, ParseInput } from './definition.js';
import { parseThreshold } from './threshold.js';
import { GraderError } from './grader-error.js';
import { verdict } from './values.js';

/**
 * The limit of `latency(<ms>)` / `cost(<usd>)`: the threshold, or a numeric value (`latency:2000`).
 * Throws GraderError when there is none.
 */
export function limitOf(assertion: Assertion): number {
  const example = assertion.type === 'latency' ? 'latency(2000) for 2 s' : 'cost(0.01) for 1 cent';
  const limit = assertion.threshold ?? (assertion.value === undefined || assertion.value === '' ? undefined : Number(assertion.value));
  if (limit === undefined || !Number.isFinite(limit) || limit < 0) {
    throw new GraderError(`${assertion.type} needs a non-negative limit, e.g. ${example}`);
  }
  return limit;
}

/**
 * `latency(<ms>)`: the call took at most the limit (score 1 / 0). As in promptfoo, a cached answer
 * is graded by the latency of the call that made its cache entry (kept with the entry); a cached
 * answer whose entry has none (made by an older promptgate) is a grader error: rerun with --no-cache.
 */
export const latency: Grader = async (_output, assertion, context) => {
  const limit = limitOf(assertion);
  if (context.latencyMs === undefined) {
    throw new GraderError('latency: this cached answer has no recorded latency (its cache entry is older than latency recording); rerun with --no-cache');
  }
  const ms = Math.round(context.latencyMs);
  const cached = context.cached ? ' (the cached call\'s)' : '';
  return context.latencyMs <= limit ? verdict(true, `latency ${ms} ms ≤ ${limit} ms${cached}`) : verdict(false, `latency ${ms} ms > ${limit} ms${cached}`);
};

/**
 * `cost(<usd>)`: the call cost at most the limit in USD (score 1 / 0). A cached answer costs 0 when
 * its model has a price. An unknown cost (a model with no price in the table or the config, or no
 * token usage reported) is a grader error, as in promptfoo: never a pass.
 */
export const cost: Grader = async (_output, assertion, context) => {
  const limit = limitOf(assertion);
  if (context.costUsd === undefined) {
    throw new GraderError('cost: the call has no known cost: its model has no price (set `price: {input, output}` on the model entry) or the server reported no token usage');
  }
  const usd = Number(context.costUsd.toFixed(6));
  return context.costUsd <= limit ? verdict(true, `cost $${usd} ≤ $${limit}`) : verdict(false, `cost $${usd} > $${limit}`);
};

/** The limit is the threshold, or a numeric value (`latency:2000`); one of them is required. */
function parseLimit(type: 'latency' | 'cost') {
  return ({ value, threshold, fail }: ParseInput): { threshold: number } => {
    const limit = threshold ?? (value === undefined || value === '' ? undefined : parseThreshold(String(value), fail));
    if (limit === undefined) throw fail(`'${type}' needs a limit: ${type}(<${type === 'latency' ? 'ms' : 'usd'}>)`);
    return { threshold: limit };
  };
}

function checkLimit(assertion: Assertion): undefined {
  limitOf(assertion);
  return undefined;
}

export const metricDefinitions: readonly GraderDefinition[] = [
  // A bare `latency` / `cost` cell is that type (as in promptfoo), refused for want of a limit.
  { type: 'latency', value: 'optional', bare: true, grade: latency, parse: parseLimit('latency'), check: checkLimit },
  { type: 'cost', value: 'optional', bare: true, grade: cost, parse: parseLimit('cost'), check: checkLimit },
];
