export { classifyChange } from './classify.js';
export { compareRows } from './gate.js';
export { buildComparison } from './build-comparison.js';
