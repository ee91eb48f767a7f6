import { StringDecoder } from 'node:string_decoder';

/**
 * What promptgate writes to stdout and stderr is read by people and, in CI, by the GitHub Actions
 * runner, which takes a line whose first non-blank characters are `::` (and `##[` anywhere in a
 * line) as a workflow command (`::set-output`, `::add-mask::`, `::stop-commands::`, …), on both
 * streams, a "line" ending at CR or LF. Model outputs and case data end up in that text, so:
 *
 * - `escapeControlChars` renders control characters of untrusted text visibly (`\n`, `\x1b`);
 * - `guardOutput(stream)` (installed on process.stdout and process.stderr by the CLI entry) makes
 *   every write inert: a zero-width space goes before the `:` that starts a line and before the
 *   `[` of `##[`, so the runner sees no command while the text reads the same; off a terminal it
 *   also escapes control characters other than LF, tab, CRLF and SGR colour codes;
 * - `writeWorkflowCommand(stream, line)` is the one way around the guard, for promptgate's own
 *   annotations.
 */

const ZWSP = '\u200B';

// C0 controls, DEL and the C1 controls (U+0080–U+009F: U+009B is a CSI on some terminals).
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g;
const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Untrusted text made printable: every control character, tab and line breaks included, as a visible escape. */
export function escapeControlChars(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * JSON text that passes the guard unchanged and parses to the same value: the controls JSON.stringify
 * leaves raw (DEL, C1) become `\u00XX`, and `##[` becomes `#\u0023[` (`#` only occurs inside strings).
 */
export function guardedJson(json: string): string {
  return json.replace(/[\u007F-\u009F]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`).replace(/##\[/g, '#\\u0023[');
}

// What .NET's Char.IsWhiteSpace (the runner's TrimStart) skips before looking for `::`.
const BLANK = /[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/;
const SGR = /\u001B\[[0-9;]*m/y;

/** Where the stream stands: the current line is blank so far; how many `#` end it. */
export interface GuardState {
  blank: boolean;
  hashes: number;
}

export function freshGuardState(): GuardState {
  return { blank: true, hashes: 0 };
}

/**
 * One chunk of output made inert (see the module comment), continuing from `state` (updated), so a
 * command split across writes is caught too. `escapeControls`: also escape control characters.
 */
export function guardText(text: string, state: GuardState, escapeControls: boolean): string {
  let out = '';
  let from = 0;
  const put = (index: number, replacement: string, skip = 1) => {
    out += text.slice(from, index) + replacement;
    from = index + skip;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const code = c.charCodeAt(0);
    if (c === '\n' || (c === '\r' && (!escapeControls || text[i + 1] === '\n'))) {
      state.blank = true;
      state.hashes = 0;
      continue;
    }
    if (escapeControls && (code < 0x20 || (code >= 0x7f && code <= 0x9f)) && c !== '\t') {
      SGR.lastIndex = i;
      if (c === '\u001B' && SGR.test(text)) {
        i = SGR.lastIndex - 1;
        continue;
      }
      put(i, escapeControlChars(c));
      state.blank = false;
      state.hashes = 0;
      continue;
    }
    if (c === ':' && state.blank) put(i, ZWSP + c);
    else if (c === '[' && state.hashes >= 2) put(i, ZWSP + c);
    state.hashes = c === '#' ? state.hashes + 1 : 0;
    if (!BLANK.test(c)) state.blank = false;
  }
  return from === 0 ? text : out + text.slice(from);
}

type WriteFn = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

interface Guarded {
  raw: WriteFn;
  state: GuardState;
}

const guarded = new WeakMap<object, Guarded>();

/**
 * Routes every later `stream.write` through guardText (idempotent: a second call does nothing).
 * Control characters are escaped only when the stream is not a terminal: on a terminal the
 * progress bar needs its cursor codes, and untrusted text is escaped where it is printed.
 */
export function guardOutput(stream: NodeJS.WriteStream): void {
  if (guarded.has(stream)) return;
  const raw = stream.write as WriteFn;
  const state = freshGuardState();
  const decoder = new StringDecoder('utf8');
  const escapeControls = !stream.isTTY;
  guarded.set(stream, { raw, state });
  const write: WriteFn = function (this: unknown, chunk, encoding, callback) {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    let text: string;
    if (typeof chunk === 'string') text = typeof encoding === 'string' && !/^utf-?8$/i.test(encoding) ? decoder.write(Buffer.from(chunk, encoding as BufferEncoding)) : chunk;
    else if (chunk instanceof Uint8Array) text = decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    else text = String(chunk);
    return raw.call(stream, guardText(text, state, escapeControls), 'utf8', callback);
  };
  stream.write = write as typeof stream.write;
}

/**
 * Writes one workflow command line (`::error file=…::message`) past the guard. The line must be
 * one line: its data escaped as the Actions toolkit does (see workflows/github.ts).
 */
export function writeWorkflowCommand(stream: NodeJS.WritableStream, line: string): void {
  if (/[\r\n]/.test(line)) throw new Error('a workflow command must be one line');
  const entry = guarded.get(stream);
  if (!entry) {
    stream.write(`${line}\n`);
    return;
  }
  entry.raw.call(stream, `${line}\n`);
  entry.state.blank = true;
  entry.state.hashes = 0;
}
