export { classifyChange } from './classify.js';
export { analyseGate, compareRows, decideGate, undecidedCases, type CaseFinding, type CompareOptions, type GateAnalysis } from './gate.js';
export { buildComparison } from './build-comparison.js';
export { perCaseTest, fisherWorse, type CaseCounts, type PerCaseResult } from './per-case.js';
export { floorTest, type FloorData, type FloorResult } from './floor-test.js';
export { binomialCdf, binomialSf, clopperPearsonUpper, createRandom, mcnemarExact, mcnemarMidP } from './stats.js';
