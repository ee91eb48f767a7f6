/** history.html's stylesheet, after report.html's (the CSP allows inline styles only). */
export const HISTORY_CSS = `
.series { border: 1px solid var(--border); border-radius: 8px; padding: 4px 14px 10px; margin: 0 0 14px; }
.series h3 { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
.series-name { overflow-wrap: anywhere; }
.series-latest { font-weight: normal; font-size: 0.9em; overflow-wrap: anywhere; }
.chart-title { font-size: 0.85em; margin: 4px 0 0; }
.chart-svg { display: block; width: 100%; height: auto; max-width: 1100px; overflow: visible; }
.small-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 4px 20px; max-width: 1100px; }
.chart-svg .grid { stroke: var(--border); stroke-width: 1; }
.chart-svg .axis { font-size: 11px; fill: var(--muted); }
.chart-svg .axis.y { text-anchor: end; }
.chart-svg .axis.x { text-anchor: middle; }
.chart-svg .axis.x.first { text-anchor: start; }
.chart-svg .axis.x.last { text-anchor: end; }
.chart-svg .line { fill: none; stroke-width: 1.8; stroke-linejoin: round; }
.chart-svg .line.pass-rate { stroke: var(--accent); }
.chart-svg .line.cost { stroke: #8250df; }
.chart-svg .line.p50 { stroke: #1a7f37; }
.chart-svg .line.p95 { stroke: #bc4c00; stroke-dasharray: 4 3; }
.chart-svg .points circle { fill: var(--accent); stroke: #fff; stroke-width: 1; }
.chart-svg .points a:hover circle, .chart-svg .points a:focus circle { fill: var(--fg); r: 5; }
.chart-svg .marker line { stroke-width: 1.2; stroke-dasharray: 3 3; }
.chart-svg .marker.model line { stroke: #bc4c00; }
.chart-svg .marker.prompt line { stroke: #8250df; }
.chart-svg .marker-label { font-size: 10.5px; }
.chart-svg .marker.model .marker-label { fill: #bc4c00; }
.chart-svg .marker.prompt .marker-label { fill: #8250df; }
.key { font-weight: 600; }
.key.p50 { color: #1a7f37; } .key.p95 { color: #bc4c00; }
.changes { margin: 6px 0 0; padding-left: 18px; font-size: 0.9em; }
.changes code { overflow-wrap: anywhere; }
.badge.change-model { background: #fff1e5; color: #bc4c00; }
.badge.change-prompt { background: #fbefff; color: #8250df; }
.badge.newly-failing { background: var(--regressed-bg); color: var(--regressed); }
.badge.failing { background: var(--fail-bg); color: var(--fail); }
.toolbar label { display: inline-flex; gap: 6px; align-items: center; }
.toolbar select { font: inherit; padding: 4px 8px; border: 1px solid var(--border); border-radius: 6px; max-width: 260px; }
.heat { display: grid; grid-template-columns: var(--labels) 1fr; align-items: start; }
.heat-row { height: 16px; line-height: 14px; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding-right: 8px; }
.heat-row .badge { font-size: 10px; padding: 0 6px; margin-right: 6px; }
.heat-row .muted { margin-left: 6px; }
.heat-scroll { overflow-x: auto; min-width: 0; }
.heat-canvases canvas { display: block; cursor: pointer; }
.heat-foot { display: flex; gap: 12px; align-items: center; margin: 8px 0; }
.heat-foot .count { margin-left: 0; }
.heat-tip { position: absolute; z-index: 5; background: var(--fg); color: #fff; padding: 4px 8px; border-radius: 4px; font-size: 12px; white-space: pre; pointer-events: none; }
.swatch.o-p { background: rgb(45, 164, 78); } .swatch.o-f { background: rgb(207, 34, 46); }
.swatch.o-e { background: rgb(212, 167, 44); } .swatch.o-s { background: rgb(175, 184, 193); }
.swatch.o-none { background: rgb(240, 242, 244); border: 1px solid var(--border); }
`;
