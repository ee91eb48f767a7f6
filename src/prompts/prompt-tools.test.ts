import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thrown } from '../../test/helpers/thrown.js';
import { sha256 } from '../util/hash.js';
import { loadPromptFile } from './load.js';
import { parsePromptSource } from './parse.js';
import type { ToolFileContent } from './prompt-tools.js';

const PATH = 'prompts/support.prompt';
const prompt = (front: string[], files?: Record<string, string>) =>
  parsePromptSource(['---', 'version: 1.0.0', ...front, '---', 'Help with {{question}}', ''].join('\n'), PATH, {
    toolFiles: files && new Map(Object.entries(files).map(([ref, text]): [string, ToolFileContent] => [ref, { path: `prompts/${ref}`, text }])),
  });
const error = (front: string[], files?: Record<string, string>) => thrown(() => prompt(front, files));

const LOOKUP = { name: 'lookup_order', description: 'Find an order', inputSchema: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } };

describe('front matter tools', () => {
  it('reads definitions with JSON Schema or Picoschema inputs, and toolChoice', () => {
    const parsed = prompt([
      'tools:',
      '  - name: lookup_order',
      '    description: Find an order',
      '    inputSchema: { type: object, properties: { order_id: { type: string } }, required: [order_id] }',
      '  - name: escalate',
      '    inputSchema:',
      '      reason: string, why a human is needed',
      '      urgent?: boolean',
      '  - name: get_time',
      'toolChoice: required',
    ]);
    expect(parsed.tools).toEqual([
      LOOKUP,
      {
        name: 'escalate',
        inputSchema: {
          type: 'object',
          properties: { reason: { type: 'string', description: 'why a human is needed' }, urgent: { type: ['boolean', 'null'] } },
          required: ['reason'],
          additionalProperties: false,
        },
      },
      { name: 'get_time', inputSchema: { type: 'object', properties: {} } },
    ]);
    expect(parsed.toolChoice).toBe('required');
    expect(parsed.toolFiles).toBeUndefined();
    // No tools file: the hash is the source's alone, as before.
    expect(parsed.hash).toBe(sha256(parsed.source).slice(0, 12));
  });

  it('resolves names through toolDefs (Dotprompt), and toolChoice {name}', () => {
    const parsed = prompt(['tools: [escalate]', 'toolDefs:', '  - { name: lookup_order, inputSchema: { type: object } }', '  - { name: escalate, description: Hand over }', 'toolChoice: { name: escalate }']);
    expect(parsed.tools).toEqual([{ name: 'escalate', description: 'Hand over', inputSchema: { type: 'object', properties: {} } }]);
    expect(parsed.toolChoice).toEqual({ name: 'escalate' });
  });

  it('reads a tools file (our, OpenAI and Anthropic shapes); its bytes are part of the hash', () => {
    const file = JSON.stringify([
      LOOKUP,
      { type: 'function', function: { name: 'escalate', description: 'Hand over', parameters: { type: 'object', properties: { reason: { type: 'string' } } } } },
      { name: 'refund', input_schema: { type: 'object', properties: { amount: { type: 'number' } } } },
    ]);
    const parsed = prompt(['tools: file://tools/support.json', 'toolChoice: auto'], { 'tools/support.json': file });
    expect(parsed.tools?.map((tool) => tool.name)).toEqual(['lookup_order', 'escalate', 'refund']);
    expect(parsed.tools?.[1]).toEqual({ name: 'escalate', description: 'Hand over', inputSchema: { type: 'object', properties: { reason: { type: 'string' } } } });
    expect(parsed.tools?.[2].inputSchema).toEqual({ type: 'object', properties: { amount: { type: 'number' } } });
    expect(parsed.toolFiles).toEqual(['prompts/tools/support.json']);
    expect(parsed.toolChoice).toBe('auto');
    const changed = prompt(['tools: file://tools/support.json', 'toolChoice: auto'], { 'tools/support.json': file.replace('"number"', '"integer"') });
    expect(changed.source).toBe(parsed.source);
    expect(changed.hash).not.toBe(parsed.hash);
    expect(parsed.hash).not.toBe(sha256(parsed.source).slice(0, 12));
    // CRLF and a BOM in the tools file do not change the hash.
    expect(prompt(['tools: file://tools/support.json', 'toolChoice: auto'], { 'tools/support.json': `\uFEFF${file}\r\n` }).hash).toBe(
      prompt(['tools: file://tools/support.json', 'toolChoice: auto'], { 'tools/support.json': `${file}\n` }).hash,
    );
  });

  it('mixes files, definitions and names in one list; toolDefs may be a file', () => {
    const parsed = prompt(['tools: [file://tools/a.json, lookup_order, { name: note }]', 'toolDefs: file://tools/defs.json'], {
      'tools/a.json': '[{"name": "escalate"}]',
      'tools/defs.json': JSON.stringify([LOOKUP]),
    });
    expect(parsed.tools?.map((tool) => tool.name)).toEqual(['escalate', 'lookup_order', 'note']);
    expect(parsed.toolFiles).toEqual(['prompts/tools/a.json', 'prompts/tools/defs.json']);
  });

  it('output.strict: a boolean, for a JSON output schema; true with a schema that cannot be strict is refused', () => {
    const closed = ['output:', '  format: json', '  schema: { type: object, properties: { a: { type: string } }, required: [a], additionalProperties: false }'];
    expect(prompt([...closed, '  strict: true']).outputStrict).toBe(true);
    expect(prompt(['output:', '  format: json', '  schema: { type: object }', '  strict: false']).outputStrict).toBe(false);
    expect(prompt(closed).outputStrict).toBeUndefined();
    const open = error(['output:', '  format: json', '  schema: { type: object, properties: { a: { type: string } } }', '  strict: true']);
    expect(open.format()).toBe(`${PATH}:6: output.strict: true, but the schema cannot be strict: /: additionalProperties is not false; /: not required: a`);
    expect(error(['output:', '  schema: { type: object }', '  strict: true']).format()).toBe(`${PATH}:5: output.strict is for structured output: it needs output.format: json and an output.schema`);
    expect(error(['output:', '  format: json', '  schema: { type: object }', '  strict: yes please']).message).toBe('output.strict must be true or false, not "yes please"');
  });
});

describe('front matter tools: every bad input is PROMPT_INVALID naming the file and line', () => {
  it.each([
    ['toolChoice names an undeclared tool', ['tools: [{ name: lookup_order }]', 'toolChoice: { name: refund }'], 4, "toolChoice names 'refund', which is not one of the prompt's tools (lookup_order)"],
    ['toolChoice without tools', ['toolChoice: auto'], 3, 'toolChoice is set but the prompt declares no tools (declare them in `tools`, or remove toolChoice)'],
    ['a bare tool name as toolChoice', ['tools: [{ name: refund }]', 'toolChoice: refund'], 4, 'toolChoice must be auto, none, required or {name: <tool>}, not "refund" (to make the model call that tool: toolChoice: {name: refund})'],
    ['duplicate names', ['tools:', '  - { name: refund }', '  - { name: refund }'], 5, `duplicate tool name 'refund' (first at ${PATH}:4) (each tool a prompt sends needs its own name)`],
    ['an invalid name', ['tools:', '  - { name: look up }'], 4, 'tools[0]: tool name "look up" is not valid (1 to 64 letters, digits, "_" or "-")'],
    ['an invalid name in the list of names', ['tools: [ok, "no way"]', 'toolDefs: [{ name: ok }]'], 3, 'tools[1]: tool name "no way" is not valid (1 to 64 letters, digits, "_" or "-")'],
    ['a name toolDefs lacks', ['tools: [refund]', 'toolDefs: [{ name: lookup_order }]'], 3, "tool 'refund' is not defined (toolDefs has lookup_order) (give its definition {name, description, inputSchema} in tools or toolDefs)"],
    ['toolDefs without tools', ['toolDefs: [{ name: lookup_order }]'], 3, '`toolDefs` defines tools but `tools` does not list any to send (add tools: [lookup_order])'],
    ['inputSchema not an object schema', ['tools:', '  - name: refund', '    inputSchema: { type: string }'], 4, 'tools[0]: tool refund: inputSchema must be an object schema (type: object, with properties), not type "string"'],
    ['a Picoschema scalar as inputSchema', ['tools:', '  - { name: refund, inputSchema: number }'], 4, 'tools[0]: tool refund: inputSchema must be an object schema (type: object, with properties), not type "number"'],
    ['an unknown key in a definition', ['tools:', '  - { name: refund, paramters: {} }'], 4, 'tools[0]: tool refund: unknown key "paramters" (allowed: name, description, type, inputSchema, input_schema, parameters)'],
    ['two schemas', ['tools:', '  - { name: refund, inputSchema: { type: object }, parameters: { type: object } }'], 4, 'tools[0]: tool refund: give one schema, not inputSchema and parameters'],
    ['tools not a list', ['tools: { name: refund }'], 3, '`tools` must be a list of tool definitions, tool names from toolDefs or file://<path> references'],
    ['an absolute tools file', ['tools: file:///etc/passwd'], 3, 'tools: "file:///etc/passwd": the path must be relative to the prompt file'],
    ['a name in toolDefs', ['tools: [a]', 'toolDefs: [a]'], 4, 'toolDefs[0]: "a" is not a tool definition ({name, description?, inputSchema}) or file://<path>'],
  ])('%s', (_name, front, line, message) => {
    const failure = error(front);
    expect(failure.code).toBe('PROMPT_INVALID');
    expect(failure.exitCode).toBe(2);
    expect(failure.format()).toBe(`${PATH}:${line}: ${message}`);
  });

  it('errors inside a tools file name that file and the line of the entry (or of the JSON error)', () => {
    const front = ['tools: file://tools/t.json'];
    const file = '[\n  {"name": "lookup_order"},\n  {\n    "name": "escalate",\n    "inputSchema": {"type": "array"}\n  }\n]\n';
    expect(error(front, { 'tools/t.json': file }).format()).toBe('prompts/tools/t.json:3: [1]: tool escalate: inputSchema must be an object schema (type: object, with properties), not type "array"');
    expect(error(front, { 'tools/t.json': '[\n  {"name": "a"},\n  {"name": "b",}\n]' }).format()).toMatch(/^prompts\/tools\/t\.json:3: tools file is not valid JSON: /);
    expect(error(front, { 'tools/t.json': '{"tools": []}' }).format()).toMatch(/^prompts\/tools\/t\.json:1: a tools file holds a JSON array of tool definitions/);
    expect(error(front, { 'tools/t.json': '[{"name": "a"}, {"name": "a"}]' }).format()).toBe("prompts/tools/t.json:1: duplicate tool name 'a' (first at prompts/tools/t.json:1) (each tool a prompt sends needs its own name)");
    // A file named where the prompt is read without its folder (a registry store).
    expect(error(front).format()).toBe(`${PATH}:3: tools file file://tools/t.json cannot be read here (the prompt was read without its folder) (inline the tool definitions in the front matter)`);
  });
});

describe('loadPromptFile reads tools files relative to the prompt file, inside the project', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'promptgate-tools-'));
    outside = await mkdtemp(join(tmpdir(), 'promptgate-tools-outside-'));
    await mkdir(join(root, 'prompts', 'tools'), { recursive: true });
    await writeFile(join(root, 'prompts', 'tools', 'support.json'), JSON.stringify([LOOKUP]));
    await writeFile(join(outside, 'x.json'), '[]');
    await symlink(join(outside, 'x.json'), join(root, 'prompts', 'tools', 'linked.json'));
    const write = (name: string, ref: string) => writeFile(join(root, 'prompts', `${name}.prompt`), `---\nversion: 1.0.0\ntools: file://${ref}\n---\nHi\n`);
    await write('ok', 'tools/support.json');
    await write('missing', 'tools/nope.json');
    await write('escape', '../../x.json');
    await write('linked', 'tools/linked.json');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('reads it, and names it in toolFiles', async () => {
    const loaded = await loadPromptFile(join(root, 'prompts', 'ok.prompt'), root);
    expect(loaded.tools).toEqual([LOOKUP]);
    expect(loaded.toolFiles).toEqual(['prompts/tools/support.json']);
  });

  it('a missing file, a path out of the project and a symlink out of it are exit 2 at the tools line', async () => {
    const missing = await thrown(() => loadPromptFile(join(root, 'prompts', 'missing.prompt'), root));
    expect(missing.format()).toBe('prompts/missing.prompt:3: tools file not found: prompts/tools/nope.json (file://tools/nope.json, relative to the prompt file)');
    expect(missing.exitCode).toBe(2);
    const leaving = await thrown(() => loadPromptFile(join(root, 'prompts', 'escape.prompt'), root));
    expect([leaving.code, leaving.format()]).toEqual(['PATH_UNSAFE', 'prompts/escape.prompt:3: tools file file://../../x.json leaves the project folder']);
    const linked = await thrown(() => loadPromptFile(join(root, 'prompts', 'linked.prompt'), root));
    expect(linked.code).toBe('PATH_UNSAFE');
    expect(linked.format()).toContain('prompts/linked.prompt:3: tools file prompts/tools/linked.json resolves outside the project, to ');
  });
});
