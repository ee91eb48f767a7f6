import { PromptgateError, inputError } from '../errors.js';
import { TemplateRenderError, compileTemplate, splitRendered } from './handlebars-env.js';
import { NunjucksRenderError } from './nunjucks-env.js';
import { renderNunjucksPrompt, variablesReadOn } from './nunjucks-prompt.js';
import type { Message, PromptFile } from './types.js';

/**
 * Renders a prompt for one case, synchronously. Strict variables: a variable the template reads
 * that is undefined in `vars` is an input error (CASE_INVALID naming the case's file:line, the
 * variable and the prompt file), never an empty string. `{{role}}` markers split the messages
 * (no marker: one user message); `extras.prefix` / `extras.suffix` (promptfoo `__prefix` /
 * `__suffix`) are put before / after the content of the template's last user message.
 * `extras.conversation` (a case's `messages`) goes where the template's `{{history}}` is
 * (Dotprompt), else after the template's leading system messages: the template's other messages
 * (its last turn) follow it. Its messages are the case's own, never rendered as templates.
 */
export function renderPrompt(
  prompt: PromptFile,
  vars: Record<string, unknown>,
  where: { file: string; line: number },
  extras: { prefix?: string; suffix?: string; conversation?: Message[] } = {},
): Message[] {
  if (prompt.templateEngine === 'nunjucks') {
    const messages = renderNunjucks(prompt, vars, where);
    const affixed = extras.prefix || extras.suffix ? addAffixes(messages, extras.prefix ?? '', extras.suffix ?? '') : messages;
    return placeConversation(affixed, [], extras.conversation);
  }
  checkVariables(prompt, vars, where);

  const template = compileTemplate(prompt.template);

  let rendered: string;
  try {
    rendered = template(vars);
  } catch (error) {
    if (error instanceof PromptgateError) throw error;
    const reason = error instanceof TemplateRenderError || error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw inputError('CASE_INVALID', `cannot render ${prompt.path}: ${reason}`, where);
  }

  const { messages, historyAt } = splitRendered(rendered);
  const affixed = extras.prefix || extras.suffix ? addAffixes(messages, extras.prefix ?? '', extras.suffix ?? '') : messages;
  return placeConversation(affixed, historyAt, extras.conversation);
}

/**
 * Puts a case's conversation into the template's messages: at each `{{history}}` (`historyAt`:
 * indexes into `messages`), else after the leading system messages.
 */
export function placeConversation(messages: Message[], historyAt: number[], conversation: Message[] | undefined): Message[] {
  if (!conversation || conversation.length === 0) return messages;
  if (historyAt.length === 0) {
    let systems = 0;
    while (systems < messages.length && messages[systems].role === 'system') systems++;
    return [...messages.slice(0, systems), ...conversation, ...messages.slice(systems)];
  }
  const out: Message[] = [];
  let next = 0;
  for (const at of historyAt) {
    out.push(...messages.slice(next, at), ...conversation);
    next = at;
  }
  out.push(...messages.slice(next));
  return out;
}

/**
 * A Nunjucks prompt: strict variables are checked as it renders (a variable only tested with
 * `{% if %}` may be missing, as in promptfoo); a variable it outputs while the case lacks it is
 * CASE_INVALID naming the case's file:line, the variable and the prompt file and line.
 */
function renderNunjucks(prompt: PromptFile, vars: Record<string, unknown>, where: { file: string; line: number }): Message[] {
  try {
    return renderNunjucksPrompt(prompt, vars);
  } catch (error) {
    if (!(error instanceof NunjucksRenderError)) throw error;
    const at = error.line === undefined ? prompt.path : `${prompt.path}:${(prompt.bodyLine ?? 1) + error.line - 1}`;
    const absent = (name: string) => !Object.hasOwn(vars, name) || vars[name] === undefined || vars[name] === null;
    const onLine = error.line === undefined ? [] : variablesReadOn(prompt.template, error.line).filter(absent);
    const missing = onLine.length > 0 ? onLine : prompt.variables.filter(absent);
    if (missing.length > 0 && /undefined/.test(error.message)) {
      const names = missing.map((name) => `'${name}'`).join(', ');
      throw inputError('CASE_INVALID', `missing variable${missing.length > 1 ? 's' : ''} ${names} used by ${at}`, where, `add ${missing.length > 1 ? 'them' : 'it'} to the case's variables`);
    }
    throw inputError('CASE_INVALID', `cannot render ${at}: ${error.message}`, where);
  }
}

/**
 * Strict variables: a variable the template reads that is undefined in `vars` is an input error
 * (CASE_INVALID naming the case's file:line, the variable and the prompt file).
 */
export function checkVariables(prompt: PromptFile, vars: Record<string, unknown>, where: { file: string; line: number }): void {
  // Own properties only: `constructor`, `toString` or `__proto__` are not a case's variables just
  // because every object inherits them (Handlebars would render them as '').
  const missing = prompt.variables.filter((name) => !Object.hasOwn(vars, name) || vars[name] === undefined);
  if (missing.length > 0) {
    const names = missing.map((name) => `'${name}'`).join(', ');
    throw inputError(
      'CASE_INVALID',
      `missing variable${missing.length > 1 ? 's' : ''} ${names} used by ${prompt.path}`,
      where,
      `add ${missing.length > 1 ? 'them' : 'it'} to the case's variables`,
    );
  }
}

function addAffixes(messages: Message[], prefix: string, suffix: string): Message[] {
  let index = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') {
      index = i;
      break;
    }
  }
  if (index === -1) return [...messages, { role: 'user', content: prefix + suffix }];
  return messages.map((message, i) => (i === index ? { ...message, content: prefix + message.content + suffix } : message));
}
