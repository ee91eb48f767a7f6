import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  escapeMarkdownCell,
  escapeMarkdownInline,
  escapeXml,
  escapeXmlAttr,
  jsonForScript,
  shorten,
  stripIllegalChars,
} from '../../src/reporters/escape.js';

describe('stripIllegalChars', () => {
  it('drops C0 controls except tab and line breaks, noncharacters and lone surrogates', () => {
    expect(stripIllegalChars('a\u0000b\u0008c\u000Bd\u000Ce\u001Ff\tg\nh\ri\uFFFEj')).toBe('abcdef\tg\nh\rij');
    expect(stripIllegalChars('x\uD800y\uDC00z')).toBe('xyz');
  });
  it('keeps valid surrogate pairs (emoji)', () => {
    expect(stripIllegalChars('ok 😀 done')).toBe('ok 😀 done');
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
  it('neutralises a CDATA end and strips control characters', () => {
    expect(escapeXml(']]>\u0001')).toBe(']]&gt;');
  });
  it('encodes line breaks and tabs in attributes', () => {
    expect(escapeXmlAttr('a\nb\tc\r')).toBe('a&#10;b&#9;c&#13;');
  });
});

describe('escapeHtml', () => {
  it('escapes markup and quotes', () => {
    expect(escapeHtml(`"><svg onload=alert(3)>'`)).toBe('&quot;&gt;&lt;svg onload=alert(3)&gt;&#39;');
  });
});

describe('escapeMarkdownCell', () => {
  it('keeps a table row intact: pipes escaped, line breaks as <br>', () => {
    expect(escapeMarkdownCell('a | b\nc\r\nd')).toBe('a \\| b<br>c<br>d');
  });
  it('turns HTML and Markdown syntax into literal text', () => {
    const out = escapeMarkdownCell('<script>x</script> `code` [l](u) **b** ~~s~~ \\ & _em_');
    expect(out).not.toMatch(/[<>`*[\]~]/);
    expect(out).toContain('&lt;script&gt;');
    expect(out).toContain('&#96;code&#96;');
    expect(out).toContain('&#95;em&#95;');
    expect(out).toContain('&amp;');
  });
  it('leaves intraword underscores readable', () => {
    expect(escapeMarkdownCell('PROVIDER_TIMEOUT')).toBe('PROVIDER_TIMEOUT');
  });
  it('inline variant has no <br>', () => {
    expect(escapeMarkdownInline('a\n  b')).toBe('a b');
  });
  it('breaks mentions, issue references and bare links, and nothing else', () => {
    const z = '&#8203;';
    expect(escapeMarkdownCell('hi @octocat and @org/team')).toBe(`hi @${z}octocat and @${z}org/team`);
    expect(escapeMarkdownCell('@octocat')).toBe(`@${z}octocat`);
    expect(escapeMarkdownCell('fixes #1, owner/repo#23 and GH-4')).toBe(`fixes #${z}1, owner/repo#${z}23 and GH${z}-4`);
    expect(escapeMarkdownCell('see https://github.com/o/r/issues/1 or www.example.com')).toBe(`see https:${z}//github.com/o/r/issues/1 or www${z}.example.com`);
    // Not mentions on GitHub, left readable: an address, a prompt id@version, a heading-like #tag.
    expect(escapeMarkdownCell('ann@example.com support@1.1.0 #tag')).toBe('ann@example.com support@1.1.0 #tag');
    // The entities the escaper itself writes stay intact.
    expect(escapeMarkdownCell('*@x*')).toBe(`&#42;@${z}x&#42;`);
  });
});

describe('shorten', () => {
  it('keeps short text and cuts long text with an ellipsis', () => {
    expect(shorten('abc', 3)).toBe('abc');
    expect(shorten('abcdef', 4)).toBe('abc…');
    expect(Array.from(shorten('x'.repeat(500), 200))).toHaveLength(200);
  });
  it('never splits a surrogate pair', () => {
    const out = shorten('😀😀😀😀', 3);
    expect(out).toBe('😀😀…');
  });
});

describe('jsonForScript', () => {
  it('cannot close a script element and round-trips', () => {
    const value = { out: '</script><script>alert(1)</script><!-- & \u2028\u2029' };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});
