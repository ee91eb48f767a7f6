import { createRequire } from 'node:module';
import type { Assertion } from '../cases/types.js';
import type { Grader } from './types.js';
import type { CheckProblem, GraderDefinition, ParseInput } from './definition.js';
import { loadYaml } from '../prompts/lazy.js';
import { GraderError } from './grader-error.js';
import { isTemplate, verdict } from './values.js';

/**
 * `is-sql` / `contains-sql` with promptfoo's semantics: node-sql-parser parses the output in the
 * value's `databaseType` (default MySQL), after promptfoo's extra checks (empty text, an odd number
 * of backticks, `SELECT a b FROM` read as a missing comma, `generate_series(` in MySQL); the tables
 * and columns it uses must be in `allowedTables` / `allowedColumns` (node-sql-parser's whitelist
 * form, `select::null::users`, `select::users::id`) when given.
 */

/** node-sql-parser's dialects; each is loaded alone (its build file), as `database` names them in any case. */
const DIALECTS = ['athena', 'bigquery', 'db2', 'flinksql', 'hive', 'mariadb', 'mysql', 'noql', 'postgresql', 'redshift', 'snowflake', 'sqlite', 'transactsql', 'trino'];

interface SqlOptions {
  databaseType: string;
  allowedTables?: string[];
  allowedColumns?: string[];
}

interface SqlParser {
  astify(sql: string, options: { database: string }): unknown;
  whiteListCheck(sql: string, whiteList: string[], options: { database: string; type: 'table' | 'column' }): unknown;
  parse(sql: string, options: { database: string; type?: 'table' | 'column' }): { tableList?: string[]; columnList?: string[] };
}

const parsers = new Map<string, SqlParser>();

/** The parser of one dialect from the optional node-sql-parser package; GraderError when it is not installed. */
function parserFor(databaseType: string): SqlParser {
  const dialect = databaseType.toLowerCase();
  let parser = parsers.get(dialect);
  if (!parser) {
    let module: { Parser?: new () => SqlParser };
    try {
      // A computed path, required at run time: the bundle does not carry the parser (a large optional package).
      module = createRequire(import.meta.url)(`node-sql-parser/build/${dialect}.js`) as { Parser?: new () => SqlParser };
    } catch {
      throw new GraderError('is-sql and contains-sql need the optional package node-sql-parser, which is not installed');
    }
    if (!module.Parser) throw new GraderError(`node-sql-parser has no parser for ${databaseType}`);
    parser = new module.Parser();
    parsers.set(dialect, parser);
  }
  return parser;
}

/** The options of an assertion's value: an object (JSONL, config), or its JSON/YAML text in a cell. */
function sqlOptions(value: unknown, fail: (message: string) => Error): SqlOptions {
  if (value === undefined || value === null || value === '') return { databaseType: 'MySQL' };
  let object: unknown = value;
  if (typeof value === 'string') {
    try {
      object = loadYaml().parse(value, { logLevel: 'error' });
    } catch {
      object = undefined;
    }
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw fail('is-sql takes an object {databaseType?, allowedTables?, allowedColumns?} (JSON or YAML in a cell)');
  }
  const { databaseType, allowedTables, allowedColumns, ...rest } = object as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw fail(`unknown key '${extra[0]}' (allowed: databaseType, allowedTables, allowedColumns)`);
  const type = databaseType === undefined || databaseType === null || databaseType === '' ? 'MySQL' : databaseType;
  if (typeof type !== 'string' || !DIALECTS.includes(type.toLowerCase())) {
    throw fail(`databaseType ${JSON.stringify(type)} is not one node-sql-parser knows (${DIALECTS.join(', ')})`);
  }
  const list = (name: string, items: unknown): string[] | undefined => {
    if (items === undefined || items === null) return undefined;
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) throw fail(`${name} must be an array of strings such as "select::null::users"`);
    return items;
  };
  const options: SqlOptions = { databaseType: type };
  const tables = list('allowedTables', allowedTables);
  const columns = list('allowedColumns', allowedColumns);
  if (tables) options.allowedTables = tables;
  if (columns) options.allowedColumns = columns;
  return options;
}

const graderFail = (message: string) => new GraderError(message);

// ---------------------------------------------------------------- promptfoo's extra checks

const IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';

/** `SELECT a b FROM`: two bare names between SELECT (and its modifiers) and FROM, read as a missing comma. */
function missingCommaPattern(modifiers: string): RegExp {
  return new RegExp(String.raw`\bselect\s+(?:${modifiers}\s+)*(?!${modifiers}\b)${IDENTIFIER}\s+${IDENTIFIER}\s+from\b`, 'i');
}

const STANDARD_MISSING_COMMA = missingCommaPattern('(?:all|distinct)');
const MYSQL_MISSING_COMMA = missingCommaPattern(
  '(?:all|distinct(?:row)?|high_priority|straight_join|sql_(?:big_result|buffer_result|cache|calc_found_rows|no_cache|small_result))',
);

/** The end of a quoted text opened at `start` (backslash escapes except in `[…]`, a doubled quote stays inside). */
function quotedEnd(sql: string, start: number, quote: string): number {
  const closing = quote === '[' ? ']' : quote;
  let at = start + 1;
  while (at < sql.length) {
    if (closing !== ']' && sql[at] === '\\') {
      at += 2;
      continue;
    }
    if (sql[at] === closing) {
      if (sql[at + 1] === closing) {
        at += 2;
        continue;
      }
      return at + 1;
    }
    at++;
  }
  return sql.length;
}

/** The SQL with strings and quoted names as ` ? ` and comments as a space, for the missing-comma check. */
function withoutQuotedText(sql: string, databaseType: string): string {
  const brackets = databaseType === 'TransactSQL' || databaseType === 'Sqlite';
  const parts: string[] = [];
  let plain = 0;
  let at = 0;
  while (at < sql.length) {
    const char = sql[at];
    let end: number | undefined;
    let replacement = ' ';
    if (char === "'" || char === '"' || char === '`' || (char === '[' && brackets)) {
      end = quotedEnd(sql, at, char);
      replacement = ' ? ';
    } else if ((char === '-' && sql[at + 1] === '-') || char === '#') {
      end = at + 1;
      while (end < sql.length && sql[end] !== '\r' && sql[end] !== '\n') end++;
    } else if (char === '/' && sql[at + 1] === '*') {
      const close = sql.indexOf('*/', at + 2);
      end = close === -1 ? sql.length : close + 2;
    } else if (char === '$') {
      const delimiter = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(at))?.[0];
      if (delimiter) {
        const close = sql.indexOf(delimiter, at + delimiter.length);
        end = close === -1 ? sql.length : close + delimiter.length;
        replacement = ' ? ';
      }
    }
    if (end === undefined) {
      at++;
      continue;
    }
    parts.push(sql.slice(plain, at), replacement);
    at = end;
    plain = at;
  }
  parts.push(sql.slice(plain));
  return parts.join('');
}

/** Why promptfoo's `is-sql` fails the SQL, or undefined when it passes. */
function sqlProblem(sql: string, options: SqlOptions): string | undefined {
  const { databaseType } = options;
  const syntax = `not valid ${databaseType} SQL`;
  const trimmed = sql.trim();
  if (trimmed.length === 0) return `${syntax}: empty`;
  if ((trimmed.match(/`/g)?.length ?? 0) % 2 !== 0) return `${syntax}: an odd number of backticks`;
  const missingComma = databaseType === 'MySQL' || databaseType === 'MariaDB' ? MYSQL_MISSING_COMMA : STANDARD_MISSING_COMMA;
  if (missingComma.test(withoutQuotedText(trimmed, databaseType))) return `${syntax}: two names between SELECT and FROM (a missing comma?)`;
  if (databaseType === 'MySQL' && /\bgenerate_series\s*\(/i.test(trimmed)) return `${syntax}: generate_series() is not MySQL`;
  const parser = parserFor(databaseType);
  const database = { database: databaseType };
  try {
    parser.astify(sql, database);
  } catch (error) {
    return `${syntax}: ${firstLine(error)}`;
  }
  if (options.allowedTables) {
    try {
      parser.whiteListCheck(sql, options.allowedTables, { ...database, type: 'table' });
    } catch (error) {
      const used = listed(() => parser.parse(sql, { ...database, type: 'table' }).tableList);
      return used.length > 0 ? `SQL uses tables outside allowedTables: [${used.join(', ')}]` : `SQL table check failed: ${firstLine(error)}`;
    }
  }
  if (options.allowedColumns) {
    // node-sql-parser names a column without a table `select::null::id`: `select::users::id` allows that too.
    const allowed = [...options.allowedColumns];
    for (const item of options.allowedColumns) {
      const parts = item.split('::');
      const bare = `${parts[0]}::null::${parts[2]}`;
      if (parts.length === 3 && parts[1] !== 'null' && !allowed.includes(bare)) allowed.push(bare);
    }
    try {
      parser.whiteListCheck(sql, allowed, { ...database, type: 'column' });
    } catch (error) {
      const used = listed(() => parser.parse(sql, { ...database, type: 'column' }).columnList);
      return used.length > 0 ? `SQL uses columns outside allowedColumns: [${used.join(', ')}]` : `SQL column check failed: ${firstLine(error)}`;
    }
  }
  return undefined;
}

function listed(read: () => string[] | undefined): string[] {
  try {
    return read() ?? [];
  } catch {
    return [];
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** The bodies of the fenced blocks tagged `sql` or untagged (``` or ~~~, closed by a fence at least as long). */
function sqlBlocks(output: string): string[] {
  const blocks: string[] = [];
  let open: { char: string; length: number; sql: boolean; body: string[] } | undefined;
  for (const line of output.split(/\r\n?|\n/)) {
    if (!open) {
      const fence = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\r\n]*)$/.exec(line);
      if (fence) {
        const language = fence[2].trim().toLowerCase();
        open = { char: fence[1][0], length: fence[1].length, sql: language === '' || language === 'sql', body: [] };
      }
      continue;
    }
    const close = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1];
    if (close?.[0] === open.char && close.length >= open.length) {
      if (open.sql) blocks.push(open.body.join('\n').trim());
      open = undefined;
    } else open.body.push(line);
  }
  return blocks;
}

const isSql: Grader = async (output, assertion) => {
  const options = sqlOptions(assertion.value, graderFail);
  const problem = sqlProblem(output, options);
  return problem ? verdict(false, problem) : verdict(true, `output is valid ${options.databaseType} SQL`);
};

/** `contains-sql`: one of the output's ```sql (or untagged) blocks is valid SQL; with no block, the whole output. */
const containsSql: Grader = async (output, assertion) => {
  const options = sqlOptions(assertion.value, graderFail);
  const blocks = sqlBlocks(output);
  let why = 'output contains no SQL';
  for (const candidate of blocks.length > 0 ? blocks : [output]) {
    if (candidate.trim().length === 0) continue;
    const problem = sqlProblem(candidate, options);
    if (!problem) return verdict(true, `output contains valid ${options.databaseType} SQL`);
    why = problem;
  }
  return verdict(false, why);
};

function parseOptions({ value, fail }: ParseInput): { value?: unknown } {
  if (value === undefined) return {};
  return { value: isTemplate(value) ? value : sqlOptions(value, fail) };
}

function checkSql(assertion: Assertion): CheckProblem | undefined {
  parserFor(isTemplate(assertion.value) ? 'MySQL' : sqlOptions(assertion.value, graderFail).databaseType);
  return undefined;
}

export const sqlDefinitions: readonly GraderDefinition[] = [
  { type: 'is-sql', value: 'optional', grade: isSql, parse: parseOptions, check: checkSql },
  { type: 'contains-sql', value: 'optional', grade: containsSql, parse: parseOptions, check: checkSql },
];
