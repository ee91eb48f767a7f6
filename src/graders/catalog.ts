import type { GraderDefinition } from './definition.js';
import type { Grader } from './types.js';
import { javascriptDefinitions } from './code-js.js';
import { pythonDefinitions } from './code-python.js';
import { finishReasonDefinitions } from './finish-reason.js';
import { jsDefinitions } from './js.js';
import { jsonDefinitions } from './json.js';
import { jsonPathDefinitions } from './json-path.js';
import { markupDefinitions } from './markup.js';
import { metricDefinitions } from './metrics.js';
import { modelGradedDefinitions } from './model-graded/index.js';
import { moderationDefinitions } from './moderation.js';
import { perplexityDefinitions } from './perplexity.js';
import { refusalDefinitions } from './refusal.js';
import { regexDefinitions } from './regex.js';
import { rubricDefinitions } from './rubric.js';
import { similarDefinitions } from './similar.js';
import { sqlDefinitions } from './sql.js';
import { textMetricDefinitions } from './text-metrics.js';
import { textDefinitions } from './text.js';
import { toolCallDefinitions } from './tool-call.js';
import { webhookDefinitions } from './webhook.js';

/**
 * Every grader type promptgate runs: the one list. The spec parser (names, aliases, values), the
 * grader lookup and `check` read it; a grader module adds its types by exporting definitions here.
 */
export const GRADER_DEFINITIONS: readonly GraderDefinition[] = [
  ...textDefinitions,
  ...regexDefinitions,
  ...jsonDefinitions,
  ...rubricDefinitions,
  ...jsDefinitions,
  ...metricDefinitions,
  ...javascriptDefinitions,
  ...pythonDefinitions,
  ...webhookDefinitions,
  ...similarDefinitions,
  ...moderationDefinitions,
  ...perplexityDefinitions,
  ...modelGradedDefinitions,
  ...textMetricDefinitions,
  ...markupDefinitions,
  ...sqlDefinitions,
  ...refusalDefinitions,
  ...finishReasonDefinitions,
  ...toolCallDefinitions,
  ...jsonPathDefinitions,
];

const byType = new Map(GRADER_DEFINITIONS.map((definition) => [definition.type, definition]));
const byName = new Map<string, GraderDefinition>();
for (const definition of GRADER_DEFINITIONS) {
  for (const name of [definition.type, ...(definition.aliases ?? [])]) {
    if (byName.has(name)) throw new Error(`grader name '${name}' is defined twice`);
    byName.set(name, definition);
  }
}

/** The definition a spec name (a type or an alias, without `not-`) means, or undefined. */
export function definitionNamed(name: string): GraderDefinition | undefined {
  return byName.get(name);
}

/** The definition of a type as run.json records it, or undefined for a type this version does not know. */
export function definitionOf(type: string): GraderDefinition | undefined {
  return byType.get(type);
}

/** The grader for a type, or undefined for a type this version does not know. */
export function getGrader(type: string): Grader | undefined {
  return byType.get(type)?.grade;
}

/** Every name a spec may use for a type promptgate runs (types and aliases). */
export function graderNames(): string[] {
  return [...byName.keys()];
}
