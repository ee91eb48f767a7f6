/**
 * Splits `a, b, c` into trimmed items; an item may be double-quoted to hold commas (`"a, b",c`,
 * `""` for a quote inside). Empty items are dropped.
 */
export function splitList(text: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"' && quoted && text[i + 1] === '"') {
      current += '"';
      i++;
    } else if (char === '"' && (quoted || current.trim() === '')) {
      quoted = !quoted;
      if (quoted) current = '';
    } else if (char === ',' && !quoted) {
      items.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  items.push(current.trim());
  return items.filter((item) => item !== '');
}
