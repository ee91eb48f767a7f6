import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { escapeControlChars, freshGuardState, guardedJson, guardOutput, guardText, writeWorkflowCommand } from './output-guard.js';

const ZWSP = '\u200B';

/** What the Actions runner would take as a workflow command: a line (CR or LF ends one) starting `::` after blanks, or holding `##[`. */
function commandLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((line) => line.trimStart().startsWith('::') || line.includes('##['));
}

function guard(chunks: string[], escapeControls = true): string {
  const state = freshGuardState();
  return chunks.map((chunk) => guardText(chunk, state, escapeControls)).join('');
}

describe('escapeControlChars', () => {
  it('shows every C0 and C1 control, DEL, tab and line break as a visible escape', () => {
    expect(escapeControlChars('a\tb\nc\rd\u0000e\u001b]0;t\u0007f\u007fg\u0085h\u009b31m')).toBe('a\\tb\\nc\\rd\\x00e\\x1b]0;t\\x07f\\x7fg\\x85h\\x9b31m');
    expect(escapeControlChars('plain — ünïcode 😀')).toBe('plain — ünïcode 😀');
  });
});

describe('guardText', () => {
  it('makes line-leading `::` and `##[` anywhere inert, and reads the same', () => {
    const text = '::set-output name=x::y\n  ::error::pwned\nok ##[add-mask]secret\n\u3000::warning::w\n';
    const out = guard([text]);
    expect(commandLines(out)).toEqual([]);
    expect(out.replaceAll(ZWSP, '')).toBe(text);
  });

  it('catches a command split across writes, or started after a lone CR', () => {
    expect(commandLines(guard(['x\n', ' ', ':', ':error::a\n', '#', '#', '[group]b\n']))).toEqual([]);
    expect(commandLines(guard(['progress\r::error::x'], false))).toEqual([]);
  });

  it('leaves ordinary text alone', () => {
    const text = 'Gate: PASS — a::b, key: value, #1 ##x [y]\n';
    expect(guard([text])).toBe(text);
  });

  it('off a terminal, escapes control characters but LF, tab, CRLF and SGR colours', () => {
    expect(guard(['\u001b[31mred\u001b[39m\ta\r\nb\rc\u001b]0;title\u0007\u009b31m\u0085'])).toBe('\u001b[31mred\u001b[39m\ta\r\nb\\rc\\x1b]0;title\\x07\\x9b31m\\x85');
    // A CR that would start a runner line is escaped, so `::` after it is mid-line (and harmless).
    expect(commandLines(guard(['a\r::error::x\n']))).toEqual([]);
    // On a terminal the progress bar's cursor codes pass.
    expect(guard(['\r\u001b[2K50%'], false)).toBe('\r\u001b[2K50%');
  });
});

describe('guardedJson', () => {
  it('passes the guard unchanged and parses to the same value', () => {
    const value = { a: '##[add-mask]x', b: '\u0085\u009b\u007f', c: '::error::y\n' };
    const json = guardedJson(JSON.stringify(value, null, 2));
    expect(JSON.parse(json)).toEqual(value);
    expect(guard([json])).toBe(json);
  });
});

describe('guardOutput and writeWorkflowCommand', () => {
  it('guards every write; only writeWorkflowCommand writes a command line', () => {
    let text = '';
    const stream = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }) as unknown as NodeJS.WriteStream;
    guardOutput(stream);
    guardOutput(stream); // idempotent
    stream.write('::error::from a model\n');
    stream.write(Buffer.from('##[add-mask]secret\n'));
    writeWorkflowCommand(stream, '::error file=prompts/p.prompt,line=1::regressed');
    stream.write('after\n');
    expect(commandLines(text)).toEqual(['::error file=prompts/p.prompt,line=1::regressed']);
    expect(text.replaceAll(ZWSP, '')).toBe('::error::from a model\n##[add-mask]secret\n::error file=prompts/p.prompt,line=1::regressed\nafter\n');
    expect(() => writeWorkflowCommand(stream, '::error::a\n::error::b')).toThrow(/one line/);
  });
});
