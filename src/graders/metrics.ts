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

/** `latency(<ms>)`: the call took at most the limit. A cached output has no latency and passes ('cached'). */
export const latency: Grader = async (_output, assertion, context) => {
  const limit = limitOf(assertion);
  if (context.latencyMs === undefined) return verdict(true, 'cached');
  const ms = Math.round(context.latencyMs);
  return context.latencyMs <= limit ? verdict(true, `latency ${ms} ms ≤ ${limit} ms`) : verdict(false, `latency ${ms} ms > ${limit} ms`);
};

/** `cost(<usd>)`: the call cost at most the limit in USD. An unknown cost passes ('cost unknown'). */
export const cost: Grader = async (_output, assertion, context) => {
  const limit = limitOf(assertion);
  if (context.costUsd === undefined) return verdict(true, 'cost unknown');
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
  { type: 'latency', value: 'optional', bare: false, grade: latency, parse: parseLimit('latency'), check: checkLimit },
  { type: 'cost', value: 'optional', bare: false, grade: cost, parse: parseLimit('cost'), check: checkLimit },
];
