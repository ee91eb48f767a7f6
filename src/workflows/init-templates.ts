/**
 * The starter project `promptgate init` writes: a config whose only model is a local stand-in
 * (it answers with the prompt's last message), so `promptgate run` passes at once with no API key,
 * one prompt, and its cases.
 */

export const CONFIG_TEMPLATE = `import { defineConfig } from 'promptgate';

export default defineConfig({
  models: {
    // A stand-in model that answers with the prompt's last message, so this project runs with no
    // API key. Point the name at a real model when you are ready, e.g.
    //   echo: { provider: 'openai', model: 'gpt-4o-mini' },   // reads OPENAI_API_KEY
    //   echo: { provider: 'anthropic', model: 'claude-3-5-haiku-latest' },   // reads ANTHROPIC_API_KEY
    //   echo: { provider: 'openai', model: 'llama3.1', baseURL: 'http://localhost:11434/v1' },   // Ollama
    // (or add a model under a new name and set \`model:\` in the prompt's front matter).
    echo: {
      provider: (request) => request.messages[request.messages.length - 1]?.content ?? '',
      model: 'echo',
    },
  },
  defaultModel: 'echo',
  // The gate of \`compare\`, \`ci\` and \`drift\`. This stand-in model is deterministic, so no
  // case may go from pass to fail. With a real model that varies from run to run, remove
  // maxRegressions: the statistical gate then decides (promptgate's docs/compare-and-gate.md).
  gate: { maxRegressions: 0 },
});
`;

export const PROMPT_TEMPLATE = `---
version: 1.0.0
model: echo
config:
  temperature: 0
---
{{role "system"}}
You greet people warmly, in one short sentence.
{{role "user"}}
Say hello to {{name}}.
`;

export const CASES_TEMPLATE = `name,__expected,__description
Ada,contains:Ada,greets by name
Grace Hopper,icontains:grace hopper,keeps the whole name
`;

/** Lines `init` makes sure .gitignore has (run folders and the response cache). */
export const GITIGNORE_ENTRIES = ['reports/', '.promptgate-cache/'];
