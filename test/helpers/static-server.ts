/**
 * A static file server on 127.0.0.1 (random port) for HTTP registry stores: serves the files under
 * `dir` (what a `file:` store wrote) with GET, 404 for anything missing, never outside `dir`.
 * `url` ends in `/`: open it as a store (`http://127.0.0.1:<port>/`). `setStatus(503)` answers every
 * request with that status until `setStatus(undefined)`; `close()` stops it (the store is then unreachable).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { relative, resolve, sep } from 'node:path';

export interface StaticServer {
  url: string;
  /** Requests received (paths), in order. */
  requests: string[];
  setStatus(status: number | undefined): void;
  close(): Promise<void>;
}

export async function startStaticServer(dir: string): Promise<StaticServer> {
  const root = resolve(dir);
  const requests: string[] = [];
  let status: number | undefined;
  const sockets = new Set<Socket>();
  const server = createHttpServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    if (status !== undefined) {
      response.writeHead(status).end();
      return;
    }
    const file = resolve(root, `.${path}`);
    const inside = relative(root, file);
    if (request.method !== 'GET' || inside.startsWith(`..${sep}`) || inside === '..') {
      response.writeHead(request.method === 'GET' ? 403 : 405).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8' }).end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    setStatus(value) {
      status = value;
    },
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

/** A port on 127.0.0.1 nothing listens on (it was free a moment ago): for "store unreachable" tests. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}
