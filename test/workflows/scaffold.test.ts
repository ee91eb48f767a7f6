import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePromptSource } from '../../src/prompts/parse.js';
import { DRIFT_WORKFLOW, PR_WORKFLOW } from '../../src/workflows/github-workflows.js';
import { scaffoldFiles, scaffoldProject } from '../../src/workflows/scaffold.js';
import { makeProject, REPO_ROOT } from '../helpers/cli.js';

describe('init scaffold', () => {
  it('writes a valid prompt, its cases and (with --ci github) two YAML workflows', () => {
    const files = scaffoldFiles('github');
    expect(Object.keys(files).sort()).toEqual(['.github/workflows/promptgate-drift.yml', '.github/workflows/promptgate-pr.yml', 'eval.config.ts', 'evals/hello.csv', 'prompts/hello.prompt']);
    expect(parsePromptSource(files['prompts/hello.prompt'], 'prompts/hello.prompt').variables).toEqual(['name']);
    expect(files['evals/hello.csv'].split('\n')[0]).toBe('name,__expected,__description');
    for (const path of ['.github/workflows/promptgate-pr.yml', '.github/workflows/promptgate-drift.yml']) {
      const doc = parse(files[path]) as { jobs: Record<string, { steps: unknown[] }> };
      expect(Math.max(...Object.values(doc.jobs).map((job) => job.steps.length))).toBeGreaterThan(4);
      // GitHub expressions survived the template literal.
      expect(files[path]).toContain('${{ github.run_id }}');
    }
    expect(Object.keys(scaffoldFiles(undefined))).not.toContain('.github/workflows/promptgate-pr.yml');
  });

  it('never overwrites, counts any eval.config.* as the config, and only appends to .gitignore', async () => {
    const dir = await makeProject({ 'eval.config.mjs': 'export default {};\n', 'evals/hello.csv': 'mine\n', '.gitignore': 'reports\n' });
    const result = await scaffoldProject(dir, {});
    expect(result.created.sort()).toEqual(['prompts/hello.prompt']);
    expect(result.skipped).toEqual([
      { path: 'eval.config.ts', reason: 'eval.config.mjs already exists' },
      { path: 'evals/hello.csv', reason: 'already exists' },
    ]);
    expect(result.updated).toEqual(['.gitignore']);
    expect(await readFile(join(dir, 'evals/hello.csv'), 'utf8')).toBe('mine\n');
    // `reports` (no slash) already ignores reports/: only the cache is added.
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toBe('reports\n\n# promptgate\n.promptgate-cache/\n');
  });

  it('docs/github-action.md shows the workflows exactly as init writes them, and the README the pull-request one', async () => {
    for (const doc of ['docs/github-action.md', 'README.md']) {
      const text = await readFile(join(REPO_ROOT, doc), 'utf8');
      expect(text, doc).toContain(`\`\`\`yaml\n${PR_WORKFLOW}\`\`\``);
      if (doc !== 'README.md') expect(text, doc).toContain(`\`\`\`yaml\n${DRIFT_WORKFLOW}\`\`\``);
    }
  });
});
