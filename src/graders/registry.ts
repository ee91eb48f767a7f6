import type { GraderType } from '../cases/types.js';
import type { Grader } from './types.js';
import { isJson, schema } from './json.js';
import { js } from './js.js';
import { cost, latency } from './metrics.js';
import { regex } from './regex.js';
import { rubric } from './rubric.js';
import { contains, containsAll, containsAny, equals, icontains, startsWith } from './text.js';

/** Grader type → grader (aliases such as `llm-rubric` are resolved by the spec parser). */
export const graders: Readonly<Record<GraderType, Grader>> = {
  equals,
  contains,
  icontains,
  'contains-any': containsAny,
  'contains-all': containsAll,
  'starts-with': startsWith,
  regex,
  'is-json': isJson,
  schema,
  rubric,
  js,
  latency,
  cost,
};

/** The grader for a type, or undefined for a type this version does not know. */
export function getGrader(type: string): Grader | undefined {
  return Object.hasOwn(graders, type) ? graders[type as GraderType] : undefined;
}
