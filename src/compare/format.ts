/** Number formatting for the gate's human sentences (plain text; reporters escape as they render). */

const MINUS = '\u2212';

/** `0.62`; negatives with a real minus sign. */
export function formatRate(value: number): string {
  const fixed = Math.abs(value).toFixed(2);
  return value < 0 && fixed !== '0.00' ? MINUS + fixed : fixed;
}

/** `+0.05`, `−0.21`, `0.00`. */
export function formatDelta(value: number): string {
  const fixed = Math.abs(value).toFixed(2);
  if (fixed === '0.00') return fixed;
  return (value < 0 ? MINUS : '+') + fixed;
}

/** `p=0.032`, `p<0.0001`. */
export function formatP(p: number): string {
  return p < 0.0001 ? 'p<0.0001' : `p=${Number(p.toPrecision(2))}`;
}

/** `p=0.032 < 0.05` or `p=0.21 ≥ 0.05`. */
export function formatTest(p: number, alpha: number): string {
  return `${formatP(p)} ${p < alpha ? '<' : '\u2265'} ${alpha}`;
}

/**
 * `95% bounds −0.27 … −0.15`: each end a one-sided (1 − alpha) confidence bound from the gate's
 * own tests (the upper end family-wise), so together at least a 1 − 2·alpha interval.
 */
export function formatBounds(ci: [number, number], alpha: number): string {
  const level = Number(((1 - alpha) * 100).toFixed(2));
  return `${level}% bounds ${formatRate(ci[0])} \u2026 ${formatRate(ci[1])}`;
}

/** `1 case`, `3 cases`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
