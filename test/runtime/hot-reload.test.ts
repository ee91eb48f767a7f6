import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPrompts, type PromptChange, type PromptRegistry } from '../../src/index.js';
import { parsePromptSource } from '../../src/prompts/index.js';
import { buildLock, formatLock } from '../../src/runtime/lock.js';
import { makeProject } from '../helpers/cli.js';
import { eventQueue, summarizeSource } from './fixtures.js';

let open: PromptRegistry | undefined;
afterEach(() => open?.close());

async function watched(files: Record<string, string>, lock?: Record<string, string>) {
  const dir = await makeProject(lock ? { ...files, 'prompts.lock.json': lockText(lock) } : files);
  const changes = eventQueue<PromptChange>();
  const errors = eventQueue<Error>();
  open = await loadPrompts({ dir: join(dir, 'prompts'), watch: true, debounceMs: 20, onChange: changes.push, onError: errors.push });
  return { dir, prompts: open, changes, errors };
}

function lockText(files: Record<string, string>): string {
  return formatLock(buildLock(Object.entries(files).map(([path, source]) => parsePromptSource(source, path))));
}

describe('loadPrompts({ watch: true })', () => {
  it('serves a changed file without a restart, through the same handle and a fresh get', async () => {
    const { dir, prompts, changes } = await watched({ 'prompts/summarize.prompt': summarizeSource('1.0.0') });
    const handle = prompts.get('summarize');
    const before = handle.hash;
    await writeFile(join(dir, 'prompts/summarize.prompt'), summarizeSource('1.0.1', 'temperature: 0', 'Summarize briefly: {{text}}'));
    const change = await changes.next();
    expect(change).toMatchObject({ id: 'summarize', version: '1.0.1', previous: { version: '1.0.0', hash: before } });
    expect(handle.version).toBe('1.0.1');
    expect(handle.hash).not.toBe(before);
    expect(prompts.get('summarize').render({ text: 'x' }).at(-1)?.content).toBe('Summarize briefly: x');
    expect(prompts.get('summarize').openai({ text: 'x' })).toMatchObject({ temperature: 0 });
  });

  it('keeps the last good version when the new file is invalid, and reports it', async () => {
    const { dir, prompts, changes, errors } = await watched({ 'prompts/summarize.prompt': summarizeSource('1.0.0') });
    await writeFile(join(dir, 'prompts/summarize.prompt'), '---\nversion: not-semver\n---\nbroken {{#if}}\n');
    const error = await errors.next();
    expect(error.message).toContain('prompts/summarize.prompt');
    expect(error.message).toContain('still serving summarize@1.0.0');
    expect(prompts.get('summarize').version).toBe('1.0.0');
    expect(prompts.get('summarize').render({ text: 'ok' }).at(-1)?.content).toBe('Summarize in one line: ok');

    // A later valid edit is picked up (written as deploys do: a temp file renamed over it).
    await writeFile(join(dir, 'prompts/summarize.tmp'), summarizeSource('1.1.0'));
    await rename(join(dir, 'prompts/summarize.tmp'), join(dir, 'prompts/summarize.prompt'));
    expect((await changes.next()).version).toBe('1.1.0');
    expect(prompts.get('summarize').version).toBe('1.1.0');
  });

  it('loads a prompt file added while running', async () => {
    const { dir, prompts, changes } = await watched({ 'prompts/summarize.prompt': summarizeSource('1.0.0') });
    expect(prompts.has('greet')).toBe(false);
    await writeFile(join(dir, 'prompts/greet.prompt'), '---\nversion: 0.1.0\n---\nHi {{name}}\n');
    expect(await changes.next()).toMatchObject({ id: 'greet', version: '0.1.0', previous: undefined });
    expect(prompts.ids()).toEqual(['greet', 'summarize']);
  });

  it('under a lock, refuses a tampered edit and serves it once the lock is updated', async () => {
    const original = { 'prompts/summarize.prompt': summarizeSource('1.0.0') };
    const { dir, prompts, changes, errors } = await watched(original, original);
    const edited = summarizeSource('1.0.1', 'temperature: 1');
    await writeFile(join(dir, 'prompts/summarize.prompt'), edited);
    const error = await errors.next();
    expect(error).toMatchObject({ code: 'LOCK_MISMATCH' });
    expect(error.message).toContain('still serving summarize@1.0.0');
    expect(prompts.get('summarize').version).toBe('1.0.0');

    await writeFile(join(dir, 'prompts.lock.json'), lockText({ 'prompts/summarize.prompt': edited }));
    expect((await changes.next()).version).toBe('1.0.1');
    expect(prompts.get('summarize').version).toBe('1.0.1');
  });

  it('stops reloading after close()', async () => {
    const { dir, prompts, changes } = await watched({ 'prompts/summarize.prompt': summarizeSource('1.0.0') });
    prompts.close();
    await writeFile(join(dir, 'prompts/summarize.prompt'), summarizeSource('2.0.0'));
    await expect(changes.next(300)).rejects.toThrow(/no event/);
    expect(prompts.get('summarize').version).toBe('1.0.0');
  });
});
