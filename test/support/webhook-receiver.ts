import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One POST the receiver got. */
export interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** What the receiver answered. */
  status: number;
}

/**
 * A real webhook receiver on 127.0.0.1 for client-level tests: it records
 * every request in arrival order, can answer with chosen statuses, and can be
 * stopped and started again on the same port (a receiver that goes down).
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  /** Decides the status of each request; 200 unless a test says otherwise. */
  respond: (path: string, body: string) => number = () => 200;
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = this.respond(req.url ?? '/', body);
        this.deliveries.push({ path: req.url ?? '/', headers: req.headers, body, at: Date.now(), status });
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'not now');
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections, as a crashed receiver would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  received(path: string): Delivery[] {
    return this.deliveries.filter((d) => d.path === path);
  }

  /** Waits until `count` requests to `path` have arrived (answered with any status). */
  async waitFor(path: string, count = 1, timeoutMs = 30_000, accepted = false): Promise<Delivery[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.received(path).filter((d) => !accepted || d.status === 200);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} request(s) to ${path}; got ${got.length}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
