/**
 * A user's plug-in file, as docs/plugins.md shows: one reporter, one provider, two graders.
 * `npm run typecheck` (test/types/check-dist.mjs) type-checks it against the built package (dist) with one `tsc`;
 * test/e2e/plugins.test.ts copies it next to an eval.config.ts and runs the CLI with it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  defineGrader, defineProvider, defineReporter,
  type CaseResult, type CaseSource, type CustomProvider, type GraderInput, type GraderResult, type Message, type ProviderRequest,
  type ProviderResult, type Reporter, type ReporterOptions, type RunHeader,
} from 'promptgate';

/** Reporter factory: `reporters: [['./plugins.ts', { file: 'summary.txt' }]]`. Writes one line per case. */
export default defineReporter<{ file?: string }>((options, context: ReporterOptions): Reporter => {
  const lines: string[] = [];
  return {
    name: 'summary-file',
    onCaseResult(result: CaseResult) {
      lines.push(`${result.suite}/${result.caseId} on ${result.model}: ${result.status}`);
    },
    async onRunEnd(run: RunHeader, cases: CaseSource, runDir: string) {
      let count = 0;
      for await (const _ of cases()) count++;
      const file = join(runDir, options.file ?? 'summary.txt');
      const root = context.rootDir === undefined ? 'no root' : 'root known';
      await writeFile(file, [`${run.command}: ${count} cases (${root})`, ...lines.sort()].join('\n') + '\n');
      return [file];
    },
  };
});

/** A provider that answers without a network: the id is part of every cache key. */
export function echoProvider(id: string): CustomProvider {
  return defineProvider({
    id,
    async call(request: ProviderRequest, { signal }): Promise<ProviderResult> {
      if (signal.aborted) return { ok: false, error: { code: 'aborted', message: 'stopped', retryable: false } };
      const last: Message | undefined = request.messages.at(-1);
      return { ok: true, output: `${id} says ${last?.content ?? ''}`, usage: { inputTokens: 3, outputTokens: 4 }, modelReported: `${request.model}-v1` };
    },
  });
}

/** `js:wordCount`: at most `vars.maxWords` words. */
export const wordCount = defineGrader((output: string, { vars }: GraderInput): GraderResult => {
  const words = output.trim().split(/\s+/).length;
  const max = Number(vars.maxWords);
  return { pass: words <= max, score: words <= max ? 1 : 0, reason: `${words} words (max ${max})` };
});

/** A grader with a bug: a grader error, never a pass (not even negated). */
export const exploding = defineGrader((): boolean => {
  throw new Error('grader bug');
});
