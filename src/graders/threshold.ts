/** A threshold or limit written in a spec (`(0.8)`, `latency:2000`): a finite number ≥ 0, else `fail`. */
export function parseThreshold(text: string, fail: (message: string) => Error): number {
  const trimmed = text.trim();
  const number = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(number) || number < 0) throw fail(`threshold '${text}' is not a number ≥ 0`);
  return number;
}
