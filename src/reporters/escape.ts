/**
 * Escapers shared by the file reporters. Model outputs and case data are untrusted: every piece of
 * such text goes through one of these before it lands in XML, HTML, Markdown or an inline script.
 * `shorten` (util/text.ts) cuts text to a length; tools/format.ts uses the same one.
 */
export { shorten } from '../util/text.js';

// C0 controls other than tab, LF and CR, plus the two noncharacters XML 1.0 forbids.
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes characters that XML 1.0 (and so HTML parsers and most viewers) cannot carry. */
export function stripIllegalChars(text: string): string {
  return text.replace(XML_ILLEGAL, '').replace(LONE_SURROGATE, '');
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for an XML element body or attribute value; illegal characters are dropped. */
export function escapeXml(text: string): string {
  return stripIllegalChars(text).replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

/**
 * Escapes text for an XML attribute value. Like {@link escapeXml}, and also encodes tab and line
 * breaks as character references, which attribute-value normalisation would otherwise turn into spaces.
 */
export function escapeXmlAttr(text: string): string {
  return escapeXml(text).replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return stripIllegalChars(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

// Characters that start Markdown inline syntax (emphasis, links, images, code, strikethrough,
// escapes, raw HTML). As numeric references they render literally and start nothing. An underscore
// inside a word (`PROVIDER_TIMEOUT`) cannot start emphasis in GFM, so it stays readable.
const MARKDOWN_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '`': '&#96;',
  '\\': '&#92;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '~': '&#126;',
};

/**
 * Escapes text for one GitHub-flavoured Markdown table cell: HTML and Markdown syntax render
 * literally, `|` becomes `\|`, line breaks become `<br>` so the row stays on one line, and GitHub's
 * autolinks are broken (see {@link breakAutolinks}).
 */
export function escapeMarkdownCell(text: string): string {
  return breakAutolinks(
    stripIllegalChars(text)
      .replace(/[&<>`\\*[\]~]|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, (c) => MARKDOWN_ENTITIES[c])
      .replace(/\|/g, '\\|')
      .replace(/\r\n|\r|\n/g, '<br>'),
  );
}

const ZWSP = '&#8203;';

/**
 * Breaks what GitHub turns into a live reference when it renders Markdown (a step summary, or
 * summary.md pasted into a comment): `@user` and `@org/team` mentions (they notify; `id@1.0.0`
 * is no mention and stays as it is), `#123`,
 * `owner/repo#123` and `GH-123` references (they cross-link), and bare `http://` / `www.` links.
 * A zero-width space goes after the trigger, so the text reads the same and links nothing.
 * Input is already-escaped Markdown (entities such as `&#42;` hold no digit after a bare `#`).
 */
export function breakAutolinks(markdown: string): string {
  return markdown
    .replace(/(?<![\p{L}\p{N}_])@(?=[\p{L}\p{N}_-])/gu, `@${ZWSP}`)
    .replace(/(?<!&)#(?=\d)/g, `#${ZWSP}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1${ZWSP}-`)
    .replace(/:\/\//g, `:${ZWSP}//`)
    .replace(/\b(www)\./gi, `$1${ZWSP}.`);
}

/** Escapes text for inline Markdown outside tables (headings, list items): as a cell, but a line break is a space. */
export function escapeMarkdownInline(text: string): string {
  return escapeMarkdownCell(text.replace(/\s*(?:\r\n|\r|\n)\s*/g, ' '));
}

/**
 * Serialises a value as JSON that is safe inside an HTML `<script>` element: `<`, `>`, `&` and the
 * JavaScript line terminators U+2028/U+2029 become `\uXXXX` escapes, so no data can close the element.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
