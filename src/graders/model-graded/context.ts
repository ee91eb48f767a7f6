import type { Grader } from '../types.js';
import { requireText } from '../values.js';
import { contextOf, promptText, queryOf, reaches, serializeContext, splitLines, splitSentences, stringList } from './inputs.js';
import { askJudge, judged, refuseInjectedOutput, unusableReply } from './judge-task.js';

/** The reason's verdict part: `faithfulness 0.67 is ≥ 0.5`. */
function verdictText(what: string, score: number, threshold: number, pass: boolean): string {
  return `${what} ${score.toFixed(2)} is ${pass ? '≥' : '<'} ${threshold}`;
}

/**
 * `context-faithfulness` (promptfoo's matchesContextFaithfulness, after RAGAS): the judge breaks the
 * output (an answer to the case's `query`) into statements, then says for each whether the case's
 * `context` supports it. Score = supported statements / statements (0 when there are none);
 * passes when ≥ the threshold (default 0, as promptfoo).
 */
export const contextFaithfulness: Grader = async (output, assertion, context) => {
  const query = queryOf(context.vars, assertion.type);
  const ragContext = serializeContext(contextOf(context.vars, assertion.type));
  const threshold = assertion.threshold ?? 0;
  const refused = refuseInjectedOutput(output);
  if (refused) return refused;
  const split = await askJudge(context, {
    purpose: 'context-faithfulness-statements',
    instructions: [
      'Given a question and an answer, break the answer into statements: one or more short statements from each sentence of the answer, each understandable on its own (write out what pronouns refer to).',
    ],
    parts: [
      { name: 'question', label: 'the question', text: query },
      { name: 'output', label: 'the answer', text: output },
    ],
    replyFields: '"statements": ["<statement 1>", "<statement 2>", "…"]',
    replyRules: ['statements: one string per statement, in the order of the answer.'],
  });
  const statements = stringList(split.reply.statements);
  if (!statements) throw unusableReply(`has no "statements" list (got ${JSON.stringify(split.reply.statements) ?? 'nothing'})`, split.judge);
  if (statements.length === 0) {
    const pass = reaches(0, threshold);
    return { pass, score: 0, reason: `${verdictText('faithfulness', 0, threshold, pass)}: the answer has no statements`, ...judged(split.judge) };
  }
  const { reply, judge } = await askJudge(context, {
    purpose: 'context-faithfulness-verdicts',
    instructions: [
      'Natural language inference: consider the context and the statements, and decide for each statement whether the information in the context supports it.',
      'Explain briefly for each statement before giving its verdict: Yes (the context supports it) or No (it does not, or the context does not say).',
    ],
    parts: [
      { name: 'context', label: 'the context', text: ragContext },
      { name: 'statements', label: 'the statements, numbered', text: statements.map((statement, i) => `${i + 1}. ${statement}`).join('\n') },
    ],
    replyFields: '"verdicts": [{"statement": "<statement 1>", "explanation": "…", "verdict": "Yes" or "No"}, …]',
    replyRules: ['verdicts: one object per statement, in the order given.'],
  });
  const verdicts = reply.verdicts;
  if (!Array.isArray(verdicts) || !verdicts.every((entry) => entry !== null && typeof entry === 'object' && typeof (entry as { verdict?: unknown }).verdict === 'string')) {
    throw unusableReply(`has no "verdicts" list of {verdict: Yes or No} (got ${JSON.stringify(verdicts)?.slice(0, 120) ?? 'nothing'})`, judge);
  }
  // promptfoo: a verdict that does not say yes, and a statement without a verdict, count as unsupported.
  const supported = (verdicts as Array<{ verdict: string }>).slice(0, statements.length).filter((entry) => entry.verdict.toLowerCase().includes('yes')).length;
  const score = supported / statements.length;
  const pass = reaches(score, threshold);
  return { pass, score, reason: `${verdictText('faithfulness', score, threshold, pass)}: ${supported} of ${statements.length} statements supported by the context`, ...judged(judge) };
};

/**
 * `context-recall:<ground truth>` (promptfoo's matchesContextRecall, after RAGAS): the judge says
 * for each sentence of the ground truth whether it can be attributed to the case's `context` (else
 * the prompt). Score = attributed / sentences (0 when none); passes when ≥ the threshold (default 0).
 * The output is not read (as in promptfoo).
 */
export const contextRecall: Grader = async (_output, assertion, context) => {
  const groundTruth = requireText(assertion);
  const ragContext = serializeContext(contextOf(context.vars, assertion.type, () => promptText(context, assertion.type)));
  const threshold = assertion.threshold ?? 0;
  const { reply, judge } = await askJudge(context, {
    purpose: 'context-recall',
    instructions: [
      'Given a context and an answer, take each sentence of the answer and decide whether it can be attributed to the context. Reason before concluding.',
    ],
    parts: [
      { name: 'context', label: 'the context', text: ragContext },
      { name: 'answer', label: 'the answer', text: groundTruth },
    ],
    replyFields: '"sentences": [{"sentence": "<sentence 1>", "reason": "…", "attributed": true or false}, …]',
    replyRules: ['sentences: one object per sentence of the answer, in order; attributed is true when the context supports the sentence.'],
  });
  const sentences = reply.sentences;
  if (!Array.isArray(sentences) || !sentences.every((entry) => entry !== null && typeof entry === 'object' && typeof (entry as { attributed?: unknown }).attributed === 'boolean')) {
    throw unusableReply(`has no "sentences" list of {attributed: true or false} (got ${JSON.stringify(sentences)?.slice(0, 120) ?? 'nothing'})`, judge);
  }
  const attributed = (sentences as Array<{ attributed: boolean }>).filter((entry) => entry.attributed).length;
  const score = sentences.length > 0 ? attributed / sentences.length : 0;
  const pass = reaches(score, threshold);
  return { pass, score, reason: `${verdictText('recall', score, threshold, pass)}: ${attributed} of ${sentences.length} sentences attributed to the context`, ...judged(judge) };
};

/** What promptfoo's judge says when no sentence of the context answers the query. */
const INSUFFICIENT = 'Insufficient Information';

/**
 * `context-relevance` (promptfoo's matchesContextRelevance, after RAGAS): the judge copies out the
 * sentences of the case's `context` needed to answer its `query`. Score = those sentences / the
 * context's units (its chunks, its lines when it has several, else its sentences), at most 1;
 * passes when ≥ the threshold (default 0). The output is not read (as in promptfoo).
 */
export const contextRelevance: Grader = async (_output, assertion, context) => {
  const query = queryOf(context.vars, assertion.type);
  const ragContext = contextOf(context.vars, assertion.type);
  const threshold = assertion.threshold ?? 0;
  const { reply, judge } = await askJudge(context, {
    purpose: 'context-relevance',
    instructions: [
      'Copy out the sentences of the context that are absolutely needed to answer the query, without changing them.',
      `If no sentence is, or the query cannot be answered from the context, give an empty list (promptfoo's "${INSUFFICIENT}").`,
    ],
    parts: [
      { name: 'query', label: 'the query', text: query },
      { name: 'context', label: 'the context', text: serializeContext(ragContext) },
    ],
    replyFields: '"sentences": ["<relevant sentence>", …]',
    replyRules: ['sentences: the relevant sentences of the context, copied as they are; [] when there are none.'],
  });
  const extracted = stringList(reply.sentences);
  if (!extracted) throw unusableReply(`has no "sentences" list (got ${JSON.stringify(reply.sentences) ?? 'nothing'})`, judge);
  const segmented = Array.isArray(ragContext) || splitLines(ragContext).length > 1;
  const units = Array.isArray(ragContext) ? ragContext.filter((chunk) => chunk.trim() !== '') : splitSentences(ragContext);
  const insufficient = extracted.some((sentence) => sentence.includes(INSUFFICIENT));
  const relevant = insufficient ? [] : [...new Set(extracted.flatMap((sentence) => (segmented ? splitLines(sentence) : splitSentences(sentence)).map((unit) => unit.trim())))];
  const counted = Math.min(relevant.length, units.length);
  const score = units.length > 0 ? counted / units.length : 0;
  const pass = reaches(score, threshold);
  return { pass, score, reason: `${verdictText('context relevance', score, threshold, pass)}: ${counted} of ${units.length} context units needed for the query`, ...judged(judge) };
};
