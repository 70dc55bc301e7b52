import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/**
 * `npm run dev` on an empty state directory, as on a fresh clone: the moment
 * it first says "Ready on", the README's URLs of the sample answer 200.
 */
it('says "Ready on" only once the sample answers, on an empty state directory', async () => {
  const persist = mkdtempSync(join(tmpdir(), 'cld-dev-'));
  const port = await freePort();
  const dev = spawn(process.execPath, ['scripts/dev.mjs', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', persist], {
    cwd: root,
    env: { ...process.env, CI: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    const base = await new Promise<string>((resolve, reject) => {
      dev.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const ready = /Ready on (http\S+)/.exec(output);
        if (ready) resolve(ready[1].replace(/\/$/, ''));
      });
      dev.on('exit', (code) => reject(new Error(`npm run dev exited with ${code}:\n${output}`)));
    });
    // Requested at once, as a script waiting for the line would.
    const sample = await fetch(`${base}/demo/image/upload/sample.jpg`);
    expect(sample.status, output).toBe(200);
    expect(sample.headers.get('content-type')).toBe('image/jpeg');
    await sample.arrayBuffer();
    const cropped = await fetch(`${base}/demo/image/upload/c_fill,w_300,h_200/sample.jpg`);
    expect(cropped.status).toBe(200);
    await cropped.arrayBuffer();
    expect(output.indexOf('Ready on')).toBeGreaterThan(output.indexOf('[dev] seeded'));
  } finally {
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGTERM');
    await exited;
    rmSync(persist, { recursive: true, force: true });
  }
}, 180_000);
