import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { caseIdOf, MAX_LINE_BYTES } from './case-build.js';
import { SMALL_CSV_BYTES, readCsvCases } from './csv.js';
import { parseGraderSpec } from './grader-spec.js';
import type { Assertion, TestCase } from './types.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'promptgate-csv-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(name: string, content: string | Buffer): Promise<string> {
  const file = join(root, name);
  await writeFile(file, content);
  return file;
}

type Outcome = { cases: TestCase[] } | { error: unknown };

async function outcome(file: string, suiteAssert: Assertion[] | undefined, smallFileBytes: number): Promise<Outcome> {
  const cases: TestCase[] = [];
  try {
    for await (const testCase of readCsvCases(file, { rootDir: root, suiteAssert }, smallFileBytes)) cases.push(testCase);
    return { cases };
  } catch (error) {
    return { error };
  }
}

/** What an error says, to compare the two ways of reading a file. */
function said(result: Outcome) {
  if ('cases' in result) return result;
  const { error } = result;
  return error instanceof PromptgateError ? { code: error.code, line: error.format(), location: error.location } : { other: String(error) };
}

/**
 * The cases of a CSV file (or its error). A small file is read at once (readCsvCases'
 * smallFileBytes); it is also streamed, and both must give the same cases or the same error.
 */
async function read(name: string, content: string | Buffer, suiteAssert?: Assertion[]): Promise<TestCase[]> {
  const file = await write(name, content);
  const result = await outcome(file, suiteAssert, SMALL_CSV_BYTES);
  if (content.length <= SMALL_CSV_BYTES) expect(said(await outcome(file, suiteAssert, 0)), `${name} streamed`).toEqual(said(result));
  if ('error' in result) throw result.error;
  return result.cases;
}

async function readError(name: string, content: string | Buffer): Promise<PromptgateError> {
  try {
    await read(name, content);
  } catch (error) {
    if (error instanceof PromptgateError) return error;
    throw error;
  }
  throw new Error('expected a PromptgateError');
}

describe('readCsvCases', () => {
  it('reads variables and every reserved column', async () => {
    const csv = [
      'question,context,__id,__expected,__expected2,__description,__tags,__threshold,__metric,__prefix,__suffix,__metadata:owner,__config:__expected2:threshold',
      'What is 2+2?,math,q-1,contains:4,rubric:is correct,Adds,"math, easy",0.5,accuracy,PRE ,!,ana,0.9',
    ].join('\n');
    const [testCase] = await read('full.csv', csv);
    expect(testCase).toMatchObject({
      id: 'q-1',
      vars: { question: 'What is 2+2?', context: 'math' },
      description: 'Adds',
      tags: ['math', 'easy'],
      threshold: 0.5,
      prefix: 'PRE ',
      suffix: '!',
      metadata: { owner: 'ana' },
      source: { file: 'full.csv', line: 2 },
    });
    expect(testCase.assertions).toEqual([
      { type: 'contains', negate: false, value: '4', weight: 1, metric: 'accuracy', source: { file: 'full.csv', line: 2 }, spec: 'contains:4' },
      { type: 'rubric', negate: false, value: 'is correct', weight: 1, threshold: 0.9, metric: 'accuracy', source: { file: 'full.csv', line: 2 }, spec: 'rubric:is correct' },
    ]);
  });

  it('skips empty __expected cells; a plain cell is an exact match; suite assertions are appended', async () => {
    const suite = [parseGraderSpec('not-contains:sorry', { file: 'eval.config.ts' })];
    const cases = await read('plain.csv', 'q,__expected,__expected2\nhi,,Hello there\n', suite);
    expect(cases[0].assertions.map((a) => [a.type, a.value, a.negate])).toEqual([['equals', 'Hello there', false], ['contains', 'sorry', true]]);
  });

  it('default ids hash the variables, so inserting a row changes no ids', async () => {
    const before = await read('ids1.csv', 'q,__expected\na,x\nb,y\n');
    const after = await read('ids2.csv', 'q,__expected\nnew,z\na,x\nb,y\n');
    expect(before.map((c) => c.id)).toEqual([caseIdOf({ q: 'a' }), caseIdOf({ q: 'b' })]);
    expect(after.slice(1).map((c) => c.id)).toEqual(before.map((c) => c.id));
    expect(caseIdOf({ a: '1', b: '2' })).toBe(caseIdOf({ b: '2', a: '1' }));
    expect(caseIdOf({ q: 'a' })).toMatch(/^[0-9a-f]{12}$/);
  });

  it('accepts a BOM and CRLF line ends', async () => {
    const cases = await read('bom.csv', '\uFEFFq,__expected\r\none,contains:1\r\ntwo,contains:2\r\n');
    expect(cases.map((c) => [c.vars, c.source.line])).toEqual([[{ q: 'one' }, 2], [{ q: 'two' }, 3]]);
  });

  it('accepts old Mac CR-only line ends, and CR, LF and CRLF mixed in one file, with true line numbers', async () => {
    const crOnly = await read('mac.csv', 'q,__expected\rone,contains:1\r"two\rlines",contains:2\rthree,contains:3\r');
    expect(crOnly.map((c) => [c.vars.q, c.source.line])).toEqual([['one', 2], ['two\rlines', 3], ['three', 5]]);
    expect(crOnly[0].assertions[0].value).toBe('1');
    const mixed = await read('mixed.csv', 'q,__expected\r\none,contains:1\rtwo,contains:2\nthree,contains:3\r\n\rfour,contains:4');
    expect(mixed.map((c) => [c.vars.q, c.source.line])).toEqual([['one', 2], ['two', 3], ['three', 4], ['four', 6]]);
    // Errors on a CR-only file name the right line too.
    expect((await readError('mac-ragged.csv', 'q,__expected\rone,contains:1\rtwo,contains:2,extra\r')).format()).toContain('mac-ragged.csv:3: row has 3 fields');
    expect((await readError('mac-utf8.csv', Buffer.concat([Buffer.from('q\rok\rbad'), Buffer.from([0xff]), Buffer.from('\r')]))).format()).toContain('mac-utf8.csv:3: invalid UTF-8');
  });

  it('a CR that ends one read chunk and the LF that starts the next are one line end', async () => {
    // 64 KiB chunks: put a CRLF across the boundary.
    const head = 'q,__expected\n';
    const filler = `${'x'.repeat(65536 - head.length - 3)},a\r`;
    const cases = await read('boundary.csv', `${head}${filler}\nnext,b\rlast,c\n`);
    expect(cases.map((c) => c.source.line)).toEqual([2, 3, 4]);
  });

  it('quoted newlines: records after a multi-line record keep their true start line', async () => {
    const csv = 'q,notes\r\n"line one\r\nline two\r\nline three",a\r\nsecond,b\r\n\r\n"x\ny",c\nlast,d\n';
    const cases = await read('multi.csv', csv);
    expect(cases.map((c) => c.source.line)).toEqual([2, 5, 7, 9]);
    expect(cases[0].vars.q).toBe('line one\r\nline two\r\nline three');
    expect(cases[2].vars.q).toBe('x\ny');
  });

  it('keeps bare quotes inside unquoted fields (promptfoo files)', async () => {
    const [testCase] = await read('bare.csv', 'q\nHe said "hi" twice\n');
    expect(testCase.vars.q).toBe('He said "hi" twice');
  });

  it('a row with a different number of fields than the header is an error on its line', async () => {
    const error = await readError('ragged.csv', 'a,b\n1,2\n"multi\nline",2\n3\n');
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toBe('row has 1 field, the header has 2');
    expect(error.location).toEqual({ file: 'ragged.csv', line: 5 });
    expect((await readError('ragged2.csv', 'a,b\n1,2,3\n')).location?.line).toBe(2);
  });

  it('duplicate, empty and unknown reserved header names are errors on line 1', async () => {
    const duplicate = await readError('dup.csv', 'q, q\n1,2\n');
    expect(duplicate.message).toBe("duplicate column 'q' in the header");
    expect(duplicate.location).toEqual({ file: 'dup.csv', line: 1 });
    expect((await readError('empty.csv', 'q,,x\n1,2,3\n')).message).toBe('column 2 of the header has no name');
    const unknown = await readError('unknown.csv', 'q,__color\n1,2\n');
    expect(unknown.message).toBe("unknown reserved column '__color'");
    expect(unknown.location).toEqual({ file: 'unknown.csv', line: 1 });
    expect((await readError('meta.csv', 'q,__metadata:\n1,2\n')).message).toMatch(/needs a key/);
    expect((await readError('meta2.csv', 'q,__metadata\n1,2\n')).message).toMatch(/^'__metadata' needs a key: __metadata:<key>/);
    expect((await readError('cfg.csv', 'q,__expected,__config:__expected0:threshold\n1,2,3\n')).message).toMatch(/'__expected0' is not __expected or __expected<N> with N ≥ 1/);
    expect((await readError('cfg2.csv', 'q,__expected,__config:__expected:temperature\n1,2,3\n')).message).toMatch(/unsupported key 'temperature'/);
    expect((await readError('cfg3.csv', 'q,__expected,__config:__expected\n1,2,3\n')).message).toMatch(/unsupported column/);
    expect((await readError('cfg4.csv', 'q,__expected,__config:__expected:threshold\n1,contains:x,high\n')).message).toBe('__config:__expected:threshold "high" is not a number ≥ 0');
  });

  it('columns as promptfoo reads them: any __expected… column, __config by position, __metadata lists, __providerOutput', async () => {
    const csv = [
      '__expected_answer,__expected,__expected3,q,__config:__expected2:threshold,__config:__expected1:weight,__config:__expected3:metric,__metadata:topics[],__providerOutput',
      // The blank __expected cell is skipped: promptfoo's __config:__expected2 then names the second non-empty one.
      'contains:a,,starts-with:b,hi,0.4,2,style,"x, y\\, z",the given output',
      'contains:a,equals:e,,hi,,,,,',
    ].join('\n');
    const [first, second] = await read('pf.csv', csv);
    expect(first.assertions.map((a) => [a.type, a.weight, a.threshold ?? null, a.metric ?? null])).toEqual([
      ['contains', 2, null, null],
      // promptfoo's cell default (0.75) is overridden by the config column; __expected3 names a third grader the row lacks: ignored.
      ['starts-with', 1, 0.4, null],
    ]);
    expect(first.metadata).toEqual({ topics: ['x', 'y, z'] });
    expect(first.providerOutput).toBe('the given output');
    expect(first.vars).toEqual({ q: 'hi' });
    expect(second.assertions.map((a) => a.type)).toEqual(['contains', 'equals']);
    expect(second.providerOutput).toBeUndefined();
  });

  it('invalid UTF-8 names its line', async () => {
    const bytes = Buffer.concat([Buffer.from('q,__expected\nok,fine\n"two\nlines",x\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from(',y\n')]);
    const error = await readError('latin.csv', bytes);
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toBe('invalid UTF-8');
    expect(error.location).toEqual({ file: 'latin.csv', line: 5 });
    const truncated = await readError('truncated.csv', Buffer.concat([Buffer.from('q\nend'), Buffer.from([0xe2, 0x82])]));
    expect(truncated.location?.line).toBe(2);
  });

  it('multi-byte characters split across read chunks are fine', async () => {
    const big = '€'.repeat(50_000) + '😀'.repeat(20_000);
    const cases = await read('wide.csv', `q,n\n1,${big}\n2,x\n`);
    expect(cases.map((c) => [c.vars.q, c.source.line])).toEqual([['1', 2], ['2', 3]]);
    expect(cases[0].vars.n).toBe(big);
  });

  it('an unclosed quote names the line its record starts on', async () => {
    const error = await readError('open.csv', 'q,a\n1,2\n"never closed,3\n4,5\n6,7\n');
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toMatch(/^unclosed quote/);
    expect(error.location).toEqual({ file: 'open.csv', line: 3 });
  });

  it('refuses a record over 10 MB instead of buffering it', async () => {
    // The line is refused as it crosses 10 MB, before the parser walks it (a line that ends in the
    // read chunk where it crosses the limit reaches the parser, whose own limit refuses it: the
    // quoted-field case below).
    const error = await readError('huge.csv', `q\nsmall\n${'x'.repeat(MAX_LINE_BYTES + 100_000)}\n`);
    expect(error.code).toBe('CASE_INVALID');
    expect(error.message).toBe('record is larger than 10 MB');
    expect(error.location?.line).toBe(3);
  });

  it('a line over 10 MB inside a quoted field names the line its record starts on', async () => {
    const error = await readError('quoted-huge.csv', `q,a\n1,2\n"starts here\n${'x'.repeat(MAX_LINE_BYTES + 10)}\n",3\n`);
    expect(error.message).toBe('record is larger than 10 MB');
    expect(error.location?.line).toBe(3);
  });

  it('reads a long line under the limit whole (it is held back from the parser until it ends)', async () => {
    const long = 'y'.repeat(600_000);
    const cases = await read('long.csv', `q\n${long}\nz\r\n`);
    expect(cases.map((c) => c.vars.q)).toEqual([long, 'z']);
    expect(cases.map((c) => c.source.line)).toEqual([2, 3]);
  });

  it('a bad grader spec or __threshold names the row line', async () => {
    const grader = await readError('grader.csv', 'q,__expected\nok,contains:x\nbad,ruby:grade.rb\n');
    expect(grader.code).toBe('GRADER_INVALID');
    expect(grader.location).toEqual({ file: 'grader.csv', line: 3 });
    const threshold = await readError('threshold.csv', 'q,__threshold\na,1.5\n');
    expect(threshold.code).toBe('CASE_INVALID');
    expect(threshold.location).toEqual({ file: 'threshold.csv', line: 2 });
  });

  it('a missing file is FILE_MISSING; an empty or BOM-only file is an error; a header only gives no cases', async () => {
    const missing: PromptgateError = await (async () => {
      try {
        for await (const _ of readCsvCases(join(root, 'nope.csv'), { rootDir: root })) void _;
      } catch (error) {
        return error as PromptgateError;
      }
      throw new Error('expected an error');
    })();
    expect(missing.code).toBe('FILE_MISSING');
    for (const [name, content] of [['empty-file.csv', ''], ['bom-only.csv', Buffer.from([0xef, 0xbb, 0xbf])]] as const) {
      const empty = await readError(name, content);
      expect(empty.code).toBe('CASE_INVALID');
      expect(empty.location).toEqual({ file: name, line: 1 });
      expect(empty.message).toContain('empty case file');
    }
    expect(await read('header-only.csv', 'q,__expected\n')).toEqual([]);
  });

  it('stops reading when the consumer stops', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `row${i},x`).join('\n');
    const file = await write('many.csv', `q,__expected\n${rows}\n`);
    const seen: string[] = [];
    for await (const testCase of readCsvCases(file, { rootDir: root })) {
      seen.push(testCase.vars.q as string);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['row0', 'row1', 'row2']);
  });
});
