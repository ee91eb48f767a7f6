import { defineConfig } from 'promptgate';

/**
 * The bundled example: two prompts with their cases, answered offline by the `replay` provider
 * from hand-written responses in fixtures/replay/. Swap the model for a real one, e.g.
 * `{ provider: 'openai', model: 'gpt-4o-mini' }` with OPENAI_API_KEY set, to run it for real.
 */
export default defineConfig({
  models: {
    'gpt-4o-mini': { provider: 'replay', model: 'gpt-4o-mini' },
  },
  defaultModel: 'gpt-4o-mini',
  concurrency: 8,
  gate: { maxRegressions: 0, alpha: 0.05 },
  graders: {
    // Used as `js:one-word` in a case: the answer must be a single lowercase word.
    'one-word': (output) => /^[a-z]+$/.test(output.trim()),
  },
});
