import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An issue comment as the GitHub REST API returns it (the fields promptgate reads, and a few more). */
export interface GithubComment {
  id: number;
  body: string;
  user: { login: string; type: 'User' | 'Bot' };
  html_url: string;
}

export interface GithubRequest {
  method: string;
  /** Path and query, e.g. `/repos/o/r/issues/7/comments?per_page=100&page=2`. */
  url: string;
  headers: IncomingMessage['headers'];
  body?: unknown;
}

export interface GithubServer {
  /** The API's base URL (what GITHUB_API_URL holds), `http://127.0.0.1:<port>`. */
  url: string;
  requests: GithubRequest[];
  /** The comments of `owner/repo` pull request `number`, in creation order. */
  comments(repository: string, number: number): GithubComment[];
  /** Adds a comment as someone else (another gate, a person) would have. */
  seed(repository: string, number: number, body: string, user?: GithubComment['user']): GithubComment;
  /** Answer every request with this status and GitHub's error body instead (0: answer normally). */
  failWith(status: number, message: string): void;
  /** Replace the `rel="next"` link of the list's first page (e.g. with a foreign origin). */
  nextLinkOverride: string | undefined;
  close(): Promise<void>;
}

/**
 * A local stand-in for the GitHub REST endpoints the pull-request comment uses, on 127.0.0.1:
 * GET /repos/:owner/:repo/issues/:number/comments (pages of `pageSize`, with a `Link` header
 * `rel="next"` / `rel="last"` like GitHub's), POST …/issues/:number/comments (201),
 * PATCH /repos/:owner/:repo/issues/comments/:id (200). Every request must carry
 * `Authorization: Bearer <token>` (else 401, like GitHub). `requests` records them all.
 */
export async function startGithubServer(options: { token: string; pageSize?: number }): Promise<GithubServer> {
  const pageSize = options.pageSize ?? 30;
  const store = new Map<string, GithubComment[]>();
  let nextId = 1000;
  let failure: { status: number; message: string } | undefined;
  const requests: GithubRequest[] = [];
  const listOf = (repository: string, number: number) => {
    const key = `${repository}#${number}`;
    let list = store.get(key);
    if (!list) store.set(key, (list = []));
    return list;
  };
  const make = (repository: string, number: number, body: string, user: GithubComment['user']): GithubComment => {
    const id = nextId++;
    const comment = { id, body, user, html_url: `https://github.example/${repository}/pull/${number}#issuecomment-${id}` };
    listOf(repository, number).push(comment);
    return comment;
  };

  const send = (res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(json));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, 400, { message: 'Problems parsing JSON' });
    }
    requests.push({ method: req.method ?? '', url: `${url.pathname}${url.search}`, headers: req.headers, body });
    if (req.headers.authorization !== `Bearer ${options.token}`) return send(res, 401, { message: 'Bad credentials' });
    if (failure) return send(res, failure.status, { message: failure.message });
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (list && req.method === 'GET') {
      const comments = listOf(`${list[1]}/${list[2]}`, Number(list[3]));
      const page = Number(url.searchParams.get('page') ?? '1');
      const pages = Math.max(1, Math.ceil(comments.length / pageSize));
      const at = (p: number) => {
        const next = new URL(url);
        next.host = `127.0.0.1:${port}`;
        next.protocol = 'http:';
        next.searchParams.set('page', String(p));
        return next.toString();
      };
      const links: string[] = [];
      if (page < pages) links.push(`<${page === 1 && server.nextLinkOverride ? server.nextLinkOverride : at(page + 1)}>; rel="next"`, `<${at(pages)}>; rel="last"`);
      return send(res, 200, comments.slice((page - 1) * pageSize, page * pageSize), links.length ? { link: links.join(', ') } : {});
    }
    if (list && req.method === 'POST') {
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string') return send(res, 422, { message: 'body is required' });
      if (text.length > 65_536) return send(res, 422, { message: 'Body is too long (maximum is 65536 characters)' });
      return send(res, 201, make(`${list[1]}/${list[2]}`, Number(list[3]), text, { login: 'github-actions[bot]', type: 'Bot' }));
    }
    if (one && req.method === 'PATCH') {
      const text = (body as { body?: unknown } | undefined)?.body;
      const found = [...store.entries()].filter(([key]) => key.startsWith(`${one[1]}/${one[2]}#`)).flatMap(([, comments]) => comments).find((c) => c.id === Number(one[3]));
      if (!found) return send(res, 404, { message: 'Not Found' });
      if (typeof text !== 'string') return send(res, 422, { message: 'body is required' });
      if (text.length > 65_536) return send(res, 422, { message: 'Body is too long (maximum is 65536 characters)' });
      found.body = text;
      return send(res, 200, found);
    }
    return send(res, 404, { message: 'Not Found' });
  };

  const http = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  const server: GithubServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    comments: (repository, number) => listOf(repository, number),
    seed: (repository, number, body, user = { login: 'someone', type: 'User' }) => make(repository, number, body, user),
    failWith(status, message) {
      failure = status ? { status, message } : undefined;
    },
    nextLinkOverride: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return server;
}
