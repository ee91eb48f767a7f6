/**
 * Reads a judge request the way a judge model would (for local judges in tests): the verdict token
 * from the system message, and the material (the output, the question, the context …) out of the
 * user message's `<name-NONCE>` delimiters, JSON-decoded. Works for rubric's prompt
 * (graders/judge-prompt.ts) and the model-graded types' (graders/model-graded/judge-task.ts).
 */

export interface JudgeRequestView {
  system: string;
  token: string;
  /** Material by delimiter name: `output`, `question`, `context`, `output-0` … */
  parts: Record<string, string>;
}

interface MessageLike {
  role: string;
  content: unknown;
}

function text(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part === 'string' ? part : ((part as { text?: string }).text ?? ''))).join('');
  return '';
}

export function readJudgeRequest(messages: readonly MessageLike[]): JudgeRequestView {
  const system = text(messages.find((message) => message.role === 'system')?.content);
  const user = text([...messages].reverse().find((message) => message.role === 'user')?.content);
  const token = /"verdict_token": "([0-9a-f]+)"/.exec(system)?.[1] ?? 'missing';
  const parts: Record<string, string> = {};
  for (const match of user.matchAll(/<([a-z0-9-]+?)-([0-9a-f]{16})>\n(.*)\n<\/\1-\2>/g)) parts[match[1]] = JSON.parse(match[3]) as string;
  return { system, token, parts };
}

/** Which model-graded task a judge request is, from the wording of its instructions. */
export function judgeTaskKind(view: JudgeRequestView): string {
  const kinds: Array<[string, RegExp]> = [
    ['rubric', /judge one output of an AI system against the rubric/],
    ['closedqa', /assess a submitted answer to a task against a criterion/],
    ['factuality', /compare a submitted answer with an expert answer/],
    ['g-eval-steps', /write 3 or 4 concise evaluation steps/],
    ['g-eval', /rate one reply to a prompt on one metric/],
    ['answer-relevance', /different questions that the given answer answers/],
    ['faithfulness-statements', /break the answer into statements/],
    ['faithfulness-verdicts', /Natural language inference/],
    ['context-recall', /whether it can be attributed to the context/],
    ['context-relevance', /sentences of the context that are absolutely needed/],
    ['select-best', /compare several texts to see which one best fits/],
  ];
  return kinds.find(([, pattern]) => pattern.test(view.system))?.[0] ?? 'unknown';
}

/** A reply object as the judge's JSON, with the request's token. */
export function judgeReply(view: JudgeRequestView, fields: Record<string, unknown>): string {
  return JSON.stringify({ ...fields, verdict_token: view.token });
}
