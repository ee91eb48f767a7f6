import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPromptgateError, loadPrompts, type PromptgateError } from '../../src/index.js';
import { parsePromptSource } from '../../src/prompts/index.js';
import { buildLock, formatLock } from '../../src/runtime/lock.js';
import { makeProject } from '../helpers/cli.js';
import { summarizeSource } from './fixtures.js';

const GREET = '---\nversion: 0.3.0\n---\nHello {{name}}, you are {{age}}.\n';

async function rejection(promise: Promise<unknown>): Promise<PromptgateError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(isPromptgateError(error)).toBe(true);
  return error as PromptgateError;
}

/** A lock for the given prompt sources, as `promptgate lock` would write it. */
function lockFor(files: Record<string, string>): string {
  return formatLock(buildLock(Object.entries(files).map(([path, source]) => parsePromptSource(source, path))));
}

describe('loadPrompts', () => {
  it('serves each prompt with id, version, hash, model, config and a neutral render', async () => {
    const dir = await makeProject({ 'prompts/summarize.prompt': summarizeSource('1.2.0'), 'prompts/greet.prompt': GREET });
    const prompts = await loadPrompts({ dir: join(dir, 'prompts') });
    expect(prompts.ids()).toEqual(['greet', 'summarize']);
    expect(prompts.lockFile).toBeUndefined();
    const summarize = prompts.get('summarize');
    expect(summarize).toMatchObject({ id: 'summarize', version: '1.2.0', model: 'gpt-4o-mini', config: { temperature: 0.2, maxOutputTokens: 64 }, path: 'prompts/summarize.prompt' });
    expect(summarize.hash).toBe(parsePromptSource(summarizeSource('1.2.0'), 'x/summarize.prompt').hash);
    expect(summarize.render({ text: 'abc' })).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Summarize in one line: abc' },
    ]);
    expect(prompts.get('greet').render({ name: 'Ada', age: 36 })).toEqual([{ role: 'user', content: 'Hello Ada, you are 36.' }]);
    expect(prompts.get('summarize')).toBe(summarize);
  });

  it('checks variables strictly: a missing one is an error naming the prompt version, never an empty string', async () => {
    const dir = await makeProject({ 'prompts/greet.prompt': GREET });
    const greet = (await loadPrompts({ dir: join(dir, 'prompts') })).get('greet');
    for (const call of [() => greet.render({ name: 'Ada' }), () => greet.openai({ name: 'Ada' }), () => greet.anthropic({ name: 'Ada' })]) {
      expect(call).toThrowError(expect.objectContaining({ code: 'VARS_INVALID', message: expect.stringMatching(/greet@0\.3\.0.*missing variable 'age'/) }));
    }
    expect(() => greet.render(null as never)).toThrowError(expect.objectContaining({ code: 'VARS_INVALID' }));
  });

  it('names the available prompts for an unknown id, and refuses a missing folder', async () => {
    const dir = await makeProject({ 'prompts/greet.prompt': GREET });
    const prompts = await loadPrompts({ dir: join(dir, 'prompts') });
    expect(() => prompts.get('nope')).toThrowError(/no prompt "nope".*have: greet/);
    expect((await rejection(loadPrompts({ dir: join(dir, 'missing') }))).code).toBe('FILE_MISSING');
  });

  it('rejects an invalid prompt file with its file and line in the message', async () => {
    const dir = await makeProject({ 'prompts/bad.prompt': '---\nversion: 1.0.0\n---\nHello {{#if x}}\n' });
    const error = await rejection(loadPrompts({ dir: join(dir, 'prompts') }));
    expect(error.code).toBe('PROMPT_INVALID');
    expect(error.message).toMatch(/^prompts\/bad\.prompt:\d+: /);
  });
});

describe('loadPrompts under prompts.lock.json', () => {
  const files = { 'prompts/summarize.prompt': summarizeSource('1.2.0'), 'prompts/greet.prompt': GREET };

  it('serves files that match the lock (found next to the prompt folder)', async () => {
    const dir = await makeProject({ ...files, 'prompts.lock.json': lockFor(files) });
    const prompts = await loadPrompts({ dir: join(dir, 'prompts') });
    expect(prompts.lockFile).toBe(join(dir, 'prompts.lock.json'));
    expect(prompts.get('summarize').version).toBe('1.2.0');
  });

  it('refuses a tampered file: the error names the file, the versions and both hashes', async () => {
    const tampered = summarizeSource('1.2.0', 'temperature: 0.9');
    const dir = await makeProject({ ...files, 'prompts/summarize.prompt': tampered, 'prompts.lock.json': lockFor(files) });
    const error = await rejection(loadPrompts({ dir: join(dir, 'prompts') }));
    const locked = parsePromptSource(files['prompts/summarize.prompt'], 'summarize.prompt').hash;
    const actual = parsePromptSource(tampered, 'summarize.prompt').hash;
    expect(locked).not.toBe(actual);
    expect(error.code).toBe('LOCK_MISMATCH');
    expect(error.message).toContain('prompts/summarize.prompt');
    expect(error.message).toContain('summarize@1.2.0');
    expect(error.message).toContain(locked);
    expect(error.message).toContain(actual);
    expect(error.location?.file).toBe('prompts/summarize.prompt');
  });

  it('refuses a file the lock does not list, a broken lock, and a missing explicit lock', async () => {
    const unlisted = await makeProject({ ...files, 'prompts/extra.prompt': GREET.replace('0.3.0', '9.9.9'), 'prompts.lock.json': lockFor(files) });
    const error = await rejection(loadPrompts({ dir: join(unlisted, 'prompts') }));
    expect(error.code).toBe('LOCK_MISMATCH');
    expect(error.message).toMatch(/extra@9\.9\.9.*not in prompts\.lock\.json/);

    const broken = await makeProject({ ...files, 'prompts.lock.json': '{\n  "version": 1,\n  "prompts": {,}\n}\n' });
    const lockError = await rejection(loadPrompts({ dir: join(broken, 'prompts') }));
    expect(lockError.code).toBe('LOCK_INVALID');
    expect(lockError.message).toMatch(/prompts\.lock\.json:3: not valid JSON/);

    const plain = await makeProject(files);
    expect((await rejection(loadPrompts({ dir: join(plain, 'prompts'), lockFile: join(plain, 'nope.lock.json') }))).code).toBe('FILE_MISSING');
  });

  it('takes an explicit lock path, and lockFile: false turns the check off', async () => {
    const dir = await makeProject({ ...files, 'prompts.lock.json': lockFor(files), 'deploy/other.lock.json': lockFor(files) });
    await writeFile(join(dir, 'prompts/greet.prompt'), GREET.replace('Hello', 'Hi'));
    expect((await rejection(loadPrompts({ dir: join(dir, 'prompts'), lockFile: join(dir, 'deploy/other.lock.json') }))).code).toBe('LOCK_MISMATCH');
    const unlocked = await loadPrompts({ dir: join(dir, 'prompts'), lockFile: false });
    expect(unlocked.get('greet').render({ name: 'A', age: 1 })[0].content).toBe('Hi A, you are 1.');
  });
});
