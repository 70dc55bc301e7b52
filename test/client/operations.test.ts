import { describe, expect, inject, it } from 'vitest';
import { DEMO, basicAuth } from '../support/clouds';
import { signedPost } from '../support/upload';

const base = inject('workerUrl');

/** What an operator sees from outside: an id on every answer, to find its log lines by. */
describe('X-Request-Id over HTTP', () => {
  it("is on API answers, delivery answers and errors, and a caller's own id is kept", async () => {
    const answers = [
      await fetch(`${base}/v1_1/demo/ping`, { headers: { Authorization: basicAuth(DEMO) } }),
      await fetch(`${base}/v1_1/demo/ping`),
      await signedPost(base, '/v1_1/demo/image/upload', { public_id: 'x' }),
      await fetch(`${base}/demo/image/upload/no-such-thing.jpg`),
      await fetch(`${base}/nocloud/image/upload/x.jpg`),
    ];
    for (const res of answers) {
      expect(res.headers.get('x-request-id'), res.url).toMatch(/^[0-9a-f-]{36}$/);
      await res.arrayBuffer();
    }
    const own = await fetch(`${base}/demo/image/upload/no-such-thing.jpg`, { headers: { 'X-Request-Id': 'trace-7f3a' } });
    expect(own.headers.get('x-request-id')).toBe('trace-7f3a');
  });
});
