import type { Assertion } from '../cases/types.js';
import type { Grader } from './types.js';
import type { GraderDefinition } from './definition.js';
import { GraderError } from './grader-error.js';
import { quote, verdict } from './values.js';

/**
 * The finish reason as promptfoo's providers report it (its `normalizeFinishReason`): OpenAI's
 * values, with Anthropic's and legacy ones mapped onto them; other values lower-cased as they are.
 */
const NORMALIZED: Readonly<Record<string, string>> = {
  stop: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  pause_turn: 'pause_turn',
};

function normalizeFinishReason(raw: string | undefined): string | undefined {
  const key = raw?.trim().toLowerCase();
  if (!key) return undefined;
  return Object.hasOwn(NORMALIZED, key) ? NORMALIZED[key] : key;
}

function expectedReason(assertion: Assertion): string {
  if (typeof assertion.value === 'string' && assertion.value !== '') return assertion.value;
  throw new GraderError('finish-reason needs the expected reason (finish-reason:stop)');
}

/**
 * `finish-reason:<reason>`: the API's finish reason, normalised as promptfoo does (`end_turn` is
 * `stop`, `max_tokens` is `length`, `tool_use` is `tool_calls`), equals the value ignoring case.
 * An output whose API gave no finish reason fails (and passes under `not-`), as in promptfoo.
 */
const finishReason: Grader = async (_output, assertion, context) => {
  const expected = expectedReason(assertion);
  const actual = normalizeFinishReason(context.finishReason);
  if (actual === undefined) return verdict(false, 'the API reported no finish reason');
  return expected.toLowerCase() === actual.toLowerCase()
    ? verdict(true, `finish reason ${quote(actual)}`)
    : verdict(false, `finish reason ${quote(actual)}, expected ${quote(expected)}`);
};

export const finishReasonDefinitions: readonly GraderDefinition[] = [
  {
    type: 'finish-reason',
    value: 'required',
    grade: finishReason,
    check: (assertion) => {
      expectedReason(assertion);
      return undefined;
    },
  },
];
