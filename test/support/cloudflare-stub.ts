import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for Cloudflare's API: it records
 * every request and answers as the purge endpoint does, or with the error set
 * in `failWith`.
 */
export async function startCloudflareStub() {
  const calls: RecordedCall[] = [];
  const state: { failWith?: { status: number; message: string } } = {};
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // recorded as text
      }
      calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const fail = state.failWith;
      res.writeHead(fail ? fail.status : 200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify(
          fail
            ? { success: false, errors: [{ code: 1134, message: fail.message }], messages: [], result: null }
            : { success: true, errors: [], messages: [], result: { id: 'purge-id' } },
        ),
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    calls,
    state,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
