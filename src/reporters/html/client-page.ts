/**
 * Browser script, part 1: helpers, header, summary, chart and the filterable cases table.
 * Plain ES2017 in a string (the page must work from file:// with no build step). It builds every
 * node with createElement/textContent: data never reaches innerHTML or an attribute that runs code.
 * No template literals inside, so this file needs no escaping.
 */
export const CLIENT_PAGE = String.raw`
'use strict';
var DATA = JSON.parse(document.getElementById('data').textContent);
var RUN = DATA.run;
var VIEW = DATA.view;
var CASES = DATA.cases;
var PAGE_SIZE = 200;
var COMPARING = !!RUN.comparison || CASES.some(function (c) { return !!c.baseline; });
var LABELS = { 'pass': 'pass', 'fail': 'fail', 'error': 'error', 'regressed': 'regressed', 'improved': 'improved',
  'unchanged-pass': 'unchanged pass', 'unchanged-fail': 'unchanged fail', 'errored': 'errored', 'ungraded': 'ungraded', 'new': 'new', 'flaky': 'flaky' };

function add(parent, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) { for (var i = 0; i < child.length; i++) add(parent, child[i]); return; }
  parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
}
function el(tag, props) {
  var node = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null || value === false) return;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'cls') node.className = String(value);
      else if (key === 'testid') node.setAttribute('data-testid', String(value));
      else node.setAttribute(key, value === true ? '' : String(value));
    });
  }
  for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
  return node;
}
function badge(kind, text) { return el('span', { cls: 'badge ' + kind }, text || LABELS[kind] || kind); }
function pct(rate) { return typeof rate === 'number' && isFinite(rate) ? (rate * 100).toFixed(1) + '%' : '–'; }
function ms(x) { return typeof x === 'number' && isFinite(x) ? (x >= 1000 ? (x / 1000).toFixed(2) + ' s' : Math.round(x) + ' ms') : '–'; }
function cost(x) { return typeof x === 'number' && isFinite(x) ? (x === 0 ? '$0' : x >= 0.01 ? '$' + x.toFixed(2) : '$' + x.toPrecision(2)) : '–'; }
function fixed2(x) { return typeof x === 'number' && isFinite(x) ? x.toFixed(2) : '–'; }
function json(value) { try { return JSON.stringify(value, null, 2); } catch (e) { return String(value); } }
function oneLine(text, max) { var t = String(text).replace(/\s+/g, ' ').trim(); return t.length > max ? t.slice(0, max - 1) + '…' : t; }

function renderHeader() {
  return el('header', null,
    el('h1', null, VIEW.title, el('span', { cls: 'badge ' + VIEW.verdict.kind, testid: 'verdict' }, 'gate: ' + VIEW.verdict.text)),
    el('div', { cls: 'meta', testid: 'run-facts' }, VIEW.facts.map(function (f) { return el('span', null, f[0] + ': ', el('b', null, f[1])); })),
    VIEW.reasons.length ? el('ul', { cls: 'reasons', testid: 'gate-reasons' }, VIEW.reasons.map(function (r) { return el('li', null, r); })) : null);
}

function viewTable(t, testid) {
  return el('div', { cls: 'scroll' }, el('table', { testid: testid },
    el('thead', null, el('tr', null, t.head.map(function (h, i) { return el('th', { cls: t.numeric[i] ? 'num' : null }, h); }))),
    el('tbody', null, t.rows.map(function (row) {
      return el('tr', null, row.map(function (c, i) {
        var cls = (t.numeric[i] ? 'num ' : '') + (c.tone || '');
        return el('td', { cls: cls || null }, c.badge ? badge(c.badge, c.text) : c.text);
      }));
    }))));
}

function renderSummary() {
  return el('section', null, el('h2', null, COMPARING ? 'Baseline vs candidate' : 'Summary'), viewTable(VIEW.table, 'summary'));
}

function renderSections() {
  return VIEW.sections.map(function (s) {
    return el('section', { testid: s.testid }, el('h2', null, s.title),
      s.lines.map(function (line) { return el('p', null, line); }),
      s.tables.map(function (t, i) { return [el('h3', null, t.caption), viewTable(t.table, s.testid + '-table-' + i)]; }));
  });
}

function bar(kind, rate, label) {
  var fill = el('div', { cls: 'bar ' + kind });
  fill.style.width = Math.max(0, Math.min(100, rate * 100)).toFixed(1) + '%';
  return el('div', { cls: 'bar-line', testid: 'bar-' + kind },
    el('div', { cls: 'bar-track' }, fill), el('span', { cls: 'bar-value' }, label + ' ' + pct(rate)));
}
function renderChart() {
  if (!VIEW.chart.length) return null;
  var legend = el('div', { cls: 'legend' },
    COMPARING ? el('span', null, el('span', { cls: 'swatch baseline' }), 'baseline') : null,
    el('span', null, el('span', { cls: 'swatch' }), 'candidate'));
  var grid = el('div', { cls: 'chart', testid: 'chart' });
  VIEW.chart.forEach(function (row) {
    add(grid, el('div', { cls: 'chart-label' }, row.label));
    add(grid, el('div', { cls: 'bars' },
      row.baseline !== null ? bar('baseline', row.baseline, 'baseline') : null,
      bar('candidate', row.candidate, COMPARING ? 'candidate' : '')));
  });
  return el('section', null, el('h2', null, 'Pass rate'), legend, grid);
}

var FILTERS = [
  { id: 'all', label: 'All', test: function () { return true; } },
  { id: 'regressed', label: 'Regressed', compare: true, test: function (c) { return c.change === 'regressed'; } },
  { id: 'improved', label: 'Improved', compare: true, test: function (c) { return c.change === 'improved'; } },
  { id: 'failing', label: 'Failing', test: function (c) { return c.status === 'fail'; } },
  { id: 'errored', label: 'Errored', test: function (c) { return c.status === 'error' || c.change === 'errored' || (!!c.baseline && c.baseline.status === 'error'); } },
  { id: 'passing', label: 'Passing', test: function (c) { return c.status === 'pass'; } },
  { id: 'ungraded', label: 'Ungraded', optional: true, test: function (c) { return c.status === 'ungraded' || c.change === 'ungraded'; } },
  { id: 'flaky', label: 'Flaky', optional: true, flakiest: true, test: function (c) { return !!c.flakiness && c.flakiness.flaky; } }
];
var state = { filter: FILTERS[0], query: '', matches: [], shown: 0, selected: -1 };
var searchIndex = null;
var tbody = el('tbody');
var countLabel = el('span', { cls: 'count', testid: 'count', 'aria-live': 'polite' });
var moreButton = el('button', { cls: 'more', type: 'button', testid: 'show-more' }, 'Show more');
var emptyRow = el('div', { cls: 'empty', testid: 'empty', hidden: true }, 'No cases match.');

function searchText(c) {
  var parts = [c.caseId, c.description || '', c.suite, c.model, (c.tags || []).join(' '), json(c.vars)];
  [c.baseline, c.candidate].forEach(function (side) {
    if (!side) return;
    side.repeats.forEach(function (r) {
      if (r.output !== null) parts.push(r.output);
      if (r.error) parts.push(r.error.code + ' ' + r.error.message);
    });
  });
  return parts.join('\n').toLowerCase();
}
function ensureSearchIndex() {
  if (searchIndex) return;
  searchIndex = new Array(CASES.length);
  for (var i = 0; i < CASES.length; i++) searchIndex[i] = searchText(CASES[i]);
}

function caseRow(i) {
  var c = CASES[i];
  var first = c.candidate.repeats[0];
  var preview = !first ? '' : first.error ? first.error.code + ': ' + first.error.message : first.output === null ? '' : first.output;
  return el('tr', { testid: 'case-row', 'data-index': i, 'data-change': c.change || '', 'data-status': c.status, tabindex: 0,
      cls: i === state.selected ? 'selected' : null },
    el('td', null, badge(c.status)),
    COMPARING ? el('td', null, c.change ? badge(c.change) : '') : null,
    el('td', null, c.suite + ' › ' + c.model),
    el('td', { cls: 'case-name' }, c.description || c.caseId, c.description ? el('div', { cls: 'muted mono' }, c.caseId) : null),
    el('td', { cls: 'num' }, c.baseline ? pct(c.baseline.passRate) + ' → ' + pct(c.candidate.passRate) : pct(c.candidate.passRate),
      c.flakiness && c.flakiness.flaky ? el('div', { cls: 'muted', testid: 'flaky' }, 'flaky: ' + (c.flakiness.baseline !== undefined ? c.flakiness.baseline + ' → ' : '') + c.flakiness.candidate) : null),
    el('td', { cls: 'preview', title: oneLine(preview, 300) }, oneLine(preview, 200)));
}

function showRows(from, to) {
  var frag = document.createDocumentFragment();
  for (var k = from; k < to; k++) frag.appendChild(caseRow(state.matches[k]));
  tbody.appendChild(frag);
  state.shown = to;
  var n = state.matches.length;
  countLabel.textContent = 'Showing ' + to + ' of ' + n + (n === 1 ? ' case' : ' cases');
  moreButton.hidden = to >= n;
  emptyRow.hidden = n > 0;
}
function applyFilter() {
  var q = state.query, test = state.filter.test, out = [];
  if (q) ensureSearchIndex();
  for (var i = 0; i < CASES.length; i++) {
    if (test(CASES[i]) && (!q || searchIndex[i].indexOf(q) !== -1)) out.push(i);
  }
  // The Flaky filter lists the flakiest first (then in page order).
  if (state.filter.flakiest) out.sort(function (a, b) { return CASES[b].flakiness.score - CASES[a].flakiness.score || a - b; });
  state.matches = out;
  tbody.textContent = '';
  showRows(0, Math.min(PAGE_SIZE, out.length));
}

function renderCases() {
  var buttons = el('div', { cls: 'filters', role: 'group', 'aria-label': 'Filter cases' });
  FILTERS.forEach(function (f) {
    if (f.compare && !COMPARING) return;
    var count = 0;
    for (var i = 0; i < CASES.length; i++) if (f.test(CASES[i])) count++;
    if (f.optional && count === 0) return;
    var b = el('button', { type: 'button', testid: 'filter-' + f.id, 'aria-pressed': f === state.filter ? 'true' : 'false' }, f.label + ' (' + count + ')');
    b.addEventListener('click', function () {
      state.filter = f;
      Array.prototype.forEach.call(buttons.children, function (x) { x.setAttribute('aria-pressed', x === b ? 'true' : 'false'); });
      applyFilter();
    });
    add(buttons, b);
  });
  var search = el('input', { type: 'search', testid: 'search', placeholder: 'Search id, description, variables, outputs…', 'aria-label': 'Search cases' });
  var timer = null;
  search.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.query = search.value.trim().toLowerCase(); applyFilter(); }, 120);
  });
  moreButton.addEventListener('click', function () { showRows(state.shown, Math.min(state.shown + PAGE_SIZE, state.matches.length)); });
  tbody.addEventListener('click', function (event) {
    var tr = event.target.closest('tr[data-index]');
    if (tr) openDetail(Number(tr.getAttribute('data-index')));
  });
  tbody.addEventListener('keydown', function (event) {
    var tr = event.target.closest('tr[data-index]');
    if (tr && (event.key === 'Enter' || event.key === ' ')) { event.preventDefault(); openDetail(Number(tr.getAttribute('data-index'))); }
  });
  var head = ['Status'].concat(COMPARING ? ['Change'] : [], ['Suite › model', 'Case', 'Pass rate', 'Candidate output']);
  return el('section', null, el('h2', null, 'Cases'),
    el('div', { cls: 'toolbar' }, buttons, search, countLabel),
    el('div', { cls: 'scroll' }, el('table', { id: 'cases', testid: 'cases' },
      el('thead', null, el('tr', null, head.map(function (h) { return el('th', { cls: h === 'Pass rate' ? 'num' : null }, h); }))), tbody)),
    emptyRow, moreButton);
}
`;
