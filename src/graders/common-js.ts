/**
 * A CommonJS package's exports from `import()`: Node gives them as `default` (and most as named
 * exports too); the CLI bundle gives a split-off CommonJS chunk a `default` export only. So graders
 * that load a CommonJS package lazily read its exports through this.
 */
export function commonJs<T extends object>(module: T): T {
  const exports = (module as { default?: unknown }).default;
  return exports !== null && typeof exports === 'object' ? (exports as T) : module;
}
