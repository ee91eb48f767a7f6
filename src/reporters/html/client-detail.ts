/**
 * Browser script, part 2: the case detail drawer (variables, both outputs side by side, the word
 * diff, grades per assertion and repeat) and start-up. Uses the helpers of part 1 (client-page.ts).
 */
export const CLIENT_DETAIL = String.raw`
var detail = el('aside', { cls: 'detail', testid: 'case-detail', role: 'dialog', 'aria-label': 'Case detail', hidden: true });
var backdrop = el('div', { cls: 'backdrop', hidden: true });
backdrop.addEventListener('click', function () { closeDetail(); });
var lastFocus = null;

function varsTable(vars) {
  var keys = Object.keys(vars || {});
  if (!keys.length) return el('p', { cls: 'muted' }, 'No variables.');
  return el('table', { cls: 'vars', testid: 'vars' }, el('tbody', null, keys.map(function (k) {
    var v = vars[k];
    return el('tr', null, el('td', { cls: 'mono' }, k), el('td', null, el('pre', { cls: 'value' }, typeof v === 'string' ? v : json(v))));
  })));
}

function assertionsTable(grade) {
  if (!grade.assertions || !grade.assertions.length) return null;
  return el('table', { cls: 'assertions', testid: 'assertions' },
    el('thead', null, el('tr', null, el('th', null, 'Assertion'), el('th', null, 'Result'), el('th', { cls: 'num' }, 'Score'), el('th', null, 'Reason'))),
    el('tbody', null, grade.assertions.map(function (a) {
      return el('tr', null,
        el('td', { cls: 'mono' }, a.spec || ((a.negate ? 'not-' : '') + a.type), a.weight !== 1 ? el('span', { cls: 'muted' }, ' ×' + a.weight) : null),
        el('td', null, badge(a.pass ? 'pass' : 'fail')),
        el('td', { cls: 'num' }, fixed2(a.score)),
        el('td', null, a.reason || ''));
    })));
}

function sideColumn(kind, side, r, label) {
  var head = el('h4', null, kind === 'baseline' ? 'Baseline' : 'Candidate',
    el('span', { cls: 'muted mono' }, side.promptId + '@' + side.promptVersion + ' (' + side.promptHash + ')'),
    label ? el('span', { cls: 'muted' }, label) : null);
  var col = el('div', { cls: 'side ' + kind, testid: 'side-' + kind }, head);
  if (!r) { add(col, el('p', { cls: 'muted' }, 'No call for this repeat.')); return col; }
  if (r.error) add(col, el('div', { cls: 'call-error', testid: 'error-' + kind }, r.error.code + ': ' + r.error.message));
  if (r.output !== null) {
    add(col, el('pre', { cls: 'output', testid: 'output-' + kind }, r.output));
    if (r.outputLength) add(col, el('p', { cls: 'note' }, 'Output cut to ' + r.output.length + ' of ' + r.outputLength + ' characters; run.json has all of it.'));
  }
  var tokens = r.usage ? r.usage.inputTokens + ' in / ' + r.usage.outputTokens + ' out' : '–';
  add(col, el('div', { cls: 'facts' },
    el('span', null, 'model: ' + (r.modelReported || '–')), el('span', null, 'latency: ' + ms(r.latencyMs)),
    el('span', null, 'tokens: ' + tokens), el('span', null, 'cost: ' + cost(r.costUsd)),
    r.cached ? el('span', null, 'cached') : null, r.attempts > 1 ? el('span', null, 'attempts: ' + r.attempts) : null));
  if (r.grade) {
    add(col, el('p', null, badge(r.grade.pass ? 'pass' : 'fail'), ' score ' + fixed2(r.grade.score) + (r.grade.reason ? ' — ' + r.grade.reason : '')));
    add(col, assertionsTable(r.grade));
  }
  return col;
}

function diffBlock(d) {
  var box = el('div', { cls: 'diff', testid: 'diff' });
  if (d.same) add(box, el('span', { cls: 'muted' }, 'Outputs are identical.'));
  else if (!d.parts && d.skipped) add(box, el('span', { cls: 'muted' }, 'No word diff for this case: the report spends its diff budget on the most severe cases first; compare the outputs above.'));
  else if (!d.parts) add(box, el('span', { cls: 'muted' }, 'The outputs differ too much for a word diff; compare them above.'));
  else d.parts.forEach(function (p) {
    add(box, p[0] === 0 ? p[1] : el(p[0] > 0 ? 'ins' : 'del', { cls: p[0] > 0 ? 'ins' : 'del' }, p[1]));
  });
  return el('div', null, el('h4', null, 'Word diff (baseline → candidate)'), box,
    d.capped ? el('p', { cls: 'note', testid: 'diff-capped' }, 'Only the first ' + DATA.limits.diffChars + ' characters of each output were compared.') : null);
}

function repeatSection(c, repeat, many) {
  var find = function (side) { return side ? side.repeats.filter(function (r) { return r.repeat === repeat; })[0] : undefined; };
  var cmp = RUN.comparison;
  var sides = el('div', { cls: 'sides' },
    c.baseline ? sideColumn('baseline', c.baseline, find(c.baseline), cmp ? cmp.baseline.label : '') : null,
    sideColumn('candidate', c.candidate, find(c.candidate), cmp ? cmp.candidate.label : ''));
  var d = (c.diffs || []).filter(function (x) { return x.repeat === repeat; })[0];
  return el('section', { testid: 'repeat' }, many ? el('h3', null, 'Repeat ' + (repeat + 1)) : null, sides, d ? diffBlock(d) : null);
}

function renderDetail(c) {
  var close = el('button', { cls: 'close', type: 'button', testid: 'close-detail', 'aria-label': 'Close' }, '×');
  close.addEventListener('click', closeDetail);
  var repeats = {};
  c.candidate.repeats.concat(c.baseline ? c.baseline.repeats : []).forEach(function (r) { repeats[r.repeat] = true; });
  var indexes = Object.keys(repeats).map(Number).sort(function (a, b) { return a - b; });
  return [
    el('div', { cls: 'detail-head' }, el('h2', null, c.description || c.caseId), close),
    el('div', { cls: 'meta' },
      badge(c.status), c.change ? badge(c.change) : null,
      el('span', null, 'id: ', el('b', { cls: 'mono' }, c.caseId)),
      el('span', null, c.suite + ' › ' + c.model),
      el('span', null, c.source.file + ':' + c.source.line),
      c.tags && c.tags.length ? el('span', null, 'tags: ' + c.tags.join(', ')) : null,
      c.baseline ? el('span', null, 'pass rate ' + pct(c.baseline.passRate) + ' → ' + pct(c.candidate.passRate)) : el('span', null, 'pass rate ' + pct(c.candidate.passRate)),
      el('span', null, 'mean score ' + (c.baseline ? fixed2(c.baseline.meanScore) + ' → ' : '') + fixed2(c.candidate.meanScore)),
      c.flakiness ? el('span', { testid: 'repeats-passed' }, 'repeats passed ' + (c.flakiness.baseline !== undefined ? c.flakiness.baseline + ' → ' : '') + c.flakiness.candidate) : null,
      c.flakiness && c.flakiness.flaky ? badge('flaky') : null),
    el('h3', null, 'Variables'), varsTable(c.vars),
    indexes.map(function (i) { return repeatSection(c, i, indexes.length > 1); })
  ];
}

function openDetail(i) {
  var c = CASES[i];
  if (!c) return;
  var previous = tbody.querySelector('tr.selected');
  if (previous) previous.classList.remove('selected');
  state.selected = i;
  var row = tbody.querySelector('tr[data-index="' + i + '"]');
  if (row) row.classList.add('selected');
  lastFocus = row || document.activeElement;
  detail.textContent = '';
  add(detail, renderDetail(c));
  detail.hidden = false;
  backdrop.hidden = false;
  detail.scrollTop = 0;
  detail.querySelector('.close').focus();
}
function closeDetail() {
  detail.hidden = true;
  backdrop.hidden = true;
  if (lastFocus && lastFocus.focus) lastFocus.focus();
}
document.addEventListener('keydown', function (event) { if (event.key === 'Escape' && !detail.hidden) closeDetail(); });

var app = document.getElementById('app');
add(app, [renderHeader(), renderSummary(), renderSections(), renderChart(), renderCases()]);
document.body.appendChild(backdrop);
document.body.appendChild(detail);
applyFilter();
`;
