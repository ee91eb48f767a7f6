import type { FactualityScoring } from '../types.js';
import type { Grader } from '../types.js';
import { requireText } from '../values.js';
import { promptText } from './inputs.js';
import { askJudge, judged, refuseInjectedOutput, unusableReply } from './judge-task.js';

type Category = 'A' | 'B' | 'C' | 'D' | 'E';

/** promptfoo's factuality categories (from OpenAI's fact eval), and the scoring key of each. */
const CATEGORIES: Record<Category, { key: keyof FactualityScoring; text: string; score: number }> = {
  A: { key: 'subset', score: 1, text: 'The submitted answer is a subset of the expert answer and is fully consistent with it.' },
  B: { key: 'superset', score: 1, text: 'The submitted answer is a superset of the expert answer and is fully consistent with it.' },
  C: { key: 'agree', score: 1, text: 'The submitted answer contains all the same details as the expert answer.' },
  D: { key: 'disagree', score: 0, text: 'There is a disagreement between the submitted answer and the expert answer.' },
  E: { key: 'differButFactual', score: 1, text: "The answers differ, but these differences don't matter from the perspective of factuality." },
};

/** A category's score: the config's `grading.factuality` (promptfoo's `options.factuality`), else 1 (D: 0). */
export function factualityScore(category: Category, scoring: FactualityScoring | undefined): number {
  const { key, score } = CATEGORIES[category];
  return scoring?.[key] ?? score;
}

/**
 * `factuality:<expert answer>` (`model-graded-factuality`; promptfoo's matchesFactuality): the judge
 * puts the output, as an answer to the prompt, in one of the categories A–E against the expert
 * answer. The score is the category's (grading.factuality; defaults A, B, C, E: 1, D: 0) and a
 * category scoring more than 0 passes. A threshold changes nothing (promptfoo ignores it too).
 */
export const factuality: Grader = async (output, assertion, context) => {
  const expert = requireText(assertion);
  const question = promptText(context, assertion.type);
  const refused = refuseInjectedOutput(output);
  if (refused) return refused;
  const { reply, judge } = await askJudge(context, {
    purpose: 'factuality',
    instructions: [
      'You compare a submitted answer with an expert answer to the same question, on factual content only: ignore differences of style, grammar or punctuation.',
      'Put the submission in exactly one of these categories:',
      ...Object.entries(CATEGORIES).map(([letter, category]) => `(${letter}) ${category.text}`),
    ],
    parts: [
      { name: 'question', label: 'the question', text: question },
      { name: 'expert', label: 'the expert answer', text: expert },
      { name: 'output', label: 'the submitted answer', text: output },
    ],
    replyFields: '"category": "A", "B", "C", "D" or "E", "reason": "a detailed explanation"',
    replyRules: ['category: a single letter, A, B, C, D or E.', 'reason: why the submission is in that category.'],
  });
  const letter = typeof reply.category === 'string' ? reply.category.trim().toUpperCase() : undefined;
  if (letter === undefined || !/^[A-E]$/.test(letter)) {
    throw unusableReply(`has no "category" A to E (got ${JSON.stringify(reply.category) ?? 'nothing'})`, judge);
  }
  const category = letter as Category;
  const score = factualityScore(category, context.grading?.factuality);
  const given = typeof reply.reason === 'string' ? reply.reason.trim() : '';
  const reason = `(${category}) ${given || CATEGORIES[category].text}`;
  return { pass: score > 0, score, reason, ...judged(judge) };
};
