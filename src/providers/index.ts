export type * from './types.js';
export { createProvider } from './registry.js';
