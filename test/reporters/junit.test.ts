import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { createJunitReporter, renderJunit } from '../../src/reporters/junit.js';
import type { RunFile } from '../../src/run-record/types.js';
import { HOSTILE, makeRun, streamOf } from './synthetic.js';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  htmlEntities: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['testsuite', 'testcase', 'property', 'failure', 'error'].includes(name),
});

interface Parsed {
  testsuites: {
    tests: string;
    failures: string;
    errors: string;
    skipped: string;
    time: string;
    testsuite: Array<{
      name: string;
      tests: string;
      failures: string;
      errors: string;
      skipped: string;
      time: string;
      properties: { property: Array<{ name: string; value: string }> };
      testcase?: Array<{
        name: string;
        classname: string;
        time: string;
        failure?: Array<{ message: string; type: string; '#text'?: string }>;
        error?: Array<{ message: string; type: string; '#text'?: string }>;
        'system-out'?: string;
      }>;
    }>;
  };
}

async function render(run: RunFile): Promise<{ xml: string; doc: Parsed }> {
  const xml = await renderJunit(run, streamOf(run.cases));
  expect(XMLValidator.validate(xml)).toBe(true);
  return { xml, doc: parser.parse(xml) as Parsed };
}

/** Checks fast-xml-parser does not make: the document is well-formed XML 1.0 at the character level. */
function expectStrictXml(xml: string): void {
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
  expect(xml).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  expect(xml).not.toContain(']]>');
  expect(xml).not.toMatch(/<(?!\?xml |\/?(?:testsuites|testsuite|testcase|properties|property|failure|error|system-out|system-err)[\s>/])/);
  expect(xml).not.toMatch(/&(?!(?:amp|lt|gt|quot|apos|#\d+);)/);
}

describe('renderJunit', () => {
  it('writes one testsuite per suite × model with consistent counts', async () => {
    const run = makeRun({ cases: 40, models: ['gpt-4o-mini', 'claude-haiku'] });
    const { xml, doc } = await render(run);
    expectStrictXml(xml);
    const suites = doc.testsuites.testsuite;
    expect(suites.map((s) => s.name)).toEqual(['support › gpt-4o-mini', 'support › claude-haiku']);
    let tests = 0;
    let failures = 0;
    let errors = 0;
    for (const suite of suites) {
      const model = suite.name.split(' › ')[1];
      const mine = run.cases.filter((c) => c.model === model);
      const cases = suite.testcase ?? [];
      expect(Number(suite.tests)).toBe(mine.length);
      expect(cases).toHaveLength(mine.length);
      expect(Number(suite.failures)).toBe(cases.filter((c) => c.failure).length);
      expect(Number(suite.errors)).toBe(cases.filter((c) => c.error).length);
      expect(Number(suite.failures)).toBe(mine.filter((c) => c.status === 'fail').length);
      expect(Number(suite.errors)).toBe(mine.filter((c) => c.status === 'error').length);
      expect(suite.skipped).toBe('0');
      expect(cases.every((c) => c.classname === `support.${model}`)).toBe(true);
      expect(Number(suite.time)).toBeCloseTo(mine.length * 0.4, 3);
      tests += Number(suite.tests);
      failures += Number(suite.failures);
      errors += Number(suite.errors);
    }
    expect(Number(doc.testsuites.tests)).toBe(tests);
    expect(Number(doc.testsuites.failures)).toBe(failures);
    expect(Number(doc.testsuites.errors)).toBe(errors);
    expect(doc.testsuites.skipped).toBe('0');
  });

  it('names cases by description else id, and records prompt and model properties', async () => {
    const run = makeRun({ cases: 6 });
    const { doc } = await render(run);
    const suite = doc.testsuites.testsuite[0];
    expect(suite.testcase?.[0].name).toBe('Refund question 0');
    expect(suite.testcase?.[1].name).toBe('case-00001');
    const props = Object.fromEntries(suite.properties.property.map((p) => [p.name, p.value]));
    expect(props).toMatchObject({
      'prompt.id': 'support',
      'prompt.version': '1.1.0',
      'prompt.hash': 'bbbbbbbbbbbb',
      'model.reported': 'gpt-4o-mini-2024-07-18',
    });
  });

  it('reports regressions as failures naming both versions, errors with code and message', async () => {
    const run = makeRun({ cases: 0, extra: [
      { kind: 'regressed', id: 'r1', reason: 'expected "thirty days"' },
      { kind: 'errored', id: 'e1' },
      { kind: 'unchanged-fail', id: 'f1' },
      { kind: 'improved', id: 'i1' },
    ] });
    const { doc } = await render(run);
    const cases = doc.testsuites.testsuite[0].testcase ?? [];
    const byName = Object.fromEntries(cases.map((c) => [c.name, c]));
    expect(byName.r1.failure?.[0].message).toBe('regressed: passed on baseline 1.0.0, fails on 1.1.0');
    expect(byName.r1.failure?.[0].type).toBe('regressed');
    expect(byName.r1.failure?.[0]['#text']).toContain('icontains:thirty days: expected "thirty days"');
    expect(byName.r1['system-out']).toContain('within two weeks');
    expect(byName.e1.error?.[0].type).toBe('PROVIDER_TIMEOUT');
    expect(byName.e1.error?.[0].message).toMatch(/^PROVIDER_TIMEOUT: request timed out/);
    expect(byName.f1.failure?.[0].message).toContain('also failed on baseline 1.0.0');
    expect(byName.i1.failure).toBeUndefined();
    expect(byName.i1.error).toBeUndefined();
  });

  it('escapes hostile text everywhere and strips characters XML cannot hold', async () => {
    const hostileName = `${HOSTILE.script}${HOSTILE.cdata}${HOSTILE.control}`;
    const run = makeRun({ cases: 0, extra: [{
      kind: 'regressed', description: hostileName, suite: `s${HOSTILE.svg}`, model: 'm&"\'',
      candidateOutput: `${HOSTILE.img}${HOSTILE.cdata}\u0000`, reason: `${HOSTILE.svg}\n${HOSTILE.control}`,
    }] });
    const { xml, doc } = await render(run);
    expectStrictXml(xml);
    expect(xml).not.toContain('<script');
    expect(xml).not.toContain('<img');
    const suite = doc.testsuites.testsuite[0];
    const strip = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/\uD800/g, '');
    expect(suite.name).toBe(`s${HOSTILE.svg} › m&"'`);
    const tc = suite.testcase?.[0];
    expect(tc?.name).toBe(strip(hostileName));
    expect(tc?.classname).toBe(`s${HOSTILE.svg}.m&"'`);
    expect(tc?.failure?.[0]['#text']).toContain(strip(`${HOSTILE.svg}\n${HOSTILE.control}`));
    expect(tc?.['system-out']).toBe(`${HOSTILE.img}${HOSTILE.cdata}`);
  });

  it('writes junit.xml through the reporter', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pg-junit-'));
    afterAll(() => rm(dir, { recursive: true, force: true }));
    const run = makeRun({ cases: 5 });
    const { cases, ...header } = run;
    const files = await createJunitReporter().onRunEnd?.(header, () => streamOf(cases), dir);
    expect(files).toEqual([join(dir, 'junit.xml')]);
    const xml = await readFile(join(dir, 'junit.xml'), 'utf8');
    expect((parser.parse(xml) as Parsed).testsuites.tests).toBe('5');
  });
});
