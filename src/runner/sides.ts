import type { PromptFile } from '../prompts/types.js';
import type { SideResult } from '../run-record/types.js';

/**
 * Where one side of a comparison gets its answers: a prompt version to run, a stored run's
 * recorded results (no calls), or nothing (the prompt did not exist at that revision).
 */
export type SideSource =
  | { kind: 'prompt'; prompt: PromptFile; label?: string; /** Full commit id the prompt was read from (git revisions and versions). */ commit?: string }
  | { kind: 'stored'; label: string; lookup(suite: string, model: string, caseId: string): SideResult | undefined; prompt?: { id: string; version: string; hash: string; path: string } }
  | { kind: 'absent'; label?: string };

export function promptOf(source: SideSource): { id: string; version: string; hash: string; path: string } | undefined {
  if (source.kind === 'prompt') return source.prompt;
  if (source.kind === 'stored') return source.prompt;
  return undefined;
}
