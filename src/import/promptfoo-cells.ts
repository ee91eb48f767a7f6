/**
 * How promptfoo 0.121 reads an `__expected` cell (its `assertionFromString`), reimplemented so the
 * import can tell where promptgate reads the same cell differently (rewrites.ts).
 */

/** promptfoo 0.121's BaseAssertionTypesSchema, in its order: the regex alternation below depends on it. */
export const PROMPTFOO_BASE_TYPES: readonly string[] = [
  'agent-rubric', 'answer-relevance', 'bleu', 'classifier', 'contains', 'contains-all', 'contains-any', 'contains-html',
  'contains-json', 'contains-sql', 'contains-xml', 'context-faithfulness', 'context-recall', 'context-relevance',
  'conversation-relevance', 'cost', 'equals', 'factuality', 'finish-reason', 'g-eval', 'gleu', 'guardrails', 'icontains',
  'icontains-all', 'icontains-any', 'is-html', 'is-json', 'is-refusal', 'is-sql', 'is-valid-function-call',
  'is-valid-openai-function-call', 'is-valid-openai-tools-call', 'is-xml', 'javascript', 'latency', 'levenshtein',
  'llm-rubric', 'pi', 'meteor', 'model-graded-closedqa', 'model-graded-factuality', 'moderation', 'perplexity',
  'perplexity-score', 'python', 'regex', 'rouge-n', 'ruby', 'similar', 'similar:cosine', 'similar:dot', 'similar:euclidean',
  'starts-with', 'tool-call-f1', 'skill-used', 'trajectory:goal-success', 'trajectory:tool-args-match',
  'trajectory:step-count', 'trajectory:tool-sequence', 'trajectory:tool-used', 'trace-error-spans', 'trace-span-count',
  'trace-span-duration', 'search-rubric', 'webhook', 'word-count',
];

/** promptfoo's types that grade several outputs together or need a person: no promptgate case can hold them. */
export const PROMPTFOO_SPECIAL_TYPES: readonly string[] = ['select-best', 'human', 'max-score'];

/** Types that embed texts (promptfoo's embedding provider): they need the config's `embedding` model. */
export const EMBEDDING_TYPES: ReadonlySet<string> = new Set(['similar', 'similar:cosine', 'similar:dot', 'similar:euclidean', 'answer-relevance']);

/** promptfoo's defaults when nothing names them: its embedding and moderation models (OpenAI). */
export const PROMPTFOO_DEFAULT_EMBEDDING = 'text-embedding-3-large';
export const PROMPTFOO_DEFAULT_MODERATION = 'omni-moderation-latest';

/** Types graded by a model (promptfoo's grading provider): they need the config's judge. */
export const MODEL_GRADED_TYPES: ReadonlySet<string> = new Set([
  'llm-rubric', 'grade', 'model-graded-closedqa', 'factuality', 'model-graded-factuality', 'g-eval', 'answer-relevance',
  'context-faithfulness', 'context-recall', 'context-relevance', 'conversation-relevance', 'select-best', 'search-rubric',
]);

const ESCAPED = PROMPTFOO_BASE_TYPES.map((type) => type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
const ASSERTION_PATTERN = new RegExp(`^(not-)?(${ESCAPED})(?:\\((\\d+(?:\\.\\d+)?)\\))?(?::([\\s\\S]*))?$`);

/** What promptfoo makes of a cell: a type (with `not-`), its value and threshold, or an exact match of the whole cell. */
export interface PromptfooCell {
  /** The type without `not-` (`llm-rubric` for `grade:`, `javascript` for `fn:`/`eval:`/`file://x.js`). */
  type: string;
  negate: boolean;
  value?: string | string[];
  threshold?: number;
  /** No type prefix matched: an `equals` of the whole (trimmed) cell. */
  exact: boolean;
}

const JS_FILE = /\.(?:js|cjs|mjs|ts|cts|mts)(?::[\w.$]+)?$/;

/** promptfoo's reading of a non-empty `__expected` cell (trimmed first, as promptfoo does). */
export function readPromptfooCell(cell: string): PromptfooCell {
  const text = cell.trim();
  if (text.startsWith('javascript:') || text.startsWith('fn:') || text.startsWith('eval:') || (text.startsWith('file://') && JS_FILE.test(text.slice(7)))) {
    const skip = text.startsWith('javascript:') ? 11 : text.startsWith('fn:') ? 3 : text.startsWith('eval:') ? 5 : 0;
    return { type: 'javascript', negate: false, value: text.slice(skip).trim(), exact: false };
  }
  if (text.startsWith('grade:') || text.startsWith('llm-rubric:')) {
    return { type: 'llm-rubric', negate: false, value: text.slice(text.startsWith('grade:') ? 6 : 11), exact: false };
  }
  if (text.startsWith('python:') || (text.startsWith('file://') && (text.endsWith('.py') || text.includes('.py:')))) {
    return { type: 'python', negate: false, value: text.slice(7).trim(), exact: false };
  }
  const match = ASSERTION_PATTERN.exec(text);
  if (!match) return { type: 'equals', negate: false, value: text, exact: true };
  const [, not, type, thresholdText, value] = match;
  const reading: PromptfooCell = { type, negate: not !== undefined, exact: false };
  if (thresholdText !== undefined) reading.threshold = Number(thresholdText);
  if (value !== undefined) {
    reading.value = ['contains-all', 'contains-any', 'icontains-all', 'icontains-any'].includes(type) ? value.split(',').map((item) => item.trim()) : type === 'is-json' || type === 'contains-json' ? value : value.trim();
  }
  return reading;
}
