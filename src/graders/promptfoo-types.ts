/**
 * promptfoo's assertion types (its `BaseAssertionTypesSchema`, 0.121) and legacy prefixes. A spec
 * naming one that promptgate does not run is an input error naming the type (never a silent exact
 * match), so a promptfoo file never passes by accident; `check` says why.
 */
export const PROMPTFOO_TYPES: readonly string[] = [
  'answer-relevance', 'bleu', 'classifier', 'contains', 'contains-all', 'contains-any', 'contains-html', 'contains-json',
  'contains-sql', 'contains-xml', 'context-faithfulness', 'context-recall', 'context-relevance', 'conversation-relevance',
  'cost', 'equals', 'factuality', 'finish-reason', 'g-eval', 'gleu', 'guardrails', 'icontains', 'icontains-all',
  'icontains-any', 'is-html', 'is-json', 'is-refusal', 'is-sql', 'is-valid-function-call', 'is-valid-openai-function-call',
  'is-valid-openai-tools-call', 'is-xml', 'javascript', 'latency', 'levenshtein', 'llm-rubric', 'pi', 'meteor',
  'model-graded-closedqa', 'model-graded-factuality', 'moderation', 'perplexity', 'perplexity-score', 'python', 'regex',
  'rouge-n', 'ruby', 'similar', 'starts-with', 'tool-call-f1', 'skill-used', 'trace-error-spans', 'trace-span-count',
  'trace-span-duration', 'webhook', 'word-count', 'select-best', 'max-score', 'human', 'agent-rubric', 'search-rubric',
  // legacy prefixes promptfoo still reads in cells
  'fn', 'eval', 'file', 'grade',
];

/**
 * Types that need a service or harness a user's machine does not have: refused at `check` (exit 2)
 * with the reason, whatever the cell looks like. `trajectory:*` and `trace-*` are matched by prefix.
 */
export const NOT_RUNNABLE: Readonly<Record<string, string>> = {
  classifier: 'it calls a HuggingFace classifier through promptfoo\'s providers',
  guardrails: 'it reads the guardrail verdict of promptfoo\'s own providers',
  pi: 'it calls Prompt Security\'s Pi scoring service',
  'agent-rubric': 'it grades the trace of an agent harness',
  'skill-used': 'it reads the skills an agent harness recorded',
  'search-rubric': 'it needs a web-search grading provider',
  human: 'it is a manual grade given in promptfoo\'s web viewer',
  'trace-error-spans': 'it reads OpenTelemetry traces of an agent harness',
  'trace-span-count': 'it reads OpenTelemetry traces of an agent harness',
  'trace-span-duration': 'it reads OpenTelemetry traces of an agent harness',
};

/** Why a type cannot run on a user's machine, or undefined. */
export function notRunnableReason(name: string): string | undefined {
  if (name.startsWith('trajectory:') || name === 'trajectory') return 'it grades the trajectory of an agent harness';
  return Object.hasOwn(NOT_RUNNABLE, name) ? NOT_RUNNABLE[name] : undefined;
}
