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

/** promptfoo types promptgate could run but does not yet: refused the same way, saying why. */
const NOT_YET: Readonly<Record<string, string>> = {
  'is-valid-openai-function-call': "it checks OpenAI's legacy single `function_call` answer; promptgate sends a prompt's tools as tools: use is-valid-openai-tools-call",
  'is-valid-function-call': "it asks promptfoo's provider to check the answer; promptgate checks tool calls against the prompt's tools: use is-valid-openai-tools-call",
  'conversation-relevance': 'it grades multi-turn conversations, which promptgate does not run yet',
  ruby: 'promptgate runs JavaScript and Python graders, not Ruby',
  'max-score': 'promptgate has no cross-output scoring besides select-best yet',
};

/** Why promptgate does not run this promptfoo type yet, or undefined. */
export function notYetReason(name: string): string | undefined {
  return Object.hasOwn(NOT_YET, name) ? NOT_YET[name] : undefined;
}

/** Why a type cannot run on a user's machine, or undefined. */
export function notRunnableReason(name: string): string | undefined {
  if (name.startsWith('trajectory:') || name === 'trajectory') return 'it grades the trajectory of an agent harness';
  return Object.hasOwn(NOT_RUNNABLE, name) ? NOT_RUNNABLE[name] : undefined;
}
