/** The report's data, read once from the page's non-executed JSON script element. */
import type { ReportCase, ReportData } from '../data.js';
import type { ReportView } from '../view.js';

export type PageData = ReportData & { view: ReportView };

const source = document.getElementById('data');
export const DATA: PageData = JSON.parse(source?.textContent ?? '{}') as PageData;
export const RUN = DATA.run;
export const VIEW = DATA.view;
export const CASES: ReportCase[] = DATA.cases;
/** Whether the page shows a comparison (a Change column, baseline sides). */
export const COMPARING = Boolean(RUN.comparison) || CASES.some((c) => Boolean(c.baseline));
