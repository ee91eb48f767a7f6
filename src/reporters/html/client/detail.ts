/**
 * The case detail drawer: variables, both outputs side by side per repeat, the word diff, and the
 * grade per assertion. Opened from a row of the cases table; Escape or × closes it.
 */
import type { CaseGrade } from '../../../graders/types.js';
import type { ReportCase, ReportRepeat, ReportSide } from '../data.js';
import type { WordDiff } from '../word-diff.js';
import { formatCost, formatMs, formatPercent, formatScore, formatTokens } from '../../numbers.js';
import { formatRefusal, formatToolCallLine } from '../../../tools/format.js';
import { CASES, DATA, RUN } from './data.js';
import { add, badge, el, json } from './dom.js';
import { state, tbody } from './page.js';

export const detail = el('aside', { cls: 'detail', testid: 'case-detail', role: 'dialog', 'aria-label': 'Case detail', hidden: true });
export const backdrop = el('div', { cls: 'backdrop', hidden: true });
backdrop.addEventListener('click', () => closeDetail());
let lastFocus: Element | null = null;

function varsTable(vars: Record<string, unknown> | undefined): HTMLElement {
  const keys = Object.keys(vars || {});
  if (!vars || !keys.length) return el('p', { cls: 'muted' }, 'No variables.');
  return el(
    'table',
    { cls: 'vars', testid: 'vars' },
    el(
      'tbody',
      null,
      keys.map((k) => {
        const v = vars[k];
        return el('tr', null, el('td', { cls: 'mono' }, k), el('td', null, el('pre', { cls: 'value' }, typeof v === 'string' ? v : json(v))));
      }),
    ),
  );
}

function assertionsTable(grade: CaseGrade): HTMLElement | null {
  if (!grade.assertions?.length) return null;
  return el(
    'table',
    { cls: 'assertions', testid: 'assertions' },
    el('thead', null, el('tr', null, el('th', null, 'Assertion'), el('th', null, 'Result'), el('th', { cls: 'num' }, 'Score'), el('th', null, 'Reason'))),
    el(
      'tbody',
      null,
      grade.assertions.map((a) =>
        el(
          'tr',
          null,
          el('td', { cls: 'mono' }, a.spec || (a.negate ? 'not-' : '') + a.type, a.weight !== 1 ? el('span', { cls: 'muted' }, ` ×${a.weight}`) : null),
          el('td', null, badge(a.pass ? 'pass' : 'fail')),
          el('td', { cls: 'num' }, formatScore(a.score)),
          el('td', null, a.reason || ''),
        ),
      ),
    ),
  );
}

function sideColumn(kind: 'baseline' | 'candidate', side: ReportSide, r: ReportRepeat | undefined, label: string): HTMLElement {
  const head = el(
    'h4',
    null,
    kind === 'baseline' ? 'Baseline' : 'Candidate',
    el('span', { cls: 'muted mono' }, `${side.promptId}@${side.promptVersion} (${side.promptHash})`),
    label ? el('span', { cls: 'muted' }, label) : null,
  );
  const col = el('div', { cls: `side ${kind}`, testid: `side-${kind}` }, head);
  if (!r) {
    add(col, el('p', { cls: 'muted' }, 'No call for this repeat.'));
    return col;
  }
  if (r.error) add(col, el('div', { cls: 'call-error', testid: `error-${kind}` }, `${r.error.code}: ${r.error.message}`));
  if (r.output !== null) {
    const calls = r.toolCalls || [];
    // An answer that only called tools or refused shows those, not an empty box.
    if (r.output !== '' || (!calls.length && r.refusal === undefined)) add(col, el('pre', { cls: 'output', testid: `output-${kind}` }, r.output));
    if (r.outputLength) add(col, el('p', { cls: 'note' }, `Output cut to ${r.output.length} of ${r.outputLength} characters; run.json has all of it.`));
    if (calls.length) {
      const items = calls.map((call) =>
        el(
          'li',
          null,
          formatToolCallLine(call, DATA.limits.outputChars),
          call.argumentsLength ? el('span', { cls: 'note' }, ` (arguments cut to ${DATA.limits.outputChars} of ${call.argumentsLength} characters; run.json has all of them)`) : null,
        ),
      );
      add(col, el('ul', { cls: 'tool-calls', testid: `tool-calls-${kind}` }, items));
    }
    if (r.refusal !== undefined) add(col, el('div', { cls: 'refusal', testid: `refusal-${kind}` }, formatRefusal(r.refusal)));
  }
  add(
    col,
    el(
      'div',
      { cls: 'facts' },
      el('span', null, `model: ${r.modelReported || '–'}`),
      el('span', null, `latency: ${formatMs(r.latencyMs)}`),
      el('span', null, `tokens: ${r.usage ? formatTokens(r.usage.inputTokens, r.usage.outputTokens) : '–'}`),
      el('span', null, `cost: ${formatCost(r.costUsd)}`),
      r.cached ? el('span', null, 'cached') : null,
      r.attempts > 1 ? el('span', null, `attempts: ${r.attempts}`) : null,
    ),
  );
  if (r.grade) {
    add(col, el('p', null, badge(r.grade.pass ? 'pass' : 'fail'), ` score ${formatScore(r.grade.score)}${r.grade.reason ? ` — ${r.grade.reason}` : ''}`));
    add(col, assertionsTable(r.grade));
  }
  return col;
}

function diffBlock(d: WordDiff, toolsDiffer: boolean): HTMLElement {
  const box = el('div', { cls: 'diff', testid: 'diff' });
  if (d.same) add(box, el('span', { cls: 'muted' }, toolsDiffer ? 'The texts are identical; the tool calls differ (below).' : 'Outputs are identical.'));
  else if (!d.parts && d.skipped) add(box, el('span', { cls: 'muted' }, 'No word diff for this case: the report spends its diff budget on the most severe cases first; compare the outputs above.'));
  else if (!d.parts) add(box, el('span', { cls: 'muted' }, 'The outputs differ too much for a word diff; compare them above.'));
  else for (const [op, text] of d.parts) add(box, op === 0 ? text : el(op > 0 ? 'ins' : 'del', { cls: op > 0 ? 'ins' : 'del' }, text));
  return el(
    'div',
    null,
    el('h4', null, 'Word diff (baseline → candidate)'),
    box,
    d.capped ? el('p', { cls: 'note', testid: 'diff-capped' }, `Only the first ${DATA.limits.diffChars} characters of each output were compared.`) : null,
  );
}

function repeatSection(c: ReportCase, repeat: number, many: boolean): HTMLElement {
  const find = (side: ReportSide | undefined) => (side ? side.repeats.filter((r) => r.repeat === repeat)[0] : undefined);
  const cmp = RUN.comparison;
  const sides = el(
    'div',
    { cls: 'sides' },
    c.baseline ? sideColumn('baseline', c.baseline, find(c.baseline), cmp ? cmp.baseline.label : '') : null,
    sideColumn('candidate', c.candidate, find(c.candidate), cmp ? cmp.candidate.label : ''),
  );
  const d = (c.diffs || []).filter((x) => x.repeat === repeat)[0];
  const tools = (c.toolDiffs || []).filter((x) => x.repeat === repeat)[0];
  // Two answers that only called tools have no text to word-diff: their tool-call diff says it all.
  const texts = [find(c.baseline), find(c.candidate)].map((r) => (r ? r.output : null));
  const words = d && !(tools && texts[0] === '' && texts[1] === '') ? diffBlock(d, Boolean(tools?.lines.length)) : null;
  return el('section', { testid: 'repeat' }, many ? el('h3', null, `Repeat ${repeat + 1}`) : null, sides, words, tools ? toolDiffBlock(tools.lines) : null);
}

/** How the tool calls changed, baseline → candidate: `refund.amount: 10 → 100`, a line each. */
function toolDiffBlock(lines: string[]): HTMLElement {
  return el(
    'div',
    null,
    el('h4', null, 'Tool calls (baseline → candidate)'),
    lines.length
      ? el('ul', { cls: 'diff tool-diff', testid: 'tool-diff' }, lines.map((line) => el('li', null, line)))
      : el('div', { cls: 'diff', testid: 'tool-diff' }, el('span', { cls: 'muted' }, 'The same tool calls with the same arguments.')),
  );
}

function renderDetail(c: ReportCase): HTMLElement[] {
  const close = el('button', { cls: 'close', type: 'button', testid: 'close-detail', 'aria-label': 'Close' }, '×');
  close.addEventListener('click', closeDetail);
  const repeats = new Set<number>();
  for (const r of c.candidate.repeats.concat(c.baseline ? c.baseline.repeats : [])) repeats.add(r.repeat);
  const indexes = Array.from(repeats).sort((a, b) => a - b);
  const f = c.flakiness;
  return [
    el('div', { cls: 'detail-head' }, el('h2', null, c.description || c.caseId), close),
    el(
      'div',
      { cls: 'meta' },
      badge(c.status),
      c.change ? badge(c.change) : null,
      el('span', null, 'id: ', el('b', { cls: 'mono' }, c.caseId)),
      el('span', null, `${c.suite} › ${c.model}`),
      el('span', null, `${c.source.file}:${c.source.line}`),
      c.tags?.length ? el('span', null, `tags: ${c.tags.join(', ')}`) : null,
      el('span', null, `pass rate ${c.baseline ? `${formatPercent(c.baseline.passRate)} → ` : ''}${formatPercent(c.candidate.passRate)}`),
      el('span', null, `mean score ${c.baseline ? `${formatScore(c.baseline.meanScore)} → ` : ''}${formatScore(c.candidate.meanScore)}`),
      f ? el('span', { testid: 'repeats-passed' }, `repeats passed ${f.baseline !== undefined ? `${f.baseline} → ` : ''}${f.candidate}`) : null,
      f?.flaky ? badge('flaky') : null,
    ),
    el('h3', null, 'Variables'),
    varsTable(c.vars),
    ...indexes.map((i) => repeatSection(c, i, indexes.length > 1)),
  ];
}

export function openDetail(i: number): void {
  const c = CASES[i];
  if (!c) return;
  const previous = tbody.querySelector('tr.selected');
  if (previous) previous.classList.remove('selected');
  state.selected = i;
  const row = tbody.querySelector(`tr[data-index="${i}"]`);
  if (row) row.classList.add('selected');
  lastFocus = row || document.activeElement;
  detail.textContent = '';
  add(detail, renderDetail(c));
  detail.hidden = false;
  backdrop.hidden = false;
  detail.scrollTop = 0;
  const close = detail.querySelector<HTMLElement>('.close');
  if (close) close.focus();
}

export function closeDetail(): void {
  detail.hidden = true;
  backdrop.hidden = true;
  if (lastFocus instanceof HTMLElement) lastFocus.focus();
}
