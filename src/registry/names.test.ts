import { describe, expect, it } from 'vitest';
import { PromptgateError } from '../errors.js';
import { isLabelName, isRegistryId, isRegistryVersion, parseVersionRef } from './names.js';

describe('registry names', () => {
  it('accepts lower-case label names up to 64 characters and nothing that could be a path', () => {
    for (const label of ['production', 'staging-eu', 'v2.canary', 'a', '0', 'a'.repeat(64)]) expect(isLabelName(label), label).toBe(true);
    for (const label of ['', 'Production', '-x', '.x', '_x', 'a/b', '..', 'a b', 'a'.repeat(65), 'prod\n']) expect(isLabelName(label), label).toBe(false);
  });

  it('accepts prompt ids as promptgate names prompts, and canonical semver only', () => {
    expect(isRegistryId('greet_v2.x')).toBe(true);
    for (const id of ['', '../x', '.hidden', 'a/b', 'a\\b']) expect(isRegistryId(id), id).toBe(false);
    for (const version of ['1.0.0', '2.1.3-rc.1']) expect(isRegistryVersion(version), version).toBe(true);
    // What a prompt's front matter can yield: parsing cleans `v1.0.0` and `1.0.0+build.7` to 1.0.0.
    for (const version of ['v1.0.0', '1.0.0+build.7', '1.0', ' 1.0.0', '1.0.0/..', '']) expect(isRegistryVersion(version), version).toBe(false);
  });

  it('parses <id>@<version>, and refuses anything else with USAGE naming it', () => {
    expect(parseVersionRef('greet@1.2.0')).toEqual({ id: 'greet', version: '1.2.0' });
    for (const text of ['greet', 'greet@', '@1.0.0', 'greet@v1', '../x@1.0.0']) {
      const error = (() => {
        try {
          parseVersionRef(text);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error, text).toBeInstanceOf(PromptgateError);
      expect((error as PromptgateError).code).toBe('USAGE');
    }
  });
});
