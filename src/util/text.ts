/**
 * Shortens text to at most `max` characters (code points), ending with `…` when cut.
 * Whitespace runs are kept; cut text never ends inside a surrogate pair. (No imports: the browser
 * script of report.html bundles it, through tools/format.ts.)
 */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return points.slice(0, Math.max(0, max - 1)).join('') + '…';
}
