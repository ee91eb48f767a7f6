import { escapeControlChars, freshGuardState, guardText } from '../util/output-guard.js';

/**
 * Untrusted text bound for a terminal: control characters (ANSI escapes, tabs and line breaks
 * among them) are shown as visible `\xNN` / `\n` codes so a model output cannot move the cursor,
 * recolour or rewrite the screen, nor start a line of its own; and it is inert as a workflow
 * command (`##[`) even where no output guard is installed (the library used from a script).
 */
export function terminalSafe(text: string): string {
  return guardText(escapeControlChars(text), freshGuardState(), false);
}

/** One line, at most `max` characters, for tables and lists. */
export function oneLine(text: string, max = 80): string {
  const flat = terminalSafe(text.replace(/\r\n|\r|\n/g, ' ⏎ '));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
