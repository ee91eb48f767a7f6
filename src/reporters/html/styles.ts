/** The report's stylesheet, inlined into report.html (the CSP allows inline styles only). */
export const REPORT_CSS = `
:root {
  --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --bg: #ffffff; --bg-soft: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --regressed: #a40e26; --regressed-bg: #ffd8d3; --improved: #0969da; --improved-bg: #ddf4ff;
  --error: #9a6700; --error-bg: #fff8c5; --accent: #0969da;
}
* { box-sizing: border-box; }
html { font-size: 14px; }
body { margin: 0; color: var(--fg); background: var(--bg); line-height: 1.45;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 20px 24px 60px; }
h1 { font-size: 1.6rem; margin: 0 0 6px; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 1.2rem; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
h3 { font-size: 1rem; margin: 18px 0 8px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.92em; }
.muted { color: var(--muted); }
.meta { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 8px 0; color: var(--muted); }
.meta b { color: var(--fg); font-weight: 600; }
.reasons { margin: 8px 0; padding-left: 20px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 0.85em; font-weight: 600;
  border: 1px solid transparent; white-space: nowrap; background: var(--bg-soft); color: var(--muted); }
h1 .badge { font-size: 0.9rem; padding: 3px 12px; }
.badge.pass, .badge.unchanged-pass { background: var(--pass-bg); color: var(--pass); }
.badge.fail, .badge.unchanged-fail { background: var(--fail-bg); color: var(--fail); }
.badge.regressed { background: var(--regressed-bg); color: var(--regressed); border-color: var(--regressed); }
.badge.improved { background: var(--improved-bg); color: var(--improved); }
.badge.error, .badge.errored, .badge.none, .badge.ungraded, .badge.flaky, .badge.inconclusive { background: var(--error-bg); color: var(--error); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { background: var(--bg-soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.delta-neg { color: var(--fail); font-weight: 600; }
.delta-pos { color: var(--pass); font-weight: 600; }
.chart { display: grid; grid-template-columns: minmax(160px, max-content) 1fr; gap: 6px 14px; align-items: center; max-width: 900px; }
.chart-label { font-weight: 600; overflow-wrap: anywhere; }
.bars { display: flex; flex-direction: column; gap: 3px; }
.bar-line { display: flex; align-items: center; gap: 8px; }
.bar-track { flex: 1; background: var(--bg-soft); border-radius: 3px; height: 14px; overflow: hidden; }
.bar { height: 100%; border-radius: 3px; background: var(--accent); }
.bar.baseline { background: #8c959f; }
.bar-value { width: 110px; font-size: 0.85em; color: var(--muted); font-variant-numeric: tabular-nums; }
.legend { display: flex; gap: 16px; margin: 6px 0 12px; color: var(--muted); font-size: 0.9em; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; background: var(--accent); }
.swatch.baseline { background: #8c959f; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 10px; position: sticky; top: 0;
  background: var(--bg); padding: 8px 0; z-index: 2; }
.toolbar button, .more { font: inherit; padding: 4px 12px; border: 1px solid var(--border); border-radius: 6px; background: var(--bg-soft); cursor: pointer; }
.toolbar button[aria-pressed="true"] { background: var(--fg); color: #fff; border-color: var(--fg); }
.toolbar button:hover, .more:hover { border-color: var(--muted); }
.toolbar input { font: inherit; padding: 5px 10px; border: 1px solid var(--border); border-radius: 6px; min-width: 280px; flex: 1; max-width: 480px; }
.filters { display: flex; flex-wrap: wrap; gap: 6px; }
.count { margin-left: auto; color: var(--muted); }
#cases tbody tr { cursor: pointer; }
#cases tbody tr:hover { background: var(--bg-soft); }
#cases tbody tr.selected { background: var(--improved-bg); }
#cases tbody tr:focus { outline: 2px solid var(--accent); outline-offset: -2px; }
td.preview { max-width: 520px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--muted); }
td.case-name { overflow-wrap: anywhere; min-width: 160px; }
.more { margin: 12px 0; }
.empty { padding: 20px; text-align: center; color: var(--muted); }
aside.detail { position: fixed; top: 0; right: 0; bottom: 0; width: min(1100px, 96vw); background: var(--bg); z-index: 10;
  box-shadow: -8px 0 24px rgba(31, 35, 40, 0.2); overflow: auto; padding: 16px 22px 40px; border-left: 1px solid var(--border); }
aside.detail[hidden] { display: none; }
.detail-head { display: flex; justify-content: space-between; align-items: flex-start; gap: 12px; }
.detail-head h2 { border: 0; margin: 0; overflow-wrap: anywhere; }
.close { font: inherit; font-size: 1.3rem; line-height: 1; border: 1px solid var(--border); background: var(--bg-soft); border-radius: 6px; padding: 2px 10px; cursor: pointer; }
.sides { margin-top: 14px; display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 14px; }
.side { border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px; min-width: 0; }
.side h4 { margin: 0 0 8px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
pre.output, pre.value, .diff { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.92em; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg-soft); border: 1px solid var(--border);
  border-radius: 6px; padding: 8px 10px; margin: 0 0 8px; max-height: 420px; overflow: auto; }
pre.value { max-height: 200px; margin: 0; }
.call-error { color: var(--error); background: var(--error-bg); border-radius: 6px; padding: 6px 10px; margin-bottom: 8px; overflow-wrap: anywhere; }
.facts { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 0.88em; color: var(--muted); margin-bottom: 6px; }
.assertions td { font-size: 0.92em; overflow-wrap: anywhere; }
.diff .ins { background: var(--pass-bg); color: #116329; text-decoration: none; }
.diff .del { background: var(--fail-bg); color: #82071e; text-decoration: line-through; margin-right: 2px; }
ul.tool-calls { list-style: none; margin: 0 0 8px; padding: 6px 10px; background: var(--bg-soft); border: 1px solid var(--border); border-radius: 6px;
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.92em; overflow-wrap: anywhere; }
.refusal { color: var(--error); background: var(--error-bg); border-radius: 6px; padding: 6px 10px; margin-bottom: 8px; overflow-wrap: anywhere; }
ul.tool-diff { list-style: none; }
.backdrop { position: fixed; inset: 0; background: rgba(31, 35, 40, 0.25); z-index: 9; }
.backdrop[hidden] { display: none; }
.note { color: var(--muted); font-size: 0.88em; font-style: italic; margin: 4px 0 8px; }
.vars td:first-child { width: 1%; white-space: nowrap; font-weight: 600; }
`;
