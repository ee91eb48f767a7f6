/**
 * Finding XML inside prose for `contains-xml`, as promptfoo's reader does: tags are paired on a
 * stack (a close tag that does not match the open one clears it), and each complete element is a
 * candidate, largest first, with a run of sibling elements tried as one candidate before them.
 */

function isNameStart(c: number): boolean {
  return (
    c === 0x3a ||
    c === 0x5f ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    (c >= 0x200c && c <= 0x200d) ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0xeffff)
  );
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || c === 0x2d || c === 0x2e || (c >= 0x30 && c <= 0x39) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040);
}

/** The end of an XML Name (the XML 1.0 production) starting at `at`, or undefined when none starts there. */
export function xmlNameEnd(text: string, at: number): number | undefined {
  const first = text.codePointAt(at);
  if (first === undefined || !isNameStart(first)) return undefined;
  let end = at + (first > 0xffff ? 2 : 1);
  for (let code = text.codePointAt(end); code !== undefined && isNameChar(code); code = text.codePointAt(end)) end += code > 0xffff ? 2 : 1;
  return end;
}

/** The index of the `>` ending the tag opened at `start` (quotes respected), or -1 when a `<` comes first or none does. */
function tagEnd(text: string, start: number): number {
  let quote: string | undefined;
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '<') return -1;
    else if (char === '>') return i;
  }
  return -1;
}

/** The index of the last character of `delimiter` at or after `from`, or the last index of the text. */
function delimitedEnd(text: string, from: number, delimiter: string): number {
  for (let i = from; i <= text.length - delimiter.length; i++) if (text.startsWith(delimiter, i)) return i + delimiter.length - 1;
  return text.length - 1;
}

/** Where a `<!…>` declaration ends: comments and CDATA at their delimiters, others at a `>` outside quotes and brackets. */
function declarationEnd(text: string, start: number): number {
  if (text.startsWith('<!--', start)) return delimitedEnd(text, start + 4, '-->');
  if (text.startsWith('<![CDATA[', start)) return delimitedEnd(text, start + 9, ']]>');
  let quote: string | undefined;
  let depth = 0;
  for (let i = start + 2; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') depth++;
    else if (char === ']' && depth > 0) depth--;
    else if (char === '>' && depth === 0) return i;
  }
  return text.length - 1;
}

type Tag =
  | { kind: 'declaration'; end: number }
  | { kind: 'closing'; end: number; name: string }
  | { kind: 'opening'; end: number; name: string; selfClosing: boolean };

function readTag(text: string, start: number): Tag | undefined {
  const next = text[start + 1];
  if (next === undefined) return undefined;
  if (next === '!') return { kind: 'declaration', end: declarationEnd(text, start) };
  if (next === '?') return { kind: 'declaration', end: delimitedEnd(text, start + 2, '?>') };
  const nameStart = next === '/' ? start + 2 : start + 1;
  const nameStop = xmlNameEnd(text, nameStart);
  if (nameStop === undefined) return undefined;
  const end = tagEnd(text, start);
  if (end === -1) return undefined;
  const name = text.slice(nameStart, nameStop);
  if (next === '/') return { kind: 'closing', end, name };
  let last = end - 1;
  while (last > start && /\s/.test(text[last])) last--;
  return { kind: 'opening', end, name, selfClosing: text[last] === '/' };
}

export interface XmlCandidate {
  start: number;
  /** Exclusive. */
  end: number;
  /** The start of the element it is inside, if any. */
  parent?: number;
}

/**
 * The candidates in the order promptfoo tries them: for each group of two or more sibling elements
 * whose parent is not itself a candidate, the span from the first to the last; then every element
 * whose parent is not a candidate, by start (the longer first).
 */
export function findXmlCandidates(text: string): XmlCandidate[] {
  const stack: Array<{ name: string; start: number }> = [];
  const candidates: XmlCandidate[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '<') continue;
    const tag = readTag(text, i);
    if (!tag) continue;
    if (tag.kind === 'opening') {
      if (tag.selfClosing) candidates.push({ start: i, end: tag.end + 1, parent: stack.at(-1)?.start });
      else stack.push({ name: tag.name, start: i });
    } else if (tag.kind === 'closing') {
      const open = stack.at(-1);
      if (open?.name === tag.name) {
        stack.pop();
        candidates.push({ start: open.start, end: tag.end + 1, parent: stack.at(-1)?.start });
      } else stack.length = 0;
    }
    i = tag.end;
  }
  return order(candidates);
}

function order(candidates: XmlCandidate[]): XmlCandidate[] {
  const ordered: XmlCandidate[] = [];
  const seen = new Set<string>();
  const add = (candidate: XmlCandidate) => {
    const key = `${candidate.start}:${candidate.end}`;
    if (seen.has(key)) return;
    seen.add(key);
    ordered.push(candidate);
  };
  const starts = new Set(candidates.map((candidate) => candidate.start));
  const byParent = new Map<number | undefined, XmlCandidate[]>();
  for (const candidate of candidates) {
    const siblings = byParent.get(candidate.parent);
    if (siblings) siblings.push(candidate);
    else byParent.set(candidate.parent, [candidate]);
  }
  for (const [parent, siblings] of byParent) {
    if (siblings.length <= 1 || (parent !== undefined && starts.has(parent))) continue;
    siblings.sort((a, b) => a.start - b.start || a.end - b.end);
    add({ start: siblings[0].start, end: siblings[siblings.length - 1].end, parent });
  }
  const outermost = candidates.filter((candidate) => candidate.parent === undefined || !starts.has(candidate.parent)).sort((a, b) => a.start - b.start || b.end - a.end);
  for (const candidate of outermost) add(candidate);
  return ordered;
}
