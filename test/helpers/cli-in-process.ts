import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { REPO_ROOT, type CliResult } from './cli.js';

/**
 * main() from the built bundle (dist/bundle/main.js, next to bin.js: the code the spawned CLI and
 * users run, which `npm test` builds first). Node loads it natively (vitest.config.ts keeps dist/
 * external): the CLI's few hundred modules are not transformed and evaluated by vitest per worker.
 */
const BUNDLED_MAIN = join(REPO_ROOT, 'dist', 'bundle', 'main.js');
if (!existsSync(BUNDLED_MAIN)) throw new Error(`${BUNDLED_MAIN} is missing: run \`npm run build:test\` (npm test does) before vitest`);
const { main, guardOutput, escapeControlChars } = (await import(BUNDLED_MAIN)) as typeof import('../../src/cli/main.js');

/** A stream that keeps what is written to it (synchronously: `text` is complete when a write returns). */
function captureStream(): { stream: NodeJS.WriteStream; text(): string } {
  let text = '';
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  // Like the CLI entry (bin.ts): nothing printed may act as a workflow command; off a TTY, control characters are escaped.
  guardOutput(stream);
  return { stream, text: () => text };
}

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

/**
 * Runs `promptgate <args>` in this process, through the CLI's main(argv, context), with the context
 * runCli gives a child: `cwd`, and `env` over the process's with CI=true, NO_COLOR=1 and FORCE_COLOR=0
 * (colour codes are stripped: picocolors decides colour once per process, not per call). No
 * SIGINT handler is installed: abort `signal` to interrupt. Same result shape as runCli (`signal`
 * is always null): exit code, stdout, stderr. The bundle is used: run `npm run build:test` after changing src/.
 */
export async function runCliInProcess(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<CliResult> {
  const stdout = captureStream();
  const stderr = captureStream();
  const env = { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...options.env };
  let code: number;
  try {
    code = await main(['node', 'promptgate', ...args], { cwd: options.cwd, env, stdout: stdout.stream, stderr: stderr.stream, signal: options.signal ?? new AbortController().signal });
  } catch (error) {
    // What bin.ts prints for an error main() did not handle.
    const text = error instanceof Error ? escapeControlChars(error.message.split('\n')[0]) : escapeControlChars(String(error));
    stderr.stream.write(`promptgate: internal error: ${text} (run with --debug for details)\n`);
    code = 2;
  }
  return { code, signal: null, stdout: stdout.text().replace(SGR, ''), stderr: stderr.text().replace(SGR, '') };
}
