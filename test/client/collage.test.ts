import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parsePdf } from '../support/pdf';
import { LOCAL_URL, loadSdk, uid } from '../support/sdk';

const dataUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;
const solid = (width: number, height: number, r: number, g: number, b: number) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
const fetchBytes = async (url: string) => {
  const res = await fetch(url);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
};
/** The colour at the centre of frame `page` of an animated file. */
async function centre(body: Buffer, page: number, box?: { x: number; y: number; width: number; height: number }) {
  const img = sharp(body, { page, animated: false });
  const meta = await img.metadata();
  const area = box ?? { x: 0, y: 0, width: meta.width!, height: meta.pageHeight ?? meta.height! };
  const { data } = await img
    .extract({ left: area.x + (area.width >> 1), top: area.y + (area.height >> 1), width: 1, height: 1 })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return [...data];
}
const near = (got: number[], want: number[]) => got.every((v, i) => Math.abs(v - want[i]) <= 12);

describe('multi, explode and generate_sprite through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const tag = uid('collage');
  const folder = uid('col');
  // Uploaded out of order: Cloudinary combines them in public id order (a, b, c).
  await Promise.all([
    cloudinary.uploader.upload(dataUri(await solid(40, 30, 0, 0, 255)), { public_id: `${folder}/c`, tags: [tag] }),
    cloudinary.uploader.upload(dataUri(await solid(80, 60, 255, 0, 0)), { public_id: `${folder}/a`, tags: [tag] }),
    cloudinary.uploader.upload(dataUri(await solid(60, 60, 0, 255, 0)), { public_id: `${folder}/b`, tags: [tag] }),
  ]);

  it('multi makes an animated GIF of the tagged images in public id order, delivered as type multi', async () => {
    const answer = await cloudinary.uploader.multi(tag, { format: 'gif' });
    expect(answer.public_id).toBe(tag);
    expect(typeof answer.version).toBe('number');
    expect(answer.url).toContain(`/image/multi/v${answer.version}/${tag}.gif`);
    expect(answer.secure_url).toMatch(/^https?:\/\//);
    const { res, body } = await fetchBytes(answer.secure_url);
    expect(res.status).toBe(200);
    const meta = await sharp(body, { animated: true }).metadata();
    expect(meta.format).toBe('gif');
    expect(meta.pages).toBe(3);
    expect([meta.width, meta.pageHeight]).toEqual([80, 60]);
    expect(near(await centre(body, 0), [255, 0, 0])).toBe(true);
    expect(near(await centre(body, 1), [0, 255, 0])).toBe(true);
    expect(near(await centre(body, 2), [0, 0, 255])).toBe(true);
    // The SDK's own URL for type multi, with a transformation: still animated.
    const url = cloudinary.url(`${tag}.gif`, { ...LOCAL_URL, type: 'multi', width: 40, crop: 'scale' });
    const scaled = await fetchBytes(url);
    expect(scaled.res.status).toBe(200);
    const small = await sharp(scaled.body, { animated: true }).metadata();
    expect([small.pages, small.width, small.pageHeight]).toEqual([3, 40, 30]);
  });

  it('multi applies the transformation to every frame and writes animated WebP', async () => {
    const answer = await cloudinary.uploader.multi(tag, { format: 'webp', transformation: [{ width: 20, height: 20, crop: 'fill' }] });
    expect(answer.url).toContain(`${tag}.webp`);
    const { body } = await fetchBytes(answer.secure_url);
    const meta = await sharp(body, { animated: true }).metadata();
    expect([meta.format, meta.pages, meta.width, meta.pageHeight]).toEqual(['webp', 3, 20, 20]);
    expect(near(await centre(body, 2), [0, 0, 255])).toBe(true);
  });

  it('multi writes a PDF of one JPEG page per tagged image, in public id order, delivered as application/pdf', async () => {
    const answer = await cloudinary.uploader.multi(tag, { format: 'pdf' });
    expect(answer.public_id).toBe(tag);
    expect(answer.url).toContain(`/image/multi/v${answer.version}/${tag}.pdf`);
    const { res, body } = await fetchBytes(cloudinary.url(`${tag}.pdf`, { ...LOCAL_URL, type: 'multi', version: answer.version }));
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    const pdf = parsePdf(new Uint8Array(body));
    expect([pdf.version, pdf.pageObjects, pdf.badOffsets, pdf.endsWithEof]).toEqual(['1.4', 3, [], true]);
    const sizes = [
      [80, 60],
      [60, 60],
      [40, 30],
    ];
    const colours = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    for (const [i, page] of pdf.pages.entries()) {
      expect([page.width, page.height]).toEqual(sizes[i]);
      const jpeg = Buffer.from(page.image.jpeg);
      const meta = await sharp(jpeg).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', ...sizes[i]]);
      expect(near(await centre(jpeg, 0), colours[i])).toBe(true);
    }
    // The SDK's URL for one page of it, as an image.
    const page = await fetchBytes(cloudinary.url(`${tag}.png`, { ...LOCAL_URL, type: 'multi', page: 3, width: 20, crop: 'scale' }));
    expect(page.res.status).toBe(200);
    const meta = await sharp(page.body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 20, 15]);
    expect(near(await centre(page.body, 0), [0, 0, 255])).toBe(true);
    // The PDF uploaded again is an image of 3 pages (sized by its first), and explode makes every page a derived image.
    const uploaded = await cloudinary.uploader.upload(`data:application/pdf;base64,${body.toString('base64')}`, {
      public_id: uid('pdfup'),
      eager: [{ page: 2, format: 'jpg' }],
    });
    expect([uploaded.format, uploaded.resource_type, uploaded.pages, uploaded.width, uploaded.height]).toEqual(['pdf', 'image', 3, 80, 60]);
    const eager = uploaded.eager[0];
    expect([eager.transformation, eager.format, eager.width, eager.height]).toEqual(['pg_2', 'jpg', 60, 60]);
    const exploded = await cloudinary.uploader.explode(uploaded.public_id, { page: 'all', format: 'jpg' });
    expect(exploded.status).toBe('processing');
    let derived: { transformation: string; format: string }[] = [];
    const until = Date.now() + 60_000;
    while (derived.length < 3 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 300));
      derived = (await cloudinary.api.resource(uploaded.public_id)).derived ?? [];
    }
    expect(derived.map((d) => `${d.transformation}.${d.format}`).sort()).toEqual(['pg_1.jpg', 'pg_2.jpg', 'pg_3.jpg']);
  }, 90_000);

  it('multi refuses unknown formats and tags with Cloudinary errors', async () => {
    await expect(cloudinary.uploader.multi(tag, { format: 'bmp' })).rejects.toMatchObject({ http_code: 400 });
    await expect(cloudinary.uploader.multi(uid('none'), { format: 'pdf' })).rejects.toMatchObject({ http_code: 404 });
  });
});

describe('explode through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const gif = readFileSync(new URL('../fixtures/animated.gif', import.meta.url));
  const publicId = uid('explode');
  await cloudinary.uploader.upload(`data:image/gif;base64,${gif.toString('base64')}`, { public_id: publicId });
  const frames = (await sharp(gif, { animated: true }).metadata()).pages!;

  it('makes every frame a derived image pg_<n> on the queue and answers processing with a batch id', async () => {
    const answer = await cloudinary.uploader.explode(publicId, { page: 'all', format: 'png' });
    expect(answer.status).toBe('processing');
    expect(answer.batch_id).toMatch(/^[0-9a-zA-Z]{16,}$/);
    let derived: { transformation: string; format: string; secure_url: string }[] = [];
    const until = Date.now() + 90_000;
    while (derived.length < frames && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 300));
      derived = (await cloudinary.api.resource(publicId)).derived ?? [];
    }
    // The admin API names a derived image by its transformation; its format is a field of its own.
    const pages = derived.map((d) => Number(/^pg_(\d+)$/.exec(d.transformation)?.[1]));
    expect(pages.sort((a, b) => a - b)).toEqual(Array.from({ length: frames }, (_, i) => i + 1));
    expect(derived.every((d) => d.format === 'png')).toBe(true);
    // The derived image is what the SDK's URL for that page now serves.
    const res = await fetch(cloudinary.url(publicId, { ...LOCAL_URL, page: 3, format: 'png' }));
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([res.status, meta.format, meta.pages ?? 1]).toEqual([200, 'png', 1]);
  }, 120_000);

  it('refuses a transformation without pg_all and an unknown public id', async () => {
    await expect(cloudinary.uploader.explode(publicId, { format: 'png' })).rejects.toMatchObject({ http_code: 400 });
    await expect(cloudinary.uploader.explode(uid('none'), { page: 'all' })).rejects.toMatchObject({ http_code: 404 });
  });
});

describe('generate_sprite through the SDK', async () => {
  const { cloudinary } = await loadSdk();
  const tag = uid('sprite');
  const folder = uid('spr');
  await Promise.all([
    cloudinary.uploader.upload(dataUri(await solid(30, 20, 0, 0, 255)), { public_id: `${folder}/z`, tags: [tag] }),
    cloudinary.uploader.upload(dataUri(await solid(50, 40, 255, 0, 0)), { public_id: `${folder}/m`, tags: [tag] }),
  ]);

  it('stacks the tagged images into a PNG with CSS and JSON, delivered as type sprite', async () => {
    const answer = await cloudinary.uploader.generate_sprite(tag);
    expect(answer.public_id).toBe(tag);
    expect(answer.image_url).toContain(`/image/sprite/v${answer.version}/${tag}.png`);
    expect(answer.css_url).toContain(`/image/sprite/v${answer.version}/${tag}.css`);
    expect(answer.json_url).toContain(`/image/sprite/v${answer.version}/${tag}.json`);
    const m = { x: 0, y: 0, width: 50, height: 40 };
    const z = { x: 0, y: 40, width: 30, height: 20 };
    expect(answer.image_infos).toEqual({ [`${folder}/m`]: m, [`${folder}/z`]: z });

    const { res, body } = await fetchBytes(answer.secure_image_url);
    expect(res.status).toBe(200);
    const meta = await sharp(body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 50, 60]);
    expect(near(await centre(body, 0, m), [255, 0, 0])).toBe(true);
    expect(near(await centre(body, 0, z), [0, 0, 255])).toBe(true);

    const css = await fetchBytes(answer.secure_css_url);
    expect(css.res.status).toBe(200);
    expect(css.res.headers.get('content-type')).toMatch(/^text\/css/);
    const text = css.body.toString('utf8');
    expect(text).toContain(`url('${answer.secure_image_url}')`);
    expect(text).toContain(`.${folder}-z { background-position: -0px -40px; width: 30px; height: 20px; }`);
    const json = await fetchBytes(answer.secure_json_url);
    expect(json.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(json.body.toString('utf8')).image_infos).toEqual(answer.image_infos);
  });

  it('applies the transformation to every image and serves the sprite in the requested format', async () => {
    const answer = await cloudinary.uploader.generate_sprite(tag, {
      transformation: [{ width: 10, height: 10, crop: 'fill' }],
      format: 'jpg',
    });
    expect(Object.values(answer.image_infos)).toEqual([
      { x: 0, y: 0, width: 10, height: 10 },
      { x: 0, y: 10, width: 10, height: 10 },
    ]);
    expect(answer.image_url).toMatch(/\.jpg$/);
    const { body } = await fetchBytes(answer.secure_image_url);
    const meta = await sharp(body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 10, 20]);
  });

  it('refuses a sprite beyond the output pixel budget and an unknown tag', async () => {
    // 2400x1920 + 2400x1600 pixels: each fits the engine, together they pass 96 MB / 12 bytes a pixel.
    await expect(cloudinary.uploader.generate_sprite(tag, { transformation: [{ width: 2400, crop: 'scale' }] })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringMatching(/^Sprite too large/),
    });
    await expect(cloudinary.uploader.generate_sprite(uid('none'))).rejects.toMatchObject({ http_code: 404 });
  });
});
