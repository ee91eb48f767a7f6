import { createRequire } from 'node:module';

/**
 * yaml, handlebars, nunjucks and semver cost ~30 ms to load together. They are required on first use
 * (parsing and rendering are synchronous, so `require`, not `import()`), so importing prompts/
 * stays cheap for code that never parses a prompt.
 *
 * In the CLI bundle (esbuild defines PROMPTGATE_BUNDLE) the calls are plain `require('…')`, which
 * esbuild bundles as lazily initialised modules; in the library build, `require` comes from
 * createRequire.
 */
declare const PROMPTGATE_BUNDLE: boolean | undefined;
const bundled = typeof PROMPTGATE_BUNDLE !== 'undefined' && PROMPTGATE_BUNDLE;
const requireHere = bundled ? undefined : createRequire(import.meta.url);

let yamlModule: typeof import('yaml') | undefined;
let handlebarsModule: typeof import('handlebars') | undefined;
let nunjucksModule: typeof import('nunjucks') | undefined;
let semverValid: ((version: string) => string | null) | undefined;

/** The `yaml` package, required on first call. */
export function loadYaml(): typeof import('yaml') {
  yamlModule ??= (requireHere ? requireHere('yaml') : require('yaml')) as typeof import('yaml');
  return yamlModule;
}

/** The `handlebars` package, required on first call. */
export function loadHandlebars(): typeof import('handlebars') {
  handlebarsModule ??= (requireHere ? requireHere('handlebars') : require('handlebars')) as typeof import('handlebars');
  return handlebarsModule;
}

/** The `nunjucks` package, required on first call (only prompts and assertion values written in Nunjucks need it). */
export function loadNunjucks(): typeof import('nunjucks') {
  nunjucksModule ??= (requireHere ? requireHere('nunjucks') : require('nunjucks')) as typeof import('nunjucks');
  return nunjucksModule;
}

/** semver's `valid`: the cleaned version, or null when it is not semver. */
export function validSemver(version: string): string | null {
  semverValid ??= (requireHere ? requireHere('semver/functions/valid.js') : require('semver/functions/valid.js')) as (version: string) => string | null;
  return semverValid(version);
}
