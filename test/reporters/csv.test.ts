import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createReporters } from '../../src/reporters/index.js';
import { CSV_HEADER, csvCell, renderCsv } from '../../src/reporters/csv.js';
import { makeCase, makeHeader } from './synthetic.js';

describe('csv export', () => {
  it('neutralises cells that a spreadsheet would run as a formula', () => {
    for (const attack of ['=1+1', '+1', '-2+3', '@SUM(A1)', '＝HYPERLINK("x")', '=HYPERLINK("http://evil.example","click")']) {
      const cell = csvCell(attack);
      const [[value]] = parse(cell, { relax_quotes: true }) as string[][];
      expect(value, attack).toBe(`'${attack}`);
    }
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell(0.5)).toBe('0.5');
    expect(csvCell(null)).toBe('');
  });

  it('quotes commas and quotes (RFC 4180); shows control characters as escapes, so a cell is one line', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines\r\n')).toBe('two\\nlines\\r\\n');
    // A tab or CR in front no longer starts the cell: a spreadsheet sees a backslash.
    expect(csvCell('\t=cmd')).toBe('\\t=cmd');
    expect(csvCell('\r=cmd')).toBe('\\r=cmd');
    expect(csvCell('\u001b]0;title\u0007 \u009b31m \u007f')).toBe('\\x1b]0;title\\x07 \\x9b31m \\x7f');
  });

  it('one row per case × model with status, change, score, shortened output and reason; parses back', async () => {
    const hostile = makeCase({ kind: 'fail', id: 'evil', candidateOutput: `=HYPERLINK("http://evil.example","x"),\n"quoted"${'z'.repeat(2000)}` }, 1);
    const errored = makeCase({ kind: 'error', id: 'err' }, 2);
    const passed = makeCase({ kind: 'pass', id: '-1' }, 3);
    const text = await renderCsv([hostile, errored, passed]);
    const rows = parse(text, { relax_quotes: true }) as string[][];
    expect(rows[0]).toEqual([...CSV_HEADER]);
    expect(rows).toHaveLength(4);
    const [header, evil, err, ok] = rows;
    const col = (name: (typeof CSV_HEADER)[number]) => header.indexOf(name);
    expect(evil[col('case id')]).toBe('evil');
    expect(evil[col('status')]).toBe('fail');
    expect(evil[col('output')].startsWith(`'=HYPERLINK(`)).toBe(true);
    expect(evil[col('output')].length).toBeLessThanOrEqual(501);
    expect(evil[col('reason')]).not.toBe('');
    expect(err[col('status')]).toBe('error');
    expect(err[col('score')]).toBe('');
    expect(err[col('reason')]).toContain('PROVIDER_TIMEOUT');
    expect(ok[col('case id')]).toBe("'-1");
    expect(ok[col('score')]).toBe('1.00');
    // No cell of the file starts a formula.
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('is the reporter named csv, writing results.csv into the run folder', async () => {
    const [reporter] = await createReporters(['csv'], { rootDir: process.cwd(), progress: false });
    expect(reporter.name).toBe('csv');
    const dir = await mkdtemp(join(tmpdir(), 'pg-csv-'));
    const cases = [makeCase({ kind: 'pass', id: 'a' }, 0), makeCase({ kind: 'regressed', id: 'b' }, 1)];
    const files = await reporter.onRunEnd!(makeHeader(cases, true), async function* () {
      yield* cases;
    }, dir);
    expect(files).toEqual([join(dir, 'results.csv')]);
    const rows = parse(await readFile(join(dir, 'results.csv'), 'utf8')) as string[][];
    expect(rows.map((r) => r[2])).toEqual(['case id', 'a', 'b']);
    expect(rows[2][4]).toBe('regressed');
  });
});
