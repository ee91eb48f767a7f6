/**
 * The pull-request comment the GitHub Action keeps: ONE comment per pull request and gate, found
 * again on the next push by a hidden marker (`<!-- promptgate:<key> -->` on its first line) and
 * updated in place. Through the GitHub REST API (issue comments: list, create, update) with the
 * job's token, which goes only to the API origin (`GITHUB_API_URL`) and is never printed.
 */
import { readFile } from 'node:fs/promises';
import { inputError } from '../errors.js';

/** GitHub refuses comment bodies longer than this (characters). */
export const COMMENT_BODY_LIMIT = 65_536;

export interface CommentTarget {
  /** `GITHUB_API_URL`, e.g. https://api.github.com (GitHub Enterprise: https://host/api/v3). */
  apiUrl: string;
  /** `owner/repo` (`GITHUB_REPOSITORY`). */
  repository: string;
  /** The pull request's number (an issue number to the comments API). */
  number: number;
  token: string;
}

export interface CommentResult {
  action: 'created' | 'updated';
  id: number;
  /** The comment's html_url, when GitHub gave one. */
  url?: string;
}

type Fetch = typeof fetch;

/**
 * The marker of one gate's comment: `key` names the workflow and command (e.g. `promptgate/ci`),
 * so two gates on one pull request keep a comment each. Only `[A-Za-z0-9._/:@-]` are kept (no `--`
 * or `>` that would end the HTML comment).
 */
export function commentMarker(key: string): string {
  const safe = key.replace(/[^A-Za-z0-9._/:@-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-|-$/g, '') || 'default';
  return `<!-- promptgate:${safe} -->`;
}

/**
 * The comment's body: the marker, then the Markdown, cut at a line end to fit GitHub's limit
 * with a note saying where the rest is.
 */
export function renderCommentBody(markdown: string, marker: string, limit = COMMENT_BODY_LIMIT): string {
  const head = `${marker}\n`;
  const text = markdown.replace(/\r\n/g, '\n');
  if (head.length + text.length <= limit) return head + text;
  const note = '\n\n… (cut to fit a comment: the whole summary is in the job summary and the run folder artifact)\n';
  let cut = text.slice(0, Math.max(0, limit - head.length - note.length));
  // Never split a surrogate pair; end at a line break when there is one.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  const lineEnd = cut.lastIndexOf('\n');
  if (lineEnd > cut.length / 2) cut = cut.slice(0, lineEnd);
  return head + cut + note;
}

/** A GitHub API failure: the status and GitHub's message; never the token or the request headers. */
export class GithubApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GithubApiError';
  }
}

/**
 * Creates the gate's comment on the pull request, or updates the one that carries `marker` (every
 * page of comments is read, following `Link: rel="next"` on the API's own origin only). A comment
 * whose body starts with the marker is ours; with several, one written by a bot is preferred.
 */
export async function upsertPullRequestComment(input: { target: CommentTarget; marker: string; markdown: string; fetch?: Fetch }): Promise<CommentResult> {
  const { target, marker } = input;
  const doFetch = input.fetch ?? fetch;
  const api = new URL(target.apiUrl.endsWith('/') ? target.apiUrl : `${target.apiUrl}/`);
  const repo = target.repository.split('/').map(encodeURIComponent).join('/');
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${target.token}`,
    'x-github-api-version': '2022-11-28',
    'user-agent': 'promptgate',
  };
  const call = async (method: string, url: URL, body?: unknown): Promise<{ json: unknown; link: string | null }> => {
    if (url.origin !== api.origin) throw new GithubApiError(0, `refusing to send the token to ${url.origin} (not the API at ${api.origin})`);
    const response = await doFetch(url, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'error' });
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 200);
      try {
        message = String((JSON.parse(text) as { message?: unknown }).message ?? message);
      } catch {
        // not JSON: the start of the text
      }
      throw new GithubApiError(response.status, `GitHub answered ${response.status} to ${method} ${url.pathname}: ${message.replaceAll(target.token, '***')}`);
    }
    return { json: text ? JSON.parse(text) : null, link: response.headers.get('link') };
  };

  const body = renderCommentBody(input.markdown, marker);
  const ours: Array<{ id: number; bot: boolean }> = [];
  let next: URL | undefined = new URL(`repos/${repo}/issues/${target.number}/comments?per_page=100`, api);
  for (let page = 0; next && page < 100; page++) {
    const { json, link } = await call('GET', next);
    if (!Array.isArray(json)) throw new GithubApiError(200, `GitHub's list of comments is not a list (GET ${next.pathname})`);
    for (const comment of json as Array<{ id?: unknown; body?: unknown; user?: { type?: unknown } | null }>) {
      if (typeof comment?.id === 'number' && typeof comment.body === 'string' && comment.body.startsWith(marker)) ours.push({ id: comment.id, bot: comment.user?.type === 'Bot' });
    }
    next = nextPage(link, api);
  }
  const existing = ours.find((c) => c.bot) ?? ours[0];
  if (existing) {
    const { json } = await call('PATCH', new URL(`repos/${repo}/issues/comments/${existing.id}`, api), { body });
    return { action: 'updated', id: existing.id, ...urlOf(json) };
  }
  const { json } = await call('POST', new URL(`repos/${repo}/issues/${target.number}/comments`, api), { body });
  const id = (json as { id?: unknown } | null)?.id;
  return { action: 'created', id: typeof id === 'number' ? id : -1, ...urlOf(json) };
}

/** The `rel="next"` URL of a Link header (RFC 8288), resolved against the API. */
function nextPage(link: string | null, api: URL): URL | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (match && /\brel\s*=\s*"?next"?/.test(match[2])) return new URL(match[1], api);
  }
  return undefined;
}

function urlOf(json: unknown): { url?: string } {
  const url = (json as { html_url?: unknown } | null)?.html_url;
  return typeof url === 'string' ? { url } : {};
}

/**
 * Where the comment goes, from the environment GitHub Actions sets: the token (`GITHUB_TOKEN`, or
 * `token`), `GITHUB_REPOSITORY`, `GITHUB_API_URL`, and the pull request's number from the event
 * payload (`GITHUB_EVENT_PATH`: `pull_request.number`, or an issue that is a pull request), or
 * `number` when given. Undefined when the event is not about a pull request (nothing to comment on).
 * Missing settings are input errors (exit 2).
 */
export async function resolveCommentTarget(env: NodeJS.ProcessEnv, given: { number?: number; token?: string } = {}): Promise<CommentTarget | undefined> {
  const token = given.token ?? env.GITHUB_TOKEN ?? env.GH_TOKEN;
  if (!token) throw inputError('USAGE', 'no token to comment with', { file: 'GITHUB_TOKEN' }, 'set GITHUB_TOKEN (the action passes its github-token input), with pull-requests: write');
  const repository = env.GITHUB_REPOSITORY ?? '';
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) throw inputError('USAGE', `GITHUB_REPOSITORY must be owner/repo (got "${repository}")`, { file: 'GITHUB_REPOSITORY' });
  const apiUrl = env.GITHUB_API_URL || 'https://api.github.com';
  if (!/^https?:\/\//.test(apiUrl)) throw inputError('USAGE', `GITHUB_API_URL must be an http(s) URL (got "${apiUrl}")`, { file: 'GITHUB_API_URL' });
  const number = given.number ?? (await pullRequestNumber(env.GITHUB_EVENT_PATH));
  if (number === undefined) return undefined;
  return { apiUrl, repository, number, token };
}

/** The pull request of the event that started the workflow, or undefined when it is about none. */
async function pullRequestNumber(eventPath: string | undefined): Promise<number | undefined> {
  if (!eventPath) return undefined;
  let event: { pull_request?: { number?: unknown }; issue?: { number?: unknown; pull_request?: unknown } };
  try {
    event = JSON.parse(await readFile(eventPath, 'utf8'));
  } catch {
    throw inputError('USAGE', 'cannot read the event payload', { file: eventPath });
  }
  const number = event?.pull_request?.number ?? (event?.issue?.pull_request ? event.issue.number : undefined);
  return typeof number === 'number' && Number.isInteger(number) && number > 0 ? number : undefined;
}
