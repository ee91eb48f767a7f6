import { describe, expect, it } from 'vitest';
import type { ResolvedConfig, SuiteConfig } from '../../src/config/types.js';
import type { PromptFile } from '../../src/prompts/types.js';
import type { SuitePlan } from '../../src/runner/plan.js';
import { selectChangedSuites } from '../../src/workflows/changed-suites.js';
import { createRepoPaths } from '../../src/workflows/repo-paths.js';

// The project lives in a subfolder of the repository: repo paths carry the `app/` prefix.
const REPO = '/repo';
const ROOT = '/repo/app';

function plan(id: string, caseFiles: string[], config?: SuiteConfig): SuitePlan {
  return {
    name: id,
    prompt: { id, path: `prompts/${id}.prompt` } as PromptFile,
    promptPath: `${ROOT}/prompts/${id}.prompt`,
    caseFiles: caseFiles.map((f) => `${ROOT}/${f}`),
    models: ['m'],
    repeat: 1,
    assert: [],
    config,
  };
}

const config = {
  rootDir: ROOT,
  configFile: `${ROOT}/eval.config.ts`,
  paths: { prompts: `${ROOT}/prompts`, evals: `${ROOT}/evals`, fixtures: `${ROOT}/fixtures`, reports: `${ROOT}/reports`, cache: false },
} as ResolvedConfig;
const repo = createRepoPaths(REPO, ROOT);
const plans = [
  plan('alpha', ['evals/alpha.csv']),
  plan('beta', ['evals/beta/one.csv', 'evals/beta/two.jsonl']),
  plan('gamma', ['cases/gamma-a.csv'], { prompt: 'gamma', cases: 'cases/gamma-*.csv' }),
];
const select = (changed: string[]) => selectChangedSuites(plans, changed, { config, repo });
const names = (changed: string[]) => select(changed).suites.map((s) => s.plan.name);

describe('selectChangedSuites', () => {
  it('selects a suite whose prompt file changed, with the reason', () => {
    const { suites, configChanged } = select(['app/prompts/alpha.prompt', 'README.md']);
    expect(suites.map((s) => [s.plan.name, s.reasons])).toEqual([['alpha', ['prompt changed: app/prompts/alpha.prompt']]]);
    expect(configChanged).toBeUndefined();
  });

  it('selects a suite whose case file changed, or whose case folder gained or lost a file', () => {
    expect(names(['app/evals/alpha.csv'])).toEqual(['alpha']);
    expect(names(['app/evals/beta/two.jsonl'])).toEqual(['beta']);
    // Deleted from the folder: no longer among the case files, still beta's.
    expect(names(['app/evals/beta/three.csv'])).toEqual(['beta']);
    // A new evals/alpha.jsonl belongs to alpha by convention.
    expect(names(['app/evals/alpha.jsonl'])).toEqual(['alpha']);
    // An explicit glob: its fixed prefix counts.
    expect(names(['app/cases/gamma-b.csv'])).toEqual(['gamma']);
  });

  it('selects a suite whose prompt reads a tools file that changed (tools: file://…)', () => {
    const withTools = { ...plans[0], prompt: { ...plans[0].prompt, toolFiles: ['prompts/tools/support.json'] } };
    const { suites } = selectChangedSuites([withTools, plans[1]], ['app/prompts/tools/support.json'], { config, repo });
    expect(suites.map((s) => [s.plan.name, s.reasons])).toEqual([['alpha', ['tools changed: app/prompts/tools/support.json']]]);
  });

  it('does not mistake a neighbour for a suite (evals/alphabet.csv is not alpha)', () => {
    expect(names(['app/evals/alphabet.csv', 'app/evals/betamax/x.csv', 'prompts/alpha.prompt'])).toEqual([]);
  });

  it('selects every suite when the config file changed', () => {
    const { suites, configChanged } = select(['app/eval.config.ts']);
    expect(configChanged).toBe('app/eval.config.ts');
    expect(suites.map((s) => s.plan.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(suites[0].reasons).toEqual(['config changed: app/eval.config.ts']);
  });

  it('selects nothing when nothing relevant changed', () => {
    expect(select(['README.md', 'src/app.ts']).suites).toEqual([]);
  });
});
