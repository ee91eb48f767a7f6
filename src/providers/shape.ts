import type { AnswerRead, ProviderSuccess, TokenUsage } from './types.js';

export { isRecord } from '../util/record.js';

/** A response's reported model and tokens, the start of an AnswerRead. */
export function answerReadOf(model: unknown, usage: TokenUsage | undefined): AnswerRead {
  const read: AnswerRead = {};
  if (typeof model === 'string') read.modelReported = model;
  if (usage) read.usage = usage;
  return read;
}

/** A read answer with no fault as a provider's success: no text is output ''. */
export function answerOf({ output, fault: _fault, ...read }: AnswerRead): ProviderSuccess {
  return { ok: true, output: output ?? '', ...read };
}
