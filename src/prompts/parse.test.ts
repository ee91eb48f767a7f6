import { describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { sha256 } from '../util/hash.js';
import { normalizeSource, parsePromptSource } from './parse.js';

function parseError(source: string, path = 'prompts/greet.prompt'): PromptgateError {
  try {
    parsePromptSource(source, path);
  } catch (error) {
    if (error instanceof PromptgateError) return error;
    throw error;
  }
  throw new Error('expected a PromptgateError');
}

const basic = ['---', 'version: 1.2.0', 'model: fast', 'config:', '  temperature: 0', '  max_tokens: 200', '---', 'Hello {{name}}!', ''].join('\n');

describe('parsePromptSource: front matter', () => {
  it('reads id, version, model, config, template and hash', () => {
    const prompt = parsePromptSource(basic, 'prompts/greet.prompt');
    expect(prompt).toMatchObject({
      id: 'greet',
      path: 'prompts/greet.prompt',
      version: '1.2.0',
      model: 'fast',
      config: { temperature: 0, max_tokens: 200 },
      template: 'Hello {{name}}!\n',
      variables: ['name'],
      source: basic,
    });
    expect(prompt.hash).toBe(sha256(basic).slice(0, 12));
    expect(prompt.outputFormat).toBeUndefined();
    expect(prompt.inputSchema).toBeUndefined();
  });

  it('reads input.schema, output.format and output.schema (JSON Schema kept as is)', () => {
    const source = [
      '---',
      'version: 0.1.0',
      'input:',
      '  schema: { type: object, properties: { q: { type: string } } }',
      'output:',
      '  format: json',
      '  schema:',
      '    type: object',
      '    required: [answer]',
      '---',
      '{{q}}',
    ].join('\n');
    const prompt = parsePromptSource(source, 'prompts/qa.prompt');
    expect(prompt.inputSchema).toEqual({ type: 'object', properties: { q: { type: 'string' } } });
    expect(prompt.outputFormat).toBe('json');
    expect(prompt.outputSchema).toEqual({ type: 'object', required: ['answer'] });
  });

  it('converts a Picoschema output schema to JSON Schema', () => {
    const source = ['---', 'version: 1.0.0', 'output:', '  schema:', '    answer: string, the reply', '    score?: number', '    tags(array): string', '---', 'x'].join('\n');
    expect(parsePromptSource(source, 'p/x.prompt').outputSchema).toEqual({
      type: 'object',
      properties: {
        answer: { type: 'string', description: 'the reply' },
        score: { type: ['number', 'null'] },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['answer', 'tags'],
      additionalProperties: false,
    });
  });

  it('hashes the normalised text: CRLF, LF and a BOM give the same hash and source', () => {
    const lf = parsePromptSource(basic, 'prompts/greet.prompt');
    const crlf = parsePromptSource(basic.replace(/\n/g, '\r\n'), 'prompts/greet.prompt');
    const bom = parsePromptSource(`\uFEFF${basic.replace(/\n/g, '\r\n')}`, 'prompts/greet.prompt');
    expect(crlf.hash).toBe(lf.hash);
    expect(bom.hash).toBe(lf.hash);
    expect(bom.source).toBe(basic);
    expect(normalizeSource('a\r\nb\rc')).toBe('a\nb\nc');
    expect(parsePromptSource(basic.replace('Hello', 'Hi'), 'prompts/greet.prompt').hash).not.toBe(lf.hash);
  });

  it('normalises a leading "v" in the version', () => {
    expect(parsePromptSource(basic.replace('1.2.0', 'v2.0.0-rc.1'), 'prompts/greet.prompt').version).toBe('2.0.0-rc.1');
  });
});

describe('parsePromptSource: errors name file and line', () => {
  it('no front matter', () => {
    const error = parseError('Hello {{name}}\n');
    expect(error.code).toBe('PROMPT_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.location).toEqual({ file: 'prompts/greet.prompt', line: 1 });
    expect(error.message).toMatch(/missing front matter/);
  });

  it('front matter never closed', () => {
    const error = parseError('---\nversion: 1.0.0\nHello\n');
    expect(error.message).toMatch(/not closed/);
    expect(error.location?.line).toBe(1);
  });

  it('YAML syntax error, with the line in the file', () => {
    const error = parseError('---\nversion: 1.0.0\nconfig:\n  temperature: [0,\nmodel: x\n---\nHi\n');
    expect(error.code).toBe('PROMPT_INVALID');
    expect(error.message).toMatch(/^front matter YAML: /);
    expect(error.message).not.toMatch(/\n/);
    expect(error.location?.line).toBe(5);
  });

  it('duplicate YAML key', () => {
    const error = parseError('---\nversion: 1.0.0\nmodel: a\nmodel: b\n---\nHi\n');
    expect(error.location?.line).toBe(4);
  });

  it('missing version', () => {
    const error = parseError('---\nmodel: a\n---\nHi\n');
    expect(error.message).toMatch(/missing `version`/);
    expect(error.location).toEqual({ file: 'prompts/greet.prompt', line: 1 });
  });

  it('version that is not semver, quoting what the user wrote', () => {
    const error = parseError('---\nmodel: a\nversion: 1.2\n---\nHi\n');
    expect(error.message).toContain('version "1.2" is not semver');
    expect(error.location?.line).toBe(3);
    expect(parseError('---\nversion: 1.10\n---\nHi\n').message).toContain('version "1.10" is not semver');
    expect(parseError('---\nversion: "latest"\n---\nHi\n').message).toContain('version "latest" is not semver');
  });

  it('bad output.format and bad schema name the key line', () => {
    expect(parseError('---\nversion: 1.0.0\noutput:\n  format: xml\n---\nHi\n').location?.line).toBe(4);
    const schema = parseError('---\nversion: 1.0.0\noutput:\n  format: json\n  schema:\n    a: Widget\n---\nHi\n');
    expect(schema.message).toMatch(/output\.schema: unknown schema type 'Widget'/);
    expect(schema.location?.line).toBe(5);
  });

  it('Handlebars syntax error, offset by the front matter', () => {
    const error = parseError('---\nversion: 1.0.0\n---\nline one\nline two {{name}\n');
    expect(error.code).toBe('PROMPT_INVALID');
    expect(error.message).toMatch(/^template syntax error: /);
    expect(error.location?.line).toBe(5);
  });

  it('unclosed block and mismatched block', () => {
    const unclosed = parseError('---\nversion: 1.0.0\n---\n\n{{#if x}}\nhi\n');
    expect(unclosed.message).toBe('template syntax error: {{#if}} is never closed (no {{/if}})');
    expect(unclosed.location?.line).toBe(5);
    const mismatch = parseError('---\nversion: 1.0.0\n---\nA\n{{#each items}}\n{{/with}}\n');
    expect(mismatch.message).toContain("each doesn't match with");
    expect(mismatch.location?.line).toBe(5);
  });

  it('unknown role name', () => {
    const error = parseError('---\nversion: 1.0.0\n---\n{{role "system"}}\nBe brief.\n{{role "robot"}}\nHi\n');
    expect(error.message).toBe('unknown role "robot" (use "system", "user" or "assistant")');
    expect(error.location?.line).toBe(6);
  });

  it('unknown helper, partials and media', () => {
    expect(parseError('---\nversion: 1.0.0\n---\n{{shout name}}\n').message).toBe("unknown helper 'shout'");
    expect(parseError('---\nversion: 1.0.0\n---\n{{> header}}\n').message).toMatch(/partials/);
    expect(parseError('---\nversion: 1.0.0\n---\n{{media url=img}}\n').message).toMatch(/media/);
  });

  it('unsafe prompt ids', () => {
    const error = parseError(basic, 'prompts/.hidden.prompt');
    expect(error.code).toBe('PATH_UNSAFE');
  });
});

describe('parsePromptSource: variables', () => {
  const vars = (body: string) => parsePromptSource(`---\nversion: 1.0.0\n---\n${body}`, 'p/v.prompt').variables;

  it('lists root names once, in order of use, first path segment only', () => {
    expect(vars('{{user.name}} {{question}} {{user.age}} {{this.topic}} {{./mood}}')).toEqual(['user', 'question', 'topic', 'mood']);
  });

  it('ignores helper names and reads helper arguments', () => {
    expect(vars('{{role "system"}}{{json payload indent=2}}{{#if flag}}{{x}}{{else}}{{y}}{{/if}}{{#ifEquals a "b"}}{{c}}{{/ifEquals}}{{history}}{{section "s"}}{{lookup map key}}'))
      .toEqual(['payload', 'flag', 'x', 'y', 'a', 'c', 'map', 'key']);
  });

  it('names inside each / with refer to the inner context, ../ and @root climb back', () => {
    const body = '{{#each items}}{{name}} {{../sep}} {{@index}} {{@root.title}}{{#with meta}}{{../../deep}}{{inner}}{{/with}}{{/each}}{{#with profile}}{{bio}}{{else}}{{fallback}}{{/with}}';
    expect(vars(body)).toEqual(['items', 'sep', 'title', 'deep', 'profile', 'fallback']);
  });

  it('block params are not variables; if keeps the root context for ../ counting', () => {
    expect(vars('{{#each rows as |row i|}}{{row.a}}{{i}}{{#if row}}{{../limit}}{{/if}}{{/each}}')).toEqual(['rows', 'limit']);
  });

  it('a section over a value reads it and scopes its body', () => {
    expect(vars('{{#people}}{{name}}{{/people}}')).toEqual(['people']);
  });

  it('marks templates whose rendering can fail on case values: a {{role}} named by a variable', () => {
    const dependsOnData = (body: string) => parsePromptSource(`---\nversion: 1.0.0\n---\n${body}`, 'p/v.prompt').renderDependsOnData;
    expect(dependsOnData('{{role "system"}}Be brief.{{role "user"}}{{#each items}}{{json this}}{{/each}}{{lookup map key}}')).toBe(false);
    expect(dependsOnData('{{role speaker}}{{text}}')).toBe(true);
    expect(dependsOnData('{{#if flag}}{{role (lookup roles 0)}}{{/if}}x')).toBe(true);
  });

  it('marks templates that read the root context as a whole: their variables are not a closed list', () => {
    const whole = (body: string) => parsePromptSource(`---\nversion: 1.0.0\n---\n${body}`, 'p/v.prompt').readsWholeContext;
    for (const body of ['{{json this}}', '{{this}}', '{{.}}', '{{#each this}}{{@key}}{{/each}}', '{{lookup this field}}', '{{json @root}}', '{{#with user}}{{json ../this}}{{/with}}', '{{#if x}}{{json this}}{{/if}}']) {
      expect(whole(body), body).toBe(true);
    }
    for (const body of ['{{name}}', '{{this.name}} {{@root.title}}', '{{#each items}}{{json this}}{{/each}}', '{{#with user}}{{this}}{{/with}}', '{{lookup map key}}']) {
      expect(whole(body), body).toBe(false);
    }
  });
});
