import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/reporters/markdown.js';
import { renderDriftMarkdown } from '../../src/reporters/markdown-drift.js';
import type { DriftReport } from '../../src/run-record/types.js';
import { makeRun, streamOf } from '../reporters/synthetic.js';

const drift: DriftReport = {
  baseline: { runId: 'r1', file: 'baselines/nightly.json', startedAt: '2025-01-01T00:00:00.000Z' },
  outputs: [{ suite: 'support', model: 'gpt|4o', compared: 10, changed: 3, share: 0.3 }],
  newErrorCount: 1,
  newErrors: [{ suite: 'support', model: 'gpt|4o', caseId: 'c1', code: 'timeout', message: 'line\n| injected | row |' }],
  modelChanges: [{ model: 'gpt|4o', before: ['gpt-4o-2024-07-18'], after: ['gpt-4o-2025-01-01'] }],
};

describe('drift section of summary.md', () => {
  it('shows model changes, changed output shares and new errors, escaping table cells', () => {
    const text = renderDriftMarkdown(drift);
    expect(text).toContain('## Drift');
    expect(text).toContain('| gpt\\|4o | gpt-4o-2024-07-18 | gpt-4o-2025-01-01 |');
    expect(text).toContain('| support | gpt\\|4o | 3 / 10 | 30.0% |');
    expect(text).toContain('New errors (1)');
    expect(text).not.toContain('\n| injected');
  });

  it('is part of the Markdown report of a drift run only', async () => {
    const run = makeRun({ cases: 4 });
    expect(await renderMarkdown(run, streamOf(run.cases))).not.toContain('## Drift');
    expect(await renderMarkdown({ ...run, command: 'drift', drift }, streamOf(run.cases))).toContain('## Drift');
  });
});
