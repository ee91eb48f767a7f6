import { describe, expect, it } from 'vitest';
import { configSchema } from './schema.js';

type Node = { properties?: Record<string, Node>; description?: string; additionalProperties?: unknown; $ref?: string; type?: string };

describe('configSchema', () => {
  it('documents every top-level key of UserConfig', () => {
    const keys = ['models', 'defaultModel', 'judge', 'embedding', 'moderation', 'concurrency', 'repeat', 'gate', 'adaptive', 'suites', 'graders', 'prompts', 'evals', 'fixtures', 'reports', 'cache', 'reporters', 'ignoreCases', 'registry', 'grading', 'batch', 'budget'];
    expect(Object.keys(configSchema.properties).sort()).toEqual([...keys].sort());
  });

  it('gives every property a description and closes every object', () => {
    const missing: string[] = [];
    const open: string[] = [];
    const visit = (node: Node, where: string) => {
      if (node.type === 'object' && node.properties && node.additionalProperties !== false) open.push(where);
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (!child.description && !child.$ref) missing.push(`${where}.${key}`);
        visit(child, `${where}.${key}`);
      }
    };
    visit(configSchema as Node, 'config');
    for (const [name, definition] of Object.entries(configSchema.definitions)) visit(definition as Node, name);
    expect(missing).toEqual([]);
    expect(open).toEqual([]);
  });

  it('carries the defaults', () => {
    expect(configSchema.properties.concurrency.default).toBe(8);
    expect(configSchema.properties.repeat.default).toBe(1);
    expect(configSchema.properties.reporters.default).toEqual(['console', 'json']);
    expect(configSchema.definitions.GateConfig.properties.alpha.default).toBe(0.05);
  });

  it('is plain JSON, so it can be written to schemas/config.schema.json', () => {
    expect(JSON.parse(JSON.stringify(configSchema))).toEqual(configSchema);
  });
});
