import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { fixture, storeImage, uid } from './support/fixtures';

describe('derived delivery smoke', () => {
  it('fills 400x300 as JPEG', { timeout: 120_000 }, async () => {
    const id = uid();
    await storeImage(id, fixture('photo-1mp.jpg'));
    const res = await SELF.fetch(`http://w/demo/image/upload/c_fill,w_400,h_300/${id}.jpg`);
    console.log(res.status, res.headers.get('x-cld-error'), [...res.headers]);
    expect(res.status).toBe(200);
    const b = new Uint8Array(await res.arrayBuffer());
    expect([b[0], b[1]]).toEqual([0xff, 0xd8]);
    for (const f of ['webp', 'avif', 'png', 'gif']) {
      const r = await SELF.fetch(`http://w/demo/image/upload/c_fill,w_40,h_30/${id}.${f}`);
      console.log(f, r.status, r.headers.get('x-cld-error'), r.headers.get('content-type'), (await r.arrayBuffer()).byteLength);
    }
    const svg = await storeImage(uid(), fixture('vector.svg'));
    const r = await SELF.fetch(`http://w/demo/image/upload/w_100/${svg.public_id}.png`);
    console.log('svg', r.status, r.headers.get('x-cld-error'));
    const av = await storeImage(uid(), fixture('photo.avif'));
    const r2 = await SELF.fetch(`http://w/demo/image/upload/w_100/${av.public_id}.jpg`);
    console.log('avif', r2.status, r2.headers.get('x-cld-error'));
  });
});
