import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CsvContext, convertCsv } from './csv-cases.js';
import { Findings } from './types.js';

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'promptgate-import-csv-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

function context(dir: string, overrides: Partial<CsvContext> = {}): CsvContext {
  return {
    findings: new Findings(),
    configDir: dir,
    caseDir: join(dir, 'evals'),
    outDir: dir,
    isJudge: () => false,
    referenced: new Set(),
    modelGraded: { used: false },
    file: 'cases.csv',
    promptVars: ['question'],
    defaults: { vars: {}, metadata: {}, disableVarExpansion: false },
    ids: new Set(),
    ...overrides,
  };
}

describe('CSV tests', () => {
  it('keeps the bytes of a file promptgate reads as promptfoo does', async () => {
    const text = '\uFEFFquestion,__expected,__description\r\n"What is 2+2?",contains:4,math\r\n';
    const dir = await project({ 'cases.csv': text });
    const ctx = context(dir);
    expect(await convertCsv(join(dir, 'cases.csv'), ctx)).toEqual(Buffer.from(text));
    expect(ctx.findings.problems).toEqual([]);
  });

  it('rewrites what promptgate reads differently and adds defaultTest columns', async () => {
    const dir = await project({
      'cases.csv': [
        'question,__expected,__expected2,__metadata,__note,__description',
        'Q1,rubric:shout,classifier:joy,x,n,exact match and a type promptgate cannot run',
        '"file://texts/q.txt",contains-json:file://schema.json,,,,variable and value from files',
        'Q1,contains:a,,,,same variables as the first row',
        '"Say {{tone}}\n",contains:b,,,,a reference and a trailing newline',
      ].join('\n'),
      'texts/q.txt': '  What is in the file?  \n',
      'schema.json': '{"type": "object", "required": ["a"]}',
    });
    const ctx = context(dir, { promptVars: ['question', 'tone'], defaults: { vars: { tone: 'calm' }, threshold: 0.5, prefix: '> ', metadata: {}, disableVarExpansion: false } });
    const out = String(await convertCsv(join(dir, 'cases.csv'), ctx));
    const lines = out.split('\n');
    expect(lines[0]).toBe('question,__expected,__expected2,__description,tone,__threshold,__prefix,__id');
    expect(lines[1]).toBe('Q1,equals:rubric:shout,,exact match and a type promptgate cannot run,calm,0.5,"> ",');
    expect(lines[2]).toBe('What is in the file?,"contains-json:{""type"":""object"",""required"":[""a""]}",,variable and value from files,calm,0.5,"> ",');
    expect(lines[3]).toMatch(/^Q1,contains:a,,same variables as the first row,calm,0\.5,"> ",[0-9a-f]{12}-2$/);
    expect(lines[4]).toBe('Say calm,contains:b,,a reference and a trailing newline,calm,0.5,"> ",');
    expect(ctx.findings.problems.map((p) => `${p.where.line}: ${p.message}`)).toEqual([
      "2: cell \"classifier:joy\" is not converted: grader type 'classifier' cannot run here: it calls a HuggingFace classifier through promptfoo's providers",
    ]);
    expect(ctx.findings.notes.map((n) => n.message.replace(/:.*/, ''))).toEqual(
      expect.arrayContaining(['rewritten (exact-match)', 'rewritten (metadata-without-key)', 'rewritten (dunder-variable)', 'rewritten (var-file)', 'rewritten (value-file)', 'rewritten (var-reference)', 'rewritten (var-newline)', 'rewritten (duplicate-case)']),
    );
  });
});
