import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRun } from '../../test/reporters/synthetic.js';
import type { CaseResult, RunHeader } from './types.js';
import { readRunFile } from './read.js';
import { openLineLog, readLines, writeRunFile } from './writer.js';

const { cases: synthetic, ...header } = makeRun({ cases: 2 }) as { cases: CaseResult[] } & RunHeader;
const result = (id: string): CaseResult => ({ ...synthetic[0], caseId: id });

describe('run writer', () => {
  it('streams cases into run.json and reads it back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-writer-'));
    await writeRunFile(dir, header, [result('a'), result('b')]);
    const { run } = await readRunFile(dir);
    expect(run.cases.map((c) => c.caseId)).toEqual(['a', 'b']);
    expect(run.runId).toBe(header.runId);
    await writeRunFile(dir, header, []);
    expect((await readRunFile(join(dir, 'run.json'))).run.cases).toEqual([]);
  });

  it('leaves an existing run.json intact when writing fails half-way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-writer-'));
    await writeRunFile(dir, header, [result('kept')]);
    const before = await readFile(join(dir, 'run.json'), 'utf8');
    async function* failing() {
      yield result('x');
      throw new Error('disk on fire');
    }
    await expect(writeRunFile(dir, header, failing())).rejects.toThrow('disk on fire');
    expect(await readFile(join(dir, 'run.json'), 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['run.json']); // no temp file left behind
  });

  it('skips a torn last line when reading a JSON-lines log', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-writer-'));
    const file = join(dir, 'calls.jsonl');
    const log = openLineLog<{ n: number }>(file, 'w');
    log.write({ n: 1 });
    log.write({ n: 2 });
    await log.close();
    await appendFile(file, '{"n": 3, "trunc');
    const seen: number[] = [];
    for await (const line of readLines<{ n: number }>(file)) seen.push(line.n);
    expect(seen).toEqual([1, 2]);
  });

  it('refuses files that are not promptgate runs, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-writer-'));
    await writeFile(join(dir, 'run.json'), '{"hello": 1}');
    await expect(readRunFile(dir)).rejects.toThrow('not a promptgate run.json');
  });

  it('refuses a run.json of the right format but the wrong shape (RUN_INVALID naming the file and the first problem)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-writer-'));
    const file = join(dir, 'run.json');
    const broken = (edit: (run: Record<string, any>) => void) => {
      const run = structuredClone(makeRun({ cases: 2 })) as unknown as Record<string, any>;
      edit(run);
      return writeFile(file, JSON.stringify(run));
    };
    await broken((run) => delete run.totals);
    await expect(readRunFile(dir)).rejects.toMatchObject({ code: 'RUN_INVALID', location: { file }, message: "not a valid promptgate run: / must have required property 'totals'" });
    await broken((run) => (run.summary = 'oops'));
    await expect(readRunFile(dir)).rejects.toMatchObject({ code: 'RUN_INVALID', message: 'not a valid promptgate run: /summary must be array' });
    await broken((run) => (run.cases[1] = null));
    await expect(readRunFile(dir)).rejects.toMatchObject({ code: 'RUN_INVALID', message: 'not a valid promptgate run: /cases/1 must be object' });
    await broken(() => undefined);
    await expect(readRunFile(dir)).resolves.toMatchObject({ file });
  });
});
