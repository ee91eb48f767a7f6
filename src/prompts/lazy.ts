import { createRequire } from 'node:module';

/**
 * yaml, handlebars and semver cost ~100 ms to import together. They are required on first use
 * (parsing and rendering are synchronous, so `require`, not `import()`), so importing prompts/
 * stays cheap for code that never parses a prompt.
 */
const require = createRequire(import.meta.url);

let yamlModule: typeof import('yaml') | undefined;
let handlebarsModule: typeof import('handlebars') | undefined;
let semverValid: ((version: string) => string | null) | undefined;

/** The `yaml` package, required on first call. */
export function loadYaml(): typeof import('yaml') {
  return (yamlModule ??= require('yaml') as typeof import('yaml'));
}

/** The `handlebars` package, required on first call. */
export function loadHandlebars(): typeof import('handlebars') {
  return (handlebarsModule ??= require('handlebars') as typeof import('handlebars'));
}

/** semver's `valid`: the cleaned version, or null when it is not semver. */
export function validSemver(version: string): string | null {
  semverValid ??= require('semver/functions/valid.js') as (version: string) => string | null;
  return semverValid(version);
}
