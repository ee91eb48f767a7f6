/**
 * Plug-ins written wrong must not type-check (each line below is a compile error, asserted by
 * @ts-expect-error): compiled with plugins-user.ts against dist by test/types/check-dist.mjs (`npm run typecheck`).
 */
import { defineConfig, defineGrader, defineProvider, defineReporter } from 'promptgate';

// @ts-expect-error a provider needs a stable id
defineProvider({ call: () => 'hi' });
// @ts-expect-error a provider returns text or a result value, not a number
defineProvider({ id: 'x', call: () => 42 });
// @ts-expect-error a grader returns a boolean, a score or {pass, score?, reason?}
defineGrader(() => 'yes');
// @ts-expect-error a reporter needs a name
defineReporter({ onRunEnd() {} });
// @ts-expect-error onCaseResult receives a CaseResult, which has no `verdict`
defineReporter({ name: 'r', onCaseResult: (result) => result.verdict });
// @ts-expect-error a reporter option entry is [module, options]
defineConfig({ reporters: [[{ file: 'x' }, './r.ts']] });
// @ts-expect-error graders are functions or module paths
defineConfig({ graders: { words: 42 } });

// These are fine.
defineConfig({
  reporters: ['console', './reporters/slack.ts', ['./reporters/file.ts', { file: 'out.txt' }], defineReporter({ name: 'inline', onRunEnd: () => undefined })],
  graders: { words: './graders/words.ts', short: defineGrader((output) => output.length < 10) },
  models: { local: { provider: defineProvider({ id: 'local', call: (request) => request.messages.map((m) => m.content).join(' ') }), model: 'm' } },
});
