import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('smoke', () => {
  it('answers the root', async () => {
    const res = await SELF.fetch('http://w/');
    expect(res.status).toBe(200);
    expect(env.CLOUDINARY_URL).toContain('@demo');
  });
});
