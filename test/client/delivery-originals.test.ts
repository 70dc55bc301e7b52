import { describe, expect, it } from 'vitest';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';
import { fixtureBytes } from '../support/fixtures';

const photo = fixtureBytes('photo-1mp.jpg');

describe('delivery of originals through the SDK', async () => {
  const { cloudinary, base } = await loadSdk();

  it('uploads with the SDK and serves the original byte for byte', async () => {
    const publicId = `folder_${uid()}/photo`;
    const up = await cloudinary.uploader.upload(`data:image/jpeg;base64,${photo.toString('base64')}`, { public_id: publicId });
    expect(up.public_id).toBe(publicId);
    expect(up.width).toBe(1152);
    expect(up.height).toBe(864);
    const url = cloudinary.url(publicId, { ...LOCAL_URL, format: 'jpg' });
    expect(url.startsWith(base)).toBe(true);
    expect(url).toContain('/v1/');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(photo)).toBe(true);
    const viaResponse = await fetch(up.url);
    expect(viaResponse.status).toBe(200);
    expect(viaResponse.headers.get('cache-control')).toContain('immutable');
  });
});
