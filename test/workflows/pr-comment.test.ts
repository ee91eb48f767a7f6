import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMMENT_BODY_LIMIT, commentMarker, renderCommentBody, resolveCommentTarget, upsertPullRequestComment, type CommentTarget } from '../../src/workflows/pr-comment.js';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { startGithubServer, type GithubServer } from '../helpers/github-server.js';

const TOKEN = 'ghs_secret-token-4f9a';
const REPO = 'acme/prompts';

describe('the pull-request comment (against a local GitHub REST server)', () => {
  let server: GithubServer;
  /** Every URL the code under test asked for: all must be the local server. */
  const asked: string[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    asked.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  };
  const target = (number: number): CommentTarget => ({ apiUrl: server.url, repository: REPO, number, token: TOKEN });

  beforeAll(async () => {
    server = await startGithubServer({ token: TOKEN, pageSize: 2 });
  });
  afterAll(async () => server.close());
  beforeEach(() => {
    asked.length = 0;
    server.requests.length = 0;
    server.failWith(0, '');
    server.nextLinkOverride = undefined;
  });

  it('two pushes make ONE comment, updated in place on the third page; the other gate\'s comment and a person\'s are untouched', async () => {
    const ci = commentMarker('promptgate/ci');
    const drift = server.seed(REPO, 7, `${commentMarker('promptgate/drift')}\ndrift summary`, { login: 'github-actions[bot]', type: 'Bot' });
    const person = server.seed(REPO, 7, `looks good, but what about ${ci}?`);
    for (let i = 0; i < 3; i++) server.seed(REPO, 7, `chatter ${i}`);
    server.seed(REPO, 8, `${ci}\nthe comment of another pull request`, { login: 'github-actions[bot]', type: 'Bot' });

    const first = await upsertPullRequestComment({ target: target(7), marker: ci, markdown: '## Gate: FAIL\n1 regressed\n', fetch: recordingFetch });
    expect(first.action).toBe('created');
    // Five comments on pages of two: the list was read to its end before creating.
    expect(server.requests.filter((r) => r.method === 'GET').map((r) => r.url)).toEqual([
      '/repos/acme/prompts/issues/7/comments?per_page=100',
      '/repos/acme/prompts/issues/7/comments?per_page=100&page=2',
      '/repos/acme/prompts/issues/7/comments?per_page=100&page=3',
    ]);
    const second = await upsertPullRequestComment({ target: target(7), marker: ci, markdown: '## Gate: PASS\n', fetch: recordingFetch });
    expect(second).toMatchObject({ action: 'updated', id: first.id });

    const comments = server.comments(REPO, 7);
    expect(comments.filter((c) => c.body.startsWith(ci))).toEqual([expect.objectContaining({ id: first.id, body: `${ci}\n## Gate: PASS\n` })]);
    expect(comments).toHaveLength(6);
    expect(comments.find((c) => c.id === drift.id)?.body).toBe(`${commentMarker('promptgate/drift')}\ndrift summary`);
    expect(comments.find((c) => c.id === person.id)?.body).toBe(`looks good, but what about ${ci}?`);
    expect(server.comments(REPO, 8)[0].body).toBe(`${ci}\nthe comment of another pull request`);
    // The writes went to pull request 7 and its comment only.
    expect(server.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /repos/acme/prompts/issues/7/comments',
      `PATCH /repos/acme/prompts/issues/comments/${first.id}`,
    ]);
    for (const request of server.requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(asked.length).toBe(server.requests.length);
    for (const url of asked) expect(new URL(url).hostname).toBe('127.0.0.1');
  });

  it('never follows a Link to another origin with the token', async () => {
    for (let i = 0; i < 3; i++) server.seed(REPO, 9, `chatter ${i}`);
    server.nextLinkOverride = 'https://evil.example/steal?page=2';
    await expect(upsertPullRequestComment({ target: target(9), marker: commentMarker('x'), markdown: 'hi', fetch: recordingFetch })).rejects.toThrow('refusing to send the token to https://evil.example');
    expect(asked.every((url) => new URL(url).hostname === '127.0.0.1')).toBe(true);
    expect(server.comments(REPO, 9)).toHaveLength(3);
  });

  it('cuts a body over GitHub\'s limit at a line end, keeping the marker first', () => {
    const marker = commentMarker('promptgate/ci');
    const long = Array.from({ length: 3000 }, (_, i) => `| case-${i} | regressed | ${'x'.repeat(30)} |`).join('\n');
    const body = renderCommentBody(long, marker);
    expect(body.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT);
    expect(body.startsWith(`${marker}\n| case-0 |`)).toBe(true);
    expect(body).toMatch(/\|\n\n… \(cut to fit a comment: the whole summary is in the job summary and the run folder artifact\)\n$/);
    expect(renderCommentBody('short', marker)).toBe(`${marker}\nshort`);
    // A key cannot end the HTML comment early.
    expect(commentMarker('a --> <script>')).toBe('<!-- promptgate:a-script -->');
  });

  it('takes the pull request from the event payload; not a pull request: no target', async () => {
    const dir = await makeProject({});
    await writeFile(join(dir, 'pr.json'), JSON.stringify({ pull_request: { number: 42 }, number: 41, issue: { number: 40 } }));
    await writeFile(join(dir, 'push.json'), JSON.stringify({ ref: 'refs/heads/main', head_commit: {} }));
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO, GITHUB_API_URL: server.url };
    expect(await resolveCommentTarget({ ...env, GITHUB_EVENT_PATH: join(dir, 'pr.json') })).toEqual({ apiUrl: server.url, repository: REPO, number: 42, token: TOKEN });
    expect(await resolveCommentTarget({ ...env, GITHUB_EVENT_PATH: join(dir, 'push.json') })).toBeUndefined();
    await expect(resolveCommentTarget({ GITHUB_REPOSITORY: REPO })).rejects.toThrow('no token to comment with');
  });

  it('the CLI: posts then updates on pull request #7 from the event; GitHub refusing is exit 1 with one line that never holds the token', async () => {
    const dir = await makeProject({ 'summary.md': '## promptgate: PASS\n', 'event.json': JSON.stringify({ pull_request: { number: 12 } }) });
    const env = { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: REPO, GITHUB_API_URL: server.url, GITHUB_EVENT_PATH: join(dir, 'event.json') };
    const args = ['comment', '--file', 'summary.md', '--key', 'promptgate/ci'];
    const posted = await runCliInProcess(args, { cwd: dir, env });
    expect(posted.code, posted.stderr).toBe(0);
    expect(posted.stdout).toMatch(/^Posted the promptgate comment on pull request #12: https:\/\/github\.example\/acme\/prompts\/pull\/12#issuecomment-\d+\n$/);
    const updated = await runCliInProcess(args, { cwd: dir, env });
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/^Updated the promptgate comment on pull request #12/);
    expect(server.comments(REPO, 12)).toHaveLength(1);

    server.failWith(403, `Resource not accessible by integration (token ${TOKEN})`);
    const refused = await runCliInProcess(args, { cwd: dir, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('promptgate: comment not posted: GitHub answered 403 to GET /repos/acme/prompts/issues/12/comments: Resource not accessible by integration (token ***)\n');
    expect(refused.stdout + refused.stderr).not.toContain(TOKEN);

    const push = await runCliInProcess(args, { cwd: dir, env: { ...env, GITHUB_EVENT_PATH: '' } });
    expect(push.code).toBe(0);
    expect(push.stdout).toBe('Not a pull request: no comment posted\n');
    const missing = await runCliInProcess(['comment', '--file', 'nope.md'], { cwd: dir, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('promptgate: nope.md: cannot read the summary to post\n');
  });
});
