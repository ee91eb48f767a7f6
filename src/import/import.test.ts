import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPromptfoo } from './index.js';

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'promptgate-import-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

describe('importPromptfoo', () => {
  it('reads the other documented forms: targets, provider files, defaultTest files, {path} tests, JSON tests, .md / .yaml / .csv prompts', async () => {
    const dir = await project({
      'promptfooconfig.json': JSON.stringify({
        prompts: ['file://p/intro.md', { id: 'file://p/chat.yaml', label: 'chat', config: { temperature: 0.3 } }, 'file://p/list.csv'],
        targets: ['file://providers.yaml'],
        defaultTest: 'file://default.yaml',
        tests: [{ path: 'file://cases.json' }],
        evaluateOptions: { maxConcurrency: 2, repeat: 3 },
      }),
      'p/intro.md': '# Intro\nIntroduce {{name}}.\n',
      'p/chat.yaml': '- role: system\n  content: Be terse.\n- role: user\n  content: "Hi {{name}}"\n',
      'p/list.csv': 'prompt,label\n"Greet {{name}}",greet\n"Thank {{name}}",thank\n',
      'providers.yaml': '- id: anthropic:claude-3-5-haiku-latest\n  label: haiku\n',
      'default.yaml': 'vars:\n  name: Ann\nassert:\n  - type: icontains\n    value: "{{name}}"\n',
      'cases.json': JSON.stringify([{ description: 'a', assert: [{ type: 'llm-rubric', value: 'polite' }] }, { vars: { name: 'Bo' } }]),
      'evals/old.csv': 'x,__expected\n1,2\n',
    });
    // `validate: false`: loading the written project is the e2e test's (it would load the config machinery here).
    const result = await importPromptfoo({ cwd: dir, validate: false });
    expect(result.problems).toEqual([]);
    expect(result.written.sort()).toEqual(['eval.config.ts', 'evals/tests.jsonl', 'prompts/chat.prompt', 'prompts/greet.prompt', 'prompts/intro.prompt', 'prompts/thank.prompt']);
    expect(await readFile(join(dir, 'prompts', 'chat.prompt'), 'utf8')).toBe(
      '---\n# imported from file://p/chat.yaml (promptfooconfig.json:1), label "chat"\nversion: 1.0.0\nconfig:\n  temperature: 0.3\n---\n{{role "system"}}\nBe terse.\n{{role "user"}}\nHi {{name}}\n',
    );
    expect((await readFile(join(dir, 'evals', 'tests.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line))).toEqual([
      { description: 'a', vars: { name: 'Ann' }, assert: [{ type: 'llm-rubric', value: 'polite' }] },
      { vars: { name: 'Bo' } },
    ]);
    const config = await readFile(join(dir, 'eval.config.ts'), 'utf8');
    expect(config).toContain("    haiku: {\n      provider: 'anthropic',\n      model: 'claude-3-5-haiku-latest',\n      params: { max_tokens: 1024, temperature: 0 },\n    },");
    // llm-rubric with no grading provider named: promptfoo's default grader, said so.
    expect(config).toContain("judge: { provider: 'openai', model: 'gpt-5.5-2026-04-23' },");
    expect(config).toContain("judge: 'judge',");
    expect(config).toContain('concurrency: 2,');
    expect(config).toContain('repeat: 3,');
    // promptfoo's case files left under evals/ would be refused as orphans: listed in ignoreCases.
    expect(config).toContain("ignoreCases: ['evals/old.csv'],");
    expect(config).toContain("assert: [{ type: 'icontains', value: '{{name}}' }],");
    expect(result.notes.map((note) => note.message)).toContainEqual(expect.stringContaining("the judge is promptfoo's default"));
  });

  it('gives similar, answer-relevance and moderation the models they need, and a CSV cell that is model-graded the judge', async () => {
    const defaults = await project({
      'promptfooconfig.yaml': 'prompts: ["Say {{q}}"]\nproviders: [openai:gpt-4o-mini]\ntests: file://cases.csv\n',
      'cases.csv': 'q,__expected,__expected2\nhi,similar:hello,moderation\nyo,llm-rubric:is friendly,\n',
    });
    const first = await importPromptfoo({ cwd: defaults, validate: false });
    expect(first.problems).toEqual([]);
    const config = await readFile(join(defaults, 'eval.config.ts'), 'utf8');
    expect(config).toContain("embedding: { provider: 'openai', model: 'text-embedding-3-large' },");
    expect(config).toContain("moderation: { provider: 'openai', model: 'omni-moderation-latest' },");
    expect(config).toContain("  embedding: 'embedding',\n  moderation: 'moderation',");
    expect(config).toContain("  judge: 'judge',");

    const named = await project({
      'promptfooconfig.yaml': [
        'prompts: ["Say {{q}}"]',
        'providers: [openai:gpt-4o-mini]',
        'defaultTest:',
        '  options:',
        '    provider:',
        '      embedding: openai:embedding:text-embedding-3-small',
        'tests:',
        '  - vars: { q: hi }',
        '    assert: [{ type: similar, value: hello, threshold: 0.7 }]',
        '',
      ].join('\n'),
    });
    const second = await importPromptfoo({ cwd: named, validate: false });
    expect(second.problems).toEqual([]);
    const namedConfig = await readFile(join(named, 'eval.config.ts'), 'utf8');
    expect(namedConfig).toMatch(/embedding: \{\n? *provider: 'openai',\n? *model: 'text-embedding-3-small'/);
    expect(namedConfig).toContain("  embedding: 'embedding',");
    expect(namedConfig).not.toContain('moderation');
  });

  it('is bad input, with nothing written, for a config that is not a mapping or a JavaScript config', async () => {
    const list = await project({ 'promptfooconfig.yaml': '- a\n- b\n' });
    await expect(importPromptfoo({ cwd: list })).rejects.toMatchObject({ code: 'CONFIG_INVALID', location: { file: 'promptfooconfig.yaml', line: 1 } });
    const script = await project({ 'promptfooconfig.js': 'module.exports = {};\n' });
    await expect(importPromptfoo({ cwd: script })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: 'only YAML and JSON promptfoo configs can be imported' });
  });
});
