import { describe, expect, it } from 'vitest';
import { parseGraderSpec } from '../cases/grader-spec.js';
import { gradeAssertion } from './grade.js';
import { makeAssertion, makeContext } from './test-context.js';
import { validateAssertion } from './validate.js';

/**
 * promptfoo's verdicts (src/assertions/sql.ts; checked against promptfoo 0.121.20 on the same
 * rows): [type, value, output, negated, pass]. Scores are 1 / 0.
 */
const ROWS: Array<[string, unknown, string, boolean, boolean]> = [
  ['is-sql', undefined, 'SELECT id, name FROM users', false, true],
  ['is-sql', undefined, 'SELEC * FROM users', false, false],
  ['is-sql', undefined, 'SELEC * FROM users', true, true],
  ['is-sql', undefined, 'SELECT id name FROM users', false, false],
  ['is-sql', undefined, "SELECT 'a b' FROM users", false, true],
  ['is-sql', undefined, 'SELECT `id FROM users', false, false],
  ['is-sql', undefined, 'SELECT generate_series(1, 3)', false, false],
  ['is-sql', { databaseType: 'PostgreSQL' }, 'SELECT generate_series(1, 3)', false, true],
  ['is-sql', undefined, 'SELECT [id] FROM [users]', false, false],
  ['is-sql', { databaseType: 'TransactSQL' }, 'SELECT [id] FROM [users]', false, true],
  ['is-sql', undefined, '   ', false, false],
  ['is-sql', { allowedTables: ['select::null::users'] }, 'SELECT id FROM users', false, true],
  ['is-sql', { allowedTables: ['select::null::users'] }, 'DELETE FROM secrets', false, false],
  ['is-sql', { allowedTables: ['select::null::users'] }, 'DELETE FROM secrets', true, true],
  ['is-sql', { allowedColumns: ['select::users::id'] }, 'SELECT id FROM users', false, true],
  ['is-sql', { allowedColumns: ['select::users::id'] }, 'SELECT email FROM users', false, false],
  ['contains-sql', undefined, 'Here is the query:\n```sql\nSELECT id FROM users\n```\nDone.', false, true],
  ['contains-sql', undefined, 'Text\n```sql\nSELEC nope\n```\n```sql\nSELECT 1\n```', false, true],
  ['contains-sql', undefined, 'Text\n```python\nprint(1)\n```', false, false],
  ['contains-sql', undefined, 'SELECT id FROM users', false, true],
  ['contains-sql', undefined, 'Here is the query: SELECT id FROM users', true, true],
];

describe('SQL graders (promptfoo verdicts)', () => {
  it.each(ROWS)('%s:%j on %j (not: %s) → %s', async (type, value, output, negate, pass) => {
    const graded = await gradeAssertion(output, makeAssertion(type, value, { negate }), makeContext());
    expect(graded.errored, graded.reason).toBeUndefined();
    expect({ pass: graded.pass, score: graded.score }).toEqual({ pass, score: pass ? 1 : 0 });
  });

  it('reads the options from a cell as JSON or YAML, and refuses what node-sql-parser cannot take', async () => {
    const source = { file: 'evals/t.csv', line: 2 };
    expect(parseGraderSpec('is-sql:{"databaseType": "PostgreSQL"}', source).value).toEqual({ databaseType: 'PostgreSQL' });
    expect(parseGraderSpec('contains-sql:{databaseType: Sqlite, allowedTables: ["select::null::t"]}', source).value).toEqual({
      databaseType: 'Sqlite',
      allowedTables: ['select::null::t'],
    });
    expect(() => parseGraderSpec('is-sql:{"databaseType": "Oracle"}', source)).toThrow('databaseType "Oracle" is not one node-sql-parser knows');
    expect(() => parseGraderSpec('is-sql:PostgreSQL', source)).toThrow('is-sql takes an object');
    const ctx = { graders: {}, rootDir: process.cwd(), hasJudge: false };
    expect((await validateAssertion(makeAssertion('is-sql', { allowedTables: 'users' }), ctx))?.message).toContain('allowedTables must be an array of strings');
    expect(await validateAssertion(makeAssertion('is-sql', { databaseType: 'postgresql' }), ctx)).toBeUndefined();
  });
});
