/**
 * A user's TypeScript file against the built package: `promptgate/node` and `promptgate` resolve
 * to dist/ through the package's own `exports` (self-reference), as in a project that installed it.
 * Type-checked by api-types.test.ts (`tsc -p test/types`), which also runs `gateChange` below.
 */
import { defineConfig, type UserConfig } from 'promptgate';
import {
  check,
  compare,
  drift,
  readRun,
  run,
  type ApiError,
  type CaseResult,
  type Clock,
  type CompareOptions,
  type Context,
  type ErrorCode,
  type Failure,
  type JsGraderFunction,
  type ProviderFunction,
  type RunFile,
  type RunHeader,
  type RunResult,
  type Verdict,
} from 'promptgate/node';

/** A custom provider and a named grader, typed by the package's own types. */
export const shoutProvider: ProviderFunction = async (request) => ({ ok: true, output: request.messages.map((m) => m.content).join(' ').toUpperCase() });
export const loud: JsGraderFunction = (output) => output === output.toUpperCase();
export const config: UserConfig = defineConfig({
  models: { local: { provider: shoutProvider, model: 'shout' } },
  graders: { loud: (output, context) => ({ pass: output === output.toUpperCase() && context.model !== '', score: 1, reason: 'loud' }) },
});

export interface GateReport {
  verdict: Verdict;
  exitCode: number;
  header: RunHeader;
  cases: CaseResult[];
}

/** What a release script would do: run, then compare with a git revision, then read the record. */
export async function gateChange(cwd: string, env: NodeJS.ProcessEnv, baseline: string, stream: NodeJS.WritableStream): Promise<{ first: RunResult; gate: GateReport | ApiError }> {
  const context: Context = { cwd, env, stdout: stream, stderr: stream };
  const first = await run({ noCache: true, repeat: 1 }, context);
  const options: CompareOptions = { baseline, reporters: ['json'] };
  const result = await compare(options, context);
  if (!result.ok) return { first, gate: result.error };
  const record: RunFile = await readRun(result.runDir);
  return { first, gate: { verdict: result.verdict, exitCode: result.exitCode, header: result.run, cases: record.cases } };
}

/** Errors are values: narrowing on `ok` gives the code, file and line. */
export function describeFailure(result: RunResult | Failure): string | undefined {
  if (result.ok) return undefined;
  const code: ErrorCode | 'INTERNAL' = result.error.code;
  return `${code} ${result.error.file ?? ''}:${result.error.line ?? ''} ${result.error.message}`;
}

/** The other entry points, typed (not run here). */
export const others = { check, drift } satisfies Record<string, (options: never, context?: Context) => Promise<{ ok: boolean; exitCode: number }>>;

/** A test's own time for rate limits and retry waits (Context.clock): here, one where no wait takes any time. */
const instant: Clock = { now: () => 0, sleep: async (_ms, signal) => signal?.throwIfAborted() };
export const instantContext: Context = { clock: instant };
