import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 (a free port) standing in for a remote
 * origin or webhook receiver. Each route is a handler; every request is
 * recorded so tests can count how often the worker came.
 */
// The result is ignored, so a handler may end with `res.writeHead(...).end(...)`.
export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface Origin {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Requests seen, in order: method, path (with query) and headers. */
  requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  hits(path: string): number;
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

export async function startOrigin(routes: Record<string, Handler> = {}): Promise<Origin> {
  const table = new Map(Object.entries(routes));
  const requests: Origin['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers });
    const handler = table.get((req.url ?? '/').split('?')[0]);
    if (!handler) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    hits: (path) => requests.filter((r) => r.path === path).length,
    route: (path, handler) => void table.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler answering with fixed bytes and headers. */
export const serve =
  (body: Uint8Array | string, headers: Record<string, string> = {}, status = 200): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Length': String(Buffer.byteLength(body)), ...headers }).end(body);
  };
