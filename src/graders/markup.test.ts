import { describe, expect, it } from 'vitest';
import { gradeAssertion } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';
import { validateAssertion } from './validate.js';

/**
 * promptfoo's verdicts (src/assertions/xml.ts, html.ts; checked against promptfoo 0.121.20 on the
 * same rows): [type, value, output, negated, pass]. Scores are 1 / 0.
 */
const NOTE = 'Here it is: <note><to>Ada</to><from>Bob</from></note> and that is all.';
const ROWS: Array<[string, unknown, string, boolean, boolean]> = [
  ['is-xml', undefined, '<root><a>1</a><b/></root>', false, true],
  ['is-xml', undefined, '<?xml version="1.0"?>\n<root><item id="1">x</item></root>', false, true],
  ['is-xml', undefined, '<root><a></root>', false, false],
  ['is-xml', undefined, '<root><a></root>', true, true],
  ['is-xml', undefined, NOTE, false, false],
  ['is-xml', undefined, '<a>1</a><b>2</b>', false, false],
  ['is-xml', undefined, '<ns:root><ns:a/></ns:root>', false, false],
  ['is-xml', undefined, '<!DOCTYPE note SYSTEM "note.dtd"><note><to>&name;</to></note>', false, true],
  ['is-xml', undefined, '<!DOCTYPE note [<!ENTITY x "y">]><note>&x;</note>', false, false],
  ['is-xml', 'root.a', '<root><a>1</a><b/></root>', false, true],
  ['is-xml', 'root.a, root.c', '<root><a>1</a><b/></root>', false, false],
  ['is-xml', ['root.item.1.@_id'], '<root><item id="1"/><item id="2"/></root>', false, true],
  ['is-xml', { requiredElements: ['root.b'] }, '<root><a>1</a><b/></root>', false, true],
  ['contains-xml', undefined, NOTE, false, true],
  ['contains-xml', 'note.to, note.from', NOTE, false, true],
  ['contains-xml', 'note.cc', NOTE, false, false],
  ['contains-xml', 'note.cc', NOTE, true, true],
  ['contains-xml', undefined, 'no markup here', false, false],
  ['contains-xml', 'd.e', '<a><b></c></a> <d><e>1</e></d>', false, true],
  ['contains-xml', 'a', 'text <a>1</a> text <b><c>2</c></b>', false, true],
  ['is-html', undefined, '<p>Hello</p>', false, true],
  ['is-html', undefined, '<div class="x">Hi <b>there</b></div>', false, true],
  ['is-html', undefined, 'Hello world', false, false],
  ['is-html', undefined, 'loose text <p>para</p>', false, false],
  ['is-html', undefined, '<?xml version="1.0"?><root/>', false, false],
  ['is-html', undefined, '<custom-element>x</custom-element>', false, true],
  ['is-html', undefined, '<foo>bar</foo>', false, false],
  ['is-html', undefined, '<foo>bar</foo>', true, true],
  ['is-html', undefined, '<body>loose text</body>', false, true],
  ['contains-html', undefined, 'Some text <b>bold</b> more', false, true],
  ['contains-html', undefined, 'a < b and c > d', false, false],
  ['contains-html', undefined, 'plain <tag> only', false, false],
  ['contains-html', undefined, 'Use &amp; and <br/>', false, true],
  ['contains-html', undefined, 'Hello world', true, true],
];

describe('markup graders (promptfoo verdicts)', () => {
  it.each(ROWS)('%s:%j on %j (not: %s) → %s', async (type, value, output, negate, pass) => {
    const graded = await gradeAssertion(output, makeAssertion(type, value, { negate }), makeContext());
    expect(graded.errored, graded.reason).toBeUndefined();
    expect({ pass: graded.pass, score: graded.score }).toEqual({ pass, score: pass ? 1 : 0 });
  });

  it('says what is missing', async () => {
    const graded = await gradeAssertion('<root><a>1</a></root>', makeAssertion('is-xml', 'root.a, root.c'), makeContext());
    expect(graded.reason).toBe('XML is missing required elements: root.c');
  });

  it('check refuses an object value without requiredElements', async () => {
    const error = await validateAssertion(makeAssertion('is-xml', { elements: ['a'] }), { graders: {}, rootDir: process.cwd(), hasJudge: false });
    expect(error?.message).toContain('is-xml needs a comma-separated list of element paths');
  });
});
