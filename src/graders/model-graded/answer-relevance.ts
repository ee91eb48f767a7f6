import type { Grader } from '../types.js';
import { GraderError } from '../grader-error.js';
import { cosineSimilarity } from '../similar.js';
import { clampScore, promptText, reaches, stringList } from './inputs.js';
import { askJudge, judged, refuseInjectedOutput, unusableReply } from './judge-task.js';

/** How many questions the judge writes for the output (promptfoo asks three times for one). */
const QUESTIONS = 3;

/**
 * `answer-relevance` (promptfoo's matchesAnswerRelevance, after RAGAS): the judge writes questions
 * the output answers; each is embedded with the query (the case's `query` variable, else the
 * prompt) and the score is their mean cosine similarity to it. Passes when ≥ the threshold
 * (default 0, as promptfoo). Needs the judge and an embedding model.
 */
export const answerRelevance: Grader = async (output, assertion, context) => {
  const query = typeof context.vars.query === 'string' && context.vars.query !== '' ? context.vars.query : promptText(context, assertion.type);
  const threshold = assertion.threshold ?? 0;
  if (!context.embed) throw new GraderError('answer-relevance needs an embedding model (none is configured)');
  const refused = refuseInjectedOutput(output);
  if (refused) return refused;
  const { reply, judge } = await askJudge(context, {
    purpose: 'answer-relevance',
    instructions: [
      `Write ${QUESTIONS} different questions that the given answer answers: for each, the question a user would most likely have asked to get this answer.`,
      'Each question must stand alone and be answered by the answer as it is.',
    ],
    parts: [{ name: 'output', label: 'the answer', text: output }],
    replyFields: `"questions": [${Array.from({ length: QUESTIONS }, (_, i) => `"<question ${i + 1}>"`).join(', ')}]`,
    replyRules: [`questions: ${QUESTIONS} strings, one question each.`],
  });
  const questions = stringList(reply.questions)?.slice(0, QUESTIONS);
  if (!questions || questions.length === 0) throw unusableReply(`has no "questions" list (got ${JSON.stringify(reply.questions) ?? 'nothing'})`, judge);
  const embedded = await context.embed([query, ...questions], context.signal);
  if (!embedded.ok) throw new GraderError(`embedding error: ${embedded.error.message}`, { judge });
  if (embedded.vectors.length !== questions.length + 1) {
    throw new GraderError(`embedding error: ${embedded.vectors.length} vectors for ${questions.length + 1} texts`, { judge });
  }
  const [queryVector, ...questionVectors] = embedded.vectors;
  const similarities = questionVectors.map((vector) => cosineSimilarity(queryVector, vector));
  const similarity = similarities.reduce((sum, value) => sum + value, 0) / similarities.length;
  const pass = reaches(similarity, threshold);
  const listed = questions.map((question, i) => `${JSON.stringify(question)} ${similarities[i].toFixed(2)}`).join(', ');
  const reason = `relevance ${similarity.toFixed(2)} is ${pass ? '≥' : '<'} ${threshold} (questions the output answers: ${listed})`;
  return { pass, score: clampScore(similarity), reason, ...judged(judge) };
};
