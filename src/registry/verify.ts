/**
 * A stored version is trusted only when its content still hashes to its recorded hash and parses
 * as the prompt it claims to be: every store checks this before handing a version out.
 */
import { PromptgateError } from '../errors.js';
import { parsePromptSource } from '../prompts/parse.js';
import type { LabelState, PublishedVersion, ServedVersion } from './types.js';

/**
 * Recomputes the hash of `version.source` (the same hash as PromptFile.hash: parsePromptSource's)
 * and parses it; throws REGISTRY_TAMPERED (naming `where`, the store's display url) when the hash,
 * the id or the version does not match, or the source is not a valid prompt.
 */
export function verifyVersion(version: PublishedVersion, where: string): void {
  const name = `${version.id}@${version.version}`;
  const tampered = (why: string) =>
    new PromptgateError('REGISTRY_TAMPERED', `${name} in ${where}: ${why}`, {
      hint: 'the stored content was changed after it was published; republish it under a new version',
    });
  if (typeof version.source !== 'string') throw tampered('it has no source');
  let parsed: ReturnType<typeof parsePromptSource>;
  try {
    parsed = parsePromptSource(version.source, typeof version.path === 'string' && version.path !== '' ? version.path : `${version.id}.prompt`);
  } catch (error) {
    throw tampered(`its source is not a valid prompt (${error instanceof Error ? error.message : String(error)})`);
  }
  if (parsed.hash !== version.hash) throw tampered(`its content hashes to ${parsed.hash}, not to the recorded ${version.hash}`);
  if (parsed.id !== version.id) throw tampered(`its source is prompt ${parsed.id}, not ${version.id}`);
  if (parsed.version !== version.version) throw tampered(`its source is version ${parsed.version}, not ${version.version}`);
}

/**
 * What a label serves: each pointer with its version, verified. A version that is missing, whose
 * hash differs from the pointer's, or that fails verifyVersion is refused, not served.
 */
export async function resolveServed(
  states: LabelState[],
  load: (id: string, version: string) => Promise<PublishedVersion | undefined>,
  where: string,
): Promise<{ served: ServedVersion[]; refused: Array<{ id: string; version: string; message: string }> }> {
  const served: ServedVersion[] = [];
  const refused: Array<{ id: string; version: string; message: string }> = [];
  // A version file that is not a version at all (STORE_INVALID) is refused like a tampered one.
  const loaded = await Promise.all(
    states.map((state) => load(state.id, state.version).then((version) => ({ version, error: undefined }), (error: unknown) => ({ version: undefined, error }))),
  );
  for (const [index, state] of states.entries()) {
    const { version, error: loadError } = loaded[index];
    const name = `${state.id}@${state.version}`;
    try {
      if (loadError) throw loadError;
      if (!version) throw new PromptgateError('REGISTRY_TAMPERED', `${name} in ${where}: label ${state.label} points to it, but the store does not hold it`);
      if (version.hash !== state.hash) {
        throw new PromptgateError('REGISTRY_TAMPERED', `${name} in ${where}: label ${state.label} points to hash ${state.hash}, the stored version has ${version.hash}`);
      }
      verifyVersion(version, where);
      served.push({ state, version });
    } catch (error) {
      if (!(error instanceof PromptgateError) || (error.code !== 'REGISTRY_TAMPERED' && error.code !== 'STORE_INVALID')) throw error;
      refused.push({ id: state.id, version: state.version, message: error.message });
    }
  }
  return { served, refused };
}

/** REGISTRY_IMMUTABLE (exit 1): `id@version` is already published with other content. */
export function immutable(version: PublishedVersion, existing: { hash: string }, where: string): PromptgateError {
  return new PromptgateError(
    'REGISTRY_IMMUTABLE',
    `${version.id}@${version.version} is already published in ${where} with hash ${existing.hash}; this content hashes to ${version.hash}`,
    { hint: 'published versions never change: bump the version in the prompt file', exitCode: 1 },
  );
}

