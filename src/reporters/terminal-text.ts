/**
 * Untrusted text bound for a terminal: control characters (ANSI escapes among them) are shown as
 * visible `\xNN` codes so a model output cannot move the cursor, recolour or rewrite the screen.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** One line, at most `max` characters, for tables and lists. */
export function oneLine(text: string, max = 80): string {
  const flat = terminalSafe(text.replace(/\r?\n/g, ' ⏎ '));
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
