import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { inputError, isPromptgateError } from '../errors.js';
import { commentMarker, GithubApiError, resolveCommentTarget, upsertPullRequestComment } from '../workflows/pr-comment.js';
import { errorLine, reportError } from './errors.js';
import type { CliRuntime } from './runtime.js';

interface CommentFlags {
  file: string;
  key?: string;
  pr?: number;
  debug?: boolean;
}

/**
 * `promptgate comment --file summary.md`: posts the Markdown as the pull request's promptgate
 * comment, or updates it (the GitHub Action's step). Exit 0 (posted, updated, or not a pull
 * request: nothing to do) · 1 GitHub refused or could not be reached · 2 bad input.
 */
export function registerComment(program: Command, cli: CliRuntime): void {
  program
    .command('comment')
    .description('post or update ONE pull-request comment with a Markdown summary (GitHub Actions: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_EVENT_PATH)')
    .requiredOption('-f, --file <path>', 'the Markdown to post, e.g. reports/<run id>/summary.md')
    .option('-k, --key <key>', 'which gate the comment is (a hidden marker; one comment per key and pull request)', 'promptgate')
    .option('--pr <number>', 'the pull request (default: the one in the event payload, GITHUB_EVENT_PATH)', (value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a pull request number');
      return n;
    })
    .option('--debug', 'print stack traces')
    .action(async (flags: CommentFlags) => {
      cli.exit(await commentCommand(flags, cli.context));
    });
}

async function commentCommand(flags: CommentFlags, io: { cwd: string; env: NodeJS.ProcessEnv; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<number> {
  try {
    const markdown = await readFile(resolve(io.cwd, flags.file), 'utf8').catch(() => {
      throw inputError('FILE_MISSING', 'cannot read the summary to post', { file: flags.file });
    });
    const target = await resolveCommentTarget(io.env, { number: flags.pr });
    if (!target) {
      io.stdout.write('Not a pull request: no comment posted\n');
      return 0;
    }
    const result = await upsertPullRequestComment({ target, marker: commentMarker(flags.key ?? 'promptgate'), markdown });
    io.stdout.write(`${result.action === 'created' ? 'Posted' : 'Updated'} the promptgate comment on pull request #${target.number}${result.url ? `: ${result.url}` : ''}\n`);
    return 0;
  } catch (error) {
    if (isPromptgateError(error)) return reportError(error, Boolean(flags.debug), io.stderr);
    // GitHub refused (GithubApiError: status and GitHub's message) or could not be reached.
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`promptgate: comment not posted: ${errorLine(message.split('\n')[0])}\n`);
    if (flags.debug && error instanceof Error && error.stack && !(error instanceof GithubApiError)) io.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
