import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRun } from '../../test/reporters/synthetic.js';
import { openStoredRun, readRunFile } from './read.js';
import type { CaseResult, RunHeader } from './types.js';
import { writeRunFile } from './writer.js';

const { cases: synthetic, ...header } = makeRun({ cases: 3 }) as { cases: CaseResult[] } & RunHeader;

async function collect(cases: AsyncIterable<CaseResult>): Promise<string[]> {
  const ids: string[] = [];
  for await (const c of cases) ids.push(c.caseId);
  return ids;
}

describe('stored run reader', () => {
  it('streams the cases of run.json as writeRunFile lays it out, and of a re-indented file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-read-'));
    await writeRunFile(dir, header, synthetic);
    const ids = synthetic.map((c) => c.caseId);
    const stored = await openStoredRun(dir, { check: true });
    expect(stored.header.runId).toBe(header.runId);
    expect(stored.header).not.toHaveProperty('cases');
    expect(await collect(stored.cases())).toEqual(ids);
    // The same run pretty-printed by hand: one case spans many lines, so the file is read whole.
    const file = join(dir, 'run.json');
    await writeFile(file, JSON.stringify(JSON.parse(await readFile(file, 'utf8')), null, 2));
    expect(await collect((await openStoredRun(file)).cases())).toEqual(ids);
    expect((await readRunFile(dir)).run.cases.map((c) => c.caseId)).toEqual(ids);
  });

  it('checks each streamed case against the schema, naming its index like a whole-file read does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-read-'));
    const broken = { ...synthetic[1] } as Partial<CaseResult>;
    delete broken.repeats;
    await writeRunFile(dir, header, [synthetic[0], JSON.stringify(broken), synthetic[2]]);
    const message = "not a valid promptgate run: /cases/1 must have required property 'repeats'";
    // Without `check` the header opens and the bad case fails when it is reached.
    const stored = await openStoredRun(dir);
    await expect(collect(stored.cases())).rejects.toThrow(message);
    await expect(openStoredRun(dir, { check: true })).rejects.toThrow(message);
    await expect(readRunFile(dir)).rejects.toThrow(message);
  });

  it('a missing run is FILE_MISSING; a run.json cut inside its cases is RUN_INVALID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-read-'));
    await expect(openStoredRun(join(dir, 'nope'))).rejects.toMatchObject({ code: 'FILE_MISSING' });
    await writeRunFile(dir, header, synthetic);
    const file = join(dir, 'run.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.lastIndexOf('\n    {')));
    await expect(openStoredRun(dir, { check: true })).rejects.toMatchObject({ code: 'RUN_INVALID', message: expect.stringContaining('ends inside its cases') });
  });
});
