import type { Assertion } from '../cases/types.js';
import type { Grader } from './types.js';
import type { GraderDefinition } from './definition.js';
import { commonJs } from './common-js.js';
import { GraderError } from './grader-error.js';
import { verdict } from './values.js';
import { findXmlCandidates, xmlNameEnd as nameEnd } from './xml-scan.js';

/**
 * `is-xml` / `contains-xml` and `is-html` / `contains-html` with promptfoo's semantics: XML
 * well-formedness by a conforming parser (saxes), required elements looked up in fast-xml-parser's
 * reading; HTML by parse5 (the browsers' algorithm) plus promptfoo's rules for what counts as HTML.
 */

// ---------------------------------------------------------------- XML

/**
 * The required elements: dotted paths (`root.item.0.name`) from a comma-separated string, an array,
 * or `{requiredElements: [...]}`; none for no value (or an empty array or object).
 */
function requiredElements(assertion: Assertion): string[] | undefined {
  const { value } = assertion;
  if (typeof value === 'string') return value.split(',').map((element) => element.trim());
  if (Array.isArray(value)) return value.length > 0 ? value.map((element) => String(element)) : undefined;
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    const list = (value as { requiredElements?: unknown }).requiredElements;
    if (Array.isArray(list)) return list.map((element) => String(element));
    throw new GraderError(`${assertion.type} needs a comma-separated list of element paths, an array, or {requiredElements: [...]}`);
  }
  return undefined;
}

type XmlVerdict = { valid: boolean; reason: string; wellFormed?: boolean };

/** Whether `parsed` (fast-xml-parser's object) has a value at the dotted path; array steps are canonical indexes. */
function hasPath(parsed: unknown, path: string[]): boolean {
  let current = parsed;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return false;
    if (Array.isArray(current)) {
      const index = Number(key);
      if (!Number.isInteger(index) || index < 0 || String(index) !== key || current[index] === undefined) return false;
      current = current[index];
    } else {
      const next = (current as Record<string, unknown>)[key];
      if (next === undefined) return false;
      current = next;
    }
  }
  return true;
}

/** fast-xml-parser's reading of `xml` and the required elements it lacks; a throw means not well-formed. */
async function checkElements(xml: string, required: string[] | undefined): Promise<XmlVerdict> {
  const { XMLParser } = await import('fast-xml-parser');
  const parser = new XMLParser({ allowBooleanAttributes: true, ignoreAttributes: false, parseAttributeValue: true, parseTagValue: true });
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch (error) {
    return { valid: false, wellFormed: false, reason: `XML parsing failed: ${(error as Error).message}` };
  }
  const missing = (required ?? []).filter((element) => !hasPath(parsed, element.split('.')));
  return missing.length > 0
    ? { valid: false, wellFormed: true, reason: `XML is missing required elements: ${missing.join(', ')}` }
    : { valid: true, wellFormed: true, reason: required?.length ? `XML has ${required.join(', ')}` : 'output is well-formed XML' };
}

const XML_SPACE = new Set([' ', '\t', '\r', '\n']);
const skipSpace = (text: string, at: number) => {
  while (XML_SPACE.has(text[at])) at++;
  return at;
};

/** A quoted literal at `at`: its text and the index after the closing quote. */
function quoted(text: string, at: number): { value: string; end: number } | undefined {
  const quote = text[at];
  if (quote !== '"' && quote !== "'") return undefined;
  const close = text.indexOf(quote, at + 1);
  return close === -1 ? undefined : { value: text.slice(at + 1, close), end: close + 1 };
}

/** After whitespace, a system literal without `#` that ends the declaration. */
function systemLiteralEnds(doctype: string, at: number): boolean {
  const start = skipSpace(doctype, at);
  if (start === at) return false;
  const literal = quoted(doctype, start);
  return literal !== undefined && !literal.value.includes('#') && skipSpace(doctype, literal.end) === doctype.length;
}

/** The DOCTYPE body (what follows `<!DOCTYPE`): ` name`, optionally `SYSTEM "…"` or `PUBLIC "…" "…"`. */
function doctypeWellFormed(doctype: string): boolean {
  const start = skipSpace(doctype, 0);
  if (start === 0) return false;
  const end = nameEnd(doctype, start);
  if (end === undefined) return false;
  const idStart = skipSpace(doctype, end);
  if (idStart === doctype.length) return true;
  if (idStart === end) return false;
  if (doctype.startsWith('SYSTEM', idStart)) return systemLiteralEnds(doctype, idStart + 6);
  if (!doctype.startsWith('PUBLIC', idStart)) return false;
  const publicStart = skipSpace(doctype, idStart + 6);
  if (publicStart === idStart + 6) return false;
  const publicId = quoted(doctype, publicStart);
  if (!publicId || !/^[\x20\r\na-zA-Z0-9'()+,./:=?;!*#@$_%-]*$/.test(publicId.value)) return false;
  return systemLiteralEnds(doctype, publicId.end);
}

function hasInternalSubset(doctype: string): boolean {
  let quote: string | undefined;
  for (const char of doctype) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') return true;
  }
  return false;
}

function hasExternalSubset(doctype: string): boolean {
  const end = nameEnd(doctype, skipSpace(doctype, 0));
  if (end === undefined) return false;
  const idStart = skipSpace(doctype, end);
  return doctype.startsWith('SYSTEM', idStart) || doctype.startsWith('PUBLIC', idStart);
}

/**
 * `is-xml`: the whole output is well-formed XML (saxes, namespaces checked; a DOCTYPE with an
 * internal subset is refused, an external one leaves its entities unexpanded), then has the
 * required elements.
 */
async function validateXml(xml: string, required: string[] | undefined): Promise<XmlVerdict> {
  const { SaxesParser } = commonJs(await import('saxes'));
  let unsupported: string | undefined;
  let badDoctype: string | undefined;
  let standalone = false;
  // Made outside the try: a parser that cannot be made is an error, not ill-formed XML.
  const parser = new SaxesParser({ xmlns: true });
  try {
    parser.on('xmldecl', (declaration) => {
      standalone = declaration.standalone === 'yes';
    });
    parser.on('doctype', (doctype) => {
      if (hasInternalSubset(doctype)) {
        unsupported = 'a DOCTYPE with an internal subset is not supported by is-xml';
        throw new Error(unsupported);
      }
      if (!doctypeWellFormed(doctype)) {
        badDoctype = 'malformed DOCTYPE declaration';
        throw new Error(badDoctype);
      }
      if (hasExternalSubset(doctype) && !standalone) keepUnknownEntities(parser);
    });
    parser.write(xml).close();
  } catch (error) {
    if (unsupported) return { valid: false, reason: unsupported };
    return { valid: false, reason: `XML parsing failed: ${badDoctype ?? (error instanceof Error ? error.message : String(error))}` };
  }
  return checkElements(xml, required);
}

/** An entity the external DTD may define is left as `&name;` instead of being an error. */
function keepUnknownEntities(parser: { ENTITIES: Record<string, string> }): void {
  const known = parser.ENTITIES;
  parser.ENTITIES = new Proxy(known, {
    get(target, property, receiver) {
      if (typeof property === 'string' && nameEnd(property, 0) === property.length && !Reflect.has(target, property)) return `&${property};`;
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * `contains-xml`: some element (or run of sibling elements) in the output reads as XML with the
 * required elements; candidates inside a well-formed one already tried are skipped.
 */
async function containsXml(output: string, required: string[] | undefined): Promise<XmlVerdict> {
  const candidates = findXmlCandidates(output);
  if (candidates.length === 0) return { valid: false, reason: 'no XML content found in the output' };
  const tried: Array<{ start: number; end: number }> = [];
  for (const candidate of candidates) {
    if (tried.some((outer) => candidate.start >= outer.start && candidate.end <= outer.end)) continue;
    const result = await checkElements(output.slice(candidate.start, candidate.end), required);
    if (result.valid) return { valid: true, reason: `output contains XML${required?.length ? ` with ${required.join(', ')}` : ''}` };
    if (result.wellFormed) tried.push(candidate);
  }
  return { valid: false, reason: `no XML in the output${required?.length ? ` has ${required.join(', ')}` : ' is well-formed'}` };
}

const isXml: Grader = async (output, assertion) => {
  const required = requiredElements(assertion);
  const result = await validateXml(output, required);
  return verdict(result.valid, result.valid ? `output is well-formed XML${required?.length ? ` with ${required.join(', ')}` : ''}` : result.reason);
};

const containsXmlGrader: Grader = async (output, assertion) => {
  const result = await containsXml(output, requiredElements(assertion));
  return verdict(result.valid, result.reason);
};

// ---------------------------------------------------------------- HTML

/** The HTML elements promptfoo accepts as written by the user (custom elements, with a `-`, count too). */
const HTML_ELEMENTS = new Set(
  (
    'html head title base link meta style body article section nav aside h1 h2 h3 h4 h5 h6 header footer address p hr pre ' +
    'blockquote ol ul li dl dt dd figure figcaption main div a em strong small s cite q dfn abbr ruby rt rp data time code var ' +
    'samp kbd sub sup i b u mark bdi bdo span br wbr img iframe embed object param picture source video audio track map area ' +
    'svg math script noscript canvas ins del table caption colgroup col tbody thead tfoot tr td th form label input button ' +
    'select datalist optgroup option textarea output progress meter fieldset legend details summary dialog menu slot template'
  ).split(' '),
);

/** `<html`, `<head`, `<body` written in the output (parse5 adds them when they are not). */
const WRAPPER_WRITTEN: Record<string, RegExp> = { html: /<html(?=[\s>/])/, head: /<head(?=[\s>/])/, body: /<body(?=[\s>/])/ };

const MAX_HTML = 10 * 1024 * 1024;

interface HtmlNode {
  nodeName: string;
  tagName?: string;
  value?: string;
  childNodes?: HtmlNode[];
  sourceCodeLocation?: unknown;
}

function firstElement(root: HtmlNode, predicate: (element: HtmlNode & { tagName: string }) => boolean): HtmlNode | undefined {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.tagName !== undefined && predicate(node as HtmlNode & { tagName: string })) return node;
    const children = node.childNodes ?? [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return undefined;
}

const located = (node: HtmlNode) => node.sourceCodeLocation !== null && node.sourceCodeLocation !== undefined;

/**
 * `is-html` as promptfoo decides: parse5 reads the trimmed output; it is HTML when it is not empty,
 * not an `<?xml` document, has no loose text directly in a `<body>` the output did not write, and
 * holds at least one element the output wrote: a known HTML element, a custom element (`my-card`),
 * or `<html>`/`<head>`/`<body>` written out.
 */
async function htmlProblem(output: string): Promise<string | undefined> {
  const text = output.trim();
  if (!text) return 'output is empty';
  if (text.length > MAX_HTML) return 'output exceeds the 10 MiB limit';
  if (/^\s*<\?xml/i.test(text)) return 'output is XML, not HTML';
  const { parse } = await import('parse5');
  const document = parse(text, { sourceCodeLocationInfo: true }) as unknown as HtmlNode;
  const lower = text.toLowerCase();
  const body = firstElement(document, (element) => element.tagName === 'body');
  const bodyWritten = body !== undefined && WRAPPER_WRITTEN.body.test(lower) && located(body);
  if (body && !bodyWritten && (body.childNodes ?? []).some((node) => node.nodeName === '#text' && Boolean(node.value?.trim()))) {
    return 'output has text outside HTML elements';
  }
  const written = firstElement(document, (element) => {
    const tag = element.tagName.toLowerCase();
    if (tag in WRAPPER_WRITTEN) return WRAPPER_WRITTEN[tag].test(lower) && located(element);
    return HTML_ELEMENTS.has(tag) || tag.includes('-');
  });
  return written ? undefined : 'output has no recognised HTML element';
}

/**
 * `contains-html` as promptfoo decides: at least two points of evidence among an opening and a
 * closing tag (2 for both, 1 for either), a self-closing tag, an entity, a DOCTYPE (2), a comment,
 * an attribute, a common HTML tag name (2).
 */
function looksLikeHtml(text: string): boolean {
  if (text.length > MAX_HTML) return false;
  let points = 0;
  const opening = /<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?>/.test(text);
  const closing = /<\/[a-zA-Z][a-zA-Z0-9-]*\s*>/.test(text);
  points += opening && closing ? 2 : opening || closing ? 1 : 0;
  if (/<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^>]*)?\/>/.test(text)) points += 1;
  if (/&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);/.test(text)) points += 1;
  if (/<!DOCTYPE\s+html/i.test(text)) points += 2;
  if (/<!--[^-]*(?:-[^-]+)*-->/.test(text)) points += 1;
  if (/\s[a-zA-Z-]+=\s*["'][^"']*["']/.test(text)) points += 1;
  if (/<(html|head|body|div|span|p|a|img|h[1-6]|ul|ol|li|table|tr|td|th|form|input|button|script|style|link|meta|br|hr)\b/i.test(text)) points += 2;
  return points >= 2;
}

const isHtml: Grader = async (output) => {
  const problem = await htmlProblem(output);
  return problem ? verdict(false, problem) : verdict(true, 'output is HTML');
};

const containsHtml: Grader = async (output) =>
  looksLikeHtml(output) ? verdict(true, 'output contains HTML') : verdict(false, 'output contains no HTML');

export const markupDefinitions: readonly GraderDefinition[] = [
  { type: 'is-xml', value: 'optional', grade: isXml, check: (a) => void requiredElements(a) },
  { type: 'contains-xml', value: 'optional', grade: containsXmlGrader, check: (a) => void requiredElements(a) },
  { type: 'is-html', value: 'none', grade: isHtml },
  { type: 'contains-html', value: 'none', grade: containsHtml },
];
