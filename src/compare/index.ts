export { classifyChange } from './classify.js';
export { compareRows, decideGate, type CompareOptions } from './gate.js';
export { buildComparison } from './build-comparison.js';
export { signFlipTest, type SignFlipOptions, type SignFlipResult } from './permutation.js';
export {
  binomialCdf,
  binomialSf,
  bootstrapMeanIntervals,
  clopperPearsonUpper,
  createRandom,
  mcnemarExact,
  quantile,
  quantileSorted,
} from './stats.js';
