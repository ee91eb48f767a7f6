import { loadYaml } from '../prompts/lazy.js';
import type { ImportedPrompt, PromptMessage } from './types.js';

/**
 * The role marker that starts a message in a `.prompt` body. Dotprompt's `{{role "…"}}`, also for
 * Nunjucks prompts (front matter `template: nunjucks`): one place to change if their marker differs.
 */
export function roleMarker(role: PromptMessage['role'], nunjucks: boolean): string {
  return nunjucks ? `{{ role("${role}") }}` : `{{role "${role}"}}`;
}

/** `prompts/<id>.prompt`: front matter (version 1.0.0, `template: nunjucks` when needed, the entry's config) and the body. */
export function renderPromptFile(prompt: ImportedPrompt): string {
  const { stringify } = loadYaml();
  const front: Record<string, unknown> = { version: '1.0.0' };
  if (prompt.nunjucks) front.template = 'nunjucks';
  if (prompt.config && Object.keys(prompt.config).length > 0) front.config = prompt.config;
  const where = `${prompt.origin.file}${prompt.origin.line ? `:${prompt.origin.line}` : ''}`;
  const comment = `# imported from ${prompt.from === 'inline' ? `an inline prompt (${where})` : `${prompt.from} (${where})`}${prompt.label ? `, label ${JSON.stringify(prompt.label)}` : ''}`;
  const yaml = stringify(front, { lineWidth: 0 }).trimEnd();
  const body = prompt.text ? prompt.messages[0].content : prompt.messages.map((message) => `${roleMarker(message.role, prompt.nunjucks)}\n${message.content}`).join('\n');
  return `---\n${comment.replace(/[\r\n]+/g, ' ')}\n${yaml}\n---\n${body.endsWith('\n') ? body : `${body}\n`}`;
}
