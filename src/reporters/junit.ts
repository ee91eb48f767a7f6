import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaseResult, RunHeader } from '../run-record/types.js';
import { escapeXml, escapeXmlAttr, shorten } from './escape.js';
import { flakinessOf } from '../run-record/flakiness.js';
import type { RepeatStats } from '../run-record/types.js';
import {
  caseLabel,
  caseToolDiff,
  caseToolDiffLines,
  describeAdaptive,
  describeSampling,
  describeSide,
  firstOutput,
  formatCost,
  formatDeltaWithCi,
  formatMsPair,
  formatPercent,
  formatRowPassRate,
  groupName,
  regressionMessage,
  repeatCountOf,
  sideError,
  sideReasons,
} from './format.js';
import { compareRanks, rankOf, type CaseRank } from './severity.js';
import type { Reporter } from './types.js';

/** Longest failure message attribute and `<system-out>` body kept per test case (characters). */
const MAX_MESSAGE = 1_000;
const MAX_OUTPUT = 4_000;

interface SuiteGroup {
  suite: string;
  model: string;
  tests: number;
  failures: number;
  errors: number;
  /** Ungraded cases (nothing graded them): `<skipped>`. */
  skipped: number;
  /** Sum of the candidate's call latencies. */
  ms: number;
  /** Rendered `<testcase>` elements, with their place in the report (severity.ts). */
  body: Array<CaseRank & { xml: string }>;
}

/**
 * Renders a run as JUnit XML: one `<testsuite>` per suite × model (named `suite › model`), one
 * `<testcase>` per case, most severe first (severity.ts). Failing cases and regressions become `<failure>`, cases without a verdict
 * (an errored call or grader) `<error>`, ungraded cases (nothing to grade them with) `<skipped>`.
 * `time` is the sum of the candidate's call latencies, in seconds.
 */
export async function renderJunit(run: RunHeader, cases: AsyncIterable<CaseResult>): Promise<string> {
  const groups = new Map<string, SuiteGroup>();
  const groupFor = (suite: string, model: string): SuiteGroup => {
    const key = JSON.stringify([suite, model]);
    let group = groups.get(key);
    if (!group) {
      group = { suite, model, tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0, body: [] };
      groups.set(key, group);
    }
    return group;
  };
  // Summary order first, so suites appear in run order even when a group has no cases.
  for (const row of run.summary) groupFor(row.suite, row.model);

  let index = 0;
  for await (const result of cases) {
    const rank = rankOf(result, index++);
    const group = groupFor(result.suite, result.model);
    const rendered = renderTestcase(result);
    group.tests += 1;
    group.ms += rendered.ms;
    if (rendered.kind === 'failure') group.failures += 1;
    if (rendered.kind === 'error') group.errors += 1;
    if (rendered.kind === 'skipped') group.skipped += 1;
    group.body.push({ ...rank, xml: rendered.xml });
  }

  const all = [...groups.values()];
  const total = all.reduce(
    (t, g) => ({ tests: t.tests + g.tests, failures: t.failures + g.failures, errors: t.errors + g.errors, skipped: t.skipped + g.skipped, ms: t.ms + g.ms }),
    { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 },
  );
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="${escapeXmlAttr(`promptgate ${run.command} ${run.runId}`)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${seconds(total.ms)}" timestamp="${escapeXmlAttr(run.startedAt)}">`,
  );
  for (const g of all) {
    out.push(
      `  <testsuite name="${escapeXmlAttr(groupName(g.suite, g.model))}" tests="${g.tests}" failures="${g.failures}" errors="${g.errors}" skipped="${g.skipped}" time="${seconds(g.ms)}" timestamp="${escapeXmlAttr(run.startedAt)}">`,
    );
    out.push(renderProperties(run, g.suite, g.model));
    // Most severe first (regressed, errored, failing, ungraded, ...), as in every report.
    out.push(...g.body.sort(compareRanks).map((b) => b.xml));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function property(name: string, value: string): string {
  return `      <property name="${escapeXmlAttr(name)}" value="${escapeXmlAttr(value)}"/>`;
}

function renderProperties(run: RunHeader, suite: string, model: string): string {
  const row = run.summary.find((r) => r.suite === suite && r.model === model);
  const modelRef = run.models.find((m) => m.name === model);
  const props: string[] = [];
  if (row) {
    props.push(property('prompt.id', row.promptId), property('prompt.version', row.promptVersion), property('prompt.hash', row.promptHash));
    // The suite's figures, formatted as in every report.
    props.push(property('pass.rate', formatRowPassRate(row)), property('latency.p50/p95', formatMsPair(row.latencyP50, row.latencyP95)), property('cost', formatCost(row.costUsd)));
  }
  if (run.comparison) {
    const { baseline, candidate } = run.comparison;
    props.push(property('baseline', describeSide(baseline)), property('candidate', describeSide(candidate)));
    const prompt = baseline.prompts?.find((p) => p.suite === suite);
    const commit = prompt?.commit ?? baseline.commit;
    if (commit) props.push(property('baseline.commit', commit));
    if (prompt?.hash) props.push(property('baseline.prompt.hash', prompt.hash));
    if (prompt?.missing) props.push(property('baseline.prompt', 'none (new prompt, no baseline)'));
    if (run.comparison.sampling) props.push(property('sampling', describeSampling(run.comparison.sampling)));
    if (run.comparison.adaptive) props.push(property('adaptive', describeAdaptive(run.comparison.adaptive)));
    const gateRow = run.comparison.rows.find((r) => r.suite === suite && r.model === model);
    if (gateRow) {
      props.push(property('baseline.pass.rate', formatPercent(gateRow.baselinePassRate)), property('pass.rate.delta', formatDeltaWithCi(gateRow.passRateDelta, gateRow.passRateDeltaCi)));
      props.push(property('gate.verdict', gateRow.verdict));
    }
    if (gateRow?.verdict === 'inconclusive') props.push(property('gate.inconclusive', gateRow.reasons.join('; ')));
  }
  if (row && repeatCountOf([row])) {
    const stats = (prefix: string, s: RepeatStats | undefined) =>
      s ? [property(`${prefix}pass@k`, s.passAtK.toFixed(4)), property(`${prefix}pass^k`, s.passHatK.toFixed(4)), property(`${prefix}flaky`, String(s.flaky))] : [];
    props.push(property('repeat.k', String(Math.max(row.repeatStats?.k ?? 0, row.baselineRepeatStats?.k ?? 0))), ...stats('', row.repeatStats), ...stats('baseline.', row.baselineRepeatStats));
  }
  if (modelRef) props.push(property('model.requested', `${modelRef.provider}:${modelRef.model}`));
  const reported = row?.modelsReported ?? modelRef?.reported ?? [];
  props.push(property('model.reported', reported.join(', ')));
  props.push(property('run.id', run.runId));
  return ['    <properties>', ...props, '    </properties>'].join('\n');
}

function caseProperty(name: string, value: string): string {
  return `        <property name="${escapeXmlAttr(name)}" value="${escapeXmlAttr(value)}"/>`;
}

interface RenderedCase {
  kind: 'pass' | 'failure' | 'error' | 'skipped';
  ms: number;
  xml: string;
}

function renderTestcase(result: CaseResult): RenderedCase {
  const ms = result.repeats.reduce((sum, r) => sum + (Number.isFinite(r.latencyMs) ? r.latencyMs : 0), 0);
  const open = `    <testcase name="${escapeXmlAttr(caseLabel(result))}" classname="${escapeXmlAttr(`${result.suite}.${result.model}`)}" time="${seconds(ms)}" file="${escapeXmlAttr(result.source.file)}" line="${result.source.line}">`;
  const inner: string[] = [];
  let kind: RenderedCase['kind'] = 'pass';

  const reasons = sideReasons(result);
  if (result.status === 'error') {
    kind = 'error';
    const first = sideError(result);
    const message = first ? `${first.code}: ${first.message}` : 'error';
    inner.push(
      `      <error message="${escapeXmlAttr(shorten(message, MAX_MESSAGE))}" type="${escapeXmlAttr(first?.code ?? 'ERROR')}">${escapeXml(reasons.join('\n'))}</error>`,
    );
  } else if (result.status === 'ungraded') {
    kind = 'skipped';
    inner.push(`      <skipped message="${escapeXmlAttr(shorten(reasons[0] ?? 'ungraded', MAX_MESSAGE))}"/>`);
  } else if (result.change === 'regressed' || result.status === 'fail') {
    kind = 'failure';
    let message: string;
    let type: string;
    if (result.change === 'regressed') {
      message = regressionMessage(result);
      type = 'regressed';
    } else {
      message = reasons[0] ?? 'failed';
      type = 'fail';
      if (result.change === 'unchanged-fail' && result.baseline) message = `${message} (also failed on baseline ${result.baseline.promptVersion})`;
    }
    // How the tool calls changed (`refund.amount: 10 → 100`): in the body, and in the message, which some CI pages show alone.
    const toolDiff = caseToolDiffLines(result, { maxLines: 20 });
    const details = result.change === 'regressed' && reasons.length + toolDiff.length > 0 ? [message, ...toolDiff, ...reasons] : [...reasons, ...toolDiff];
    const changed = caseToolDiff(result, { maxLines: 5, maxValue: 60 });
    if (changed) message = `${message}; tool calls: ${changed.lines.join('; ')}`;
    inner.push(
      `      <failure message="${escapeXmlAttr(shorten(message, MAX_MESSAGE))}" type="${type}">${escapeXml(details.join('\n'))}</failure>`,
    );
  }
  if (kind === 'failure' || kind === 'error') {
    const output = firstOutput(result);
    if (output !== null) inner.push(`      <system-out>${escapeXml(shorten(output, MAX_OUTPUT))}</system-out>`);
  }
  if ((result.baseline?.status === 'error' || result.baseline?.status === 'ungraded') && kind === 'pass') {
    const why = sideReasons(result.baseline);
    inner.push(`      <system-err>${escapeXml([`baseline ${result.baseline.status === 'error' ? 'errored' : 'ungraded'}:`, ...why].join('\n'))}</system-err>`);
  }
  // With repeats: how many passed on each side, and whether the case is flaky (properties come first).
  const candidate = flakinessOf(result);
  const baseline = flakinessOf(result.baseline);
  if ((candidate?.k ?? 0) > 1 || (baseline?.k ?? 0) > 1) {
    const props = [
      ...(candidate ? [caseProperty('repeats.passed', `${candidate.passes}/${candidate.k}`), caseProperty('pass@k', String(candidate.passAtK)), caseProperty('pass^k', String(candidate.passHatK))] : []),
      ...(baseline ? [caseProperty('baseline.repeats.passed', `${baseline.passes}/${baseline.k}`)] : []),
      caseProperty('flaky', String(Boolean(candidate?.flaky || baseline?.flaky))),
    ];
    inner.unshift('      <properties>', ...props, '      </properties>');
  }
  const xml = inner.length === 0 ? `${open.slice(0, -1)}/>` : [open, ...inner, '    </testcase>'].join('\n');
  return { kind, ms, xml };
}

/** A reporter that writes `<runDir>/junit.xml` when the run ends. */
export function createJunitReporter(): Reporter {
  return {
    name: 'junit',
    async onRunEnd(run, cases, runDir) {
      const file = join(runDir, 'junit.xml');
      await writeFile(file, await renderJunit(run, cases()), 'utf8');
      return [file];
    },
  };
}

