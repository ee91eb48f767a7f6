/** One step of a path into the config: an object key or an array index. */
export type PathSegment = string | number;

/**
 * Best-effort line (1-based) of a config key in the config file's text.
 *
 * The config is a TS/JS module, so its values may be computed, spread or imported: there is no
 * reliable line for a key path. We search the text instead: each key of the path in turn, each
 * after the previous one (so `models.gpt.concurrency` finds the `concurrency` inside `gpt`, not the
 * top-level one), then, when `value` is a string, that string literal. Array indices are skipped.
 * Returns undefined when the last key (or the value) is not found, rather than a wrong line.
 */
export function findLine(source: string | undefined, path: readonly PathSegment[], value?: unknown): number | undefined {
  if (!source) return undefined;
  let position = 0;
  let lastKeyFound = false;
  for (const segment of path) {
    if (typeof segment === 'number') {
      lastKeyFound = false;
      continue;
    }
    const index = search(source, keyPattern(segment), position);
    lastKeyFound = index !== undefined;
    if (index !== undefined) position = index;
  }
  if (typeof value === 'string' && value.length > 0) {
    const index = search(source, new RegExp(`(["'\`])${escapeRegExp(value)}\\1`, 'g'), position);
    if (index !== undefined) return lineAt(source, index);
  }
  return lastKeyFound ? lineAt(source, position) : undefined;
}

function keyPattern(key: string): RegExp {
  // `key:`, `"key":`, `'key':` — not `otherkey:` nor a longer identifier ending in key.
  return new RegExp(`(?<![\\w$])(["'\`]?)${escapeRegExp(key)}\\1\\s*:`, 'g');
}

function search(source: string, pattern: RegExp, from: number): number | undefined {
  pattern.lastIndex = from;
  const match = pattern.exec(source);
  return match ? match.index : undefined;
}

function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
