/**
 * What registry names may look like — label names, prompt ids and versions — checked in one place.
 * They become file names (file store), URL paths (HTTP store) and keys (PostgreSQL), so every value
 * read from a request or from a store goes through here first.
 */
import { PromptgateError } from '../errors.js';
import { PROMPT_ID_PATTERN } from '../prompts/parse.js';
import { validSemver } from '../prompts/lazy.js';

/** A label: lower case letters, digits, `.`, `_`, `-`; 1 to 64 characters, not starting with `.`, `_` or `-`. */
export const LABEL_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function isLabelName(label: string): boolean {
  return LABEL_PATTERN.test(label);
}

/** A prompt id as promptgate names prompts (the .prompt file name without the extension). */
export function isRegistryId(id: string): boolean {
  return PROMPT_ID_PATTERN.test(id) && id.length <= 200;
}

/** A semver version as a parsed prompt carries it: canonical (`1.2.0`; not `v1.2.0`, and no `+build` metadata, which parsing drops). */
export function isRegistryVersion(version: string): boolean {
  return version.length <= 200 && validSemver(version) === version;
}

/** Throws USAGE (exit 2) unless `label` is a valid label name. */
export function assertLabel(label: string): void {
  if (!isLabelName(label)) {
    throw new PromptgateError('USAGE', `label ${JSON.stringify(label)} is not a valid label name`, {
      hint: 'lower case letters, digits, ".", "_" and "-", up to 64 characters, starting with a letter or digit',
    });
  }
}

/** Throws USAGE (exit 2) unless `id` is a valid prompt id. */
export function assertRegistryId(id: string): void {
  if (!isRegistryId(id)) {
    throw new PromptgateError('USAGE', `prompt id ${JSON.stringify(id)} is not valid`, {
      hint: 'letters, digits, ".", "_" and "-"; not starting with "." or "-"',
    });
  }
}

/** Throws USAGE (exit 2) unless `version` is a canonical semver version. */
export function assertRegistryVersion(version: string): void {
  if (!isRegistryVersion(version)) {
    throw new PromptgateError('USAGE', `version ${JSON.stringify(version)} is not a semver version`, { hint: 'e.g. 1.2.0' });
  }
}

/** Parses `<id>@<version>` (as `promote` takes it); throws USAGE naming the text when it is not one. */
export function parseVersionRef(text: string): { id: string; version: string } {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) {
    throw new PromptgateError('USAGE', `${JSON.stringify(text)} is not <id>@<version>`, { hint: 'e.g. greet@1.2.0' });
  }
  const id = text.slice(0, at);
  const version = text.slice(at + 1);
  assertRegistryId(id);
  assertRegistryVersion(version);
  return { id, version };
}
