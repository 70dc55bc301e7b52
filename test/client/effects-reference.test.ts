import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { fixtureBytes } from '../support/fixtures';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

/**
 * The standard effects of Transformations III against sharp (libvips) as the
 * reference: the worker's own resized image is the input of both, the effect
 * runs in a component of its own, and the mean difference per channel is
 * bounded. URLs are built by Cloudinary's Node SDK.
 */
interface Rgb {
  data: Buffer;
  width: number;
  height: number;
}

/** RGB over white (transparent margins count as white in both). */
async function rgb(img: Sharp): Promise<Rgb> {
  const { data, info } = await img.flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function meanDiff(a: Rgb, b: Rgb): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}

/** libvips' affine transform with bilinear sampling, written out first: sharp would flatten before the transform if chained. */
const affine = (png: Buffer, m: [number, number, number, number]) =>
  sharp(png).ensureAlpha().affine(m, { background: '#ffffff00', interpolator: 'bilinear' }).png().toBuffer();

/** The left `w` columns. */
function cropLeft(img: Rgb, w: number): Rgb {
  const data = Buffer.alloc(w * img.height * 3);
  for (let y = 0; y < img.height; y++) img.data.copy(data, y * w * 3, y * img.width * 3, (y * img.width + w) * 3);
  return { data, width: w, height: img.height };
}

describe('effects against libvips', async () => {
  const { cloudinary } = await loadSdk();
  const id = `fx3_${uid()}`;
  const base = { ...LOCAL_URL, format: 'png' };
  const resize = { width: 300, crop: 'scale' };
  const url = (effect: object) => cloudinary.url(id, { ...base, transformation: [resize, effect] });
  const fetchPng = async (u: string) => {
    const res = await fetch(u);
    expect(res.status, `${u}: ${res.headers.get('x-cld-error')}`).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };
  let input: Buffer;

  it('uploads the photo and reads the worker-resized input', async () => {
    await cloudinary.uploader.upload(`data:image/jpeg;base64,${fixtureBytes('photo-1mp.jpg').toString('base64')}`, { public_id: id });
    input = await fetchPng(cloudinary.url(id, { ...base, ...resize }));
    const meta = await sharp(input).metadata();
    expect([meta.width, meta.height]).toEqual([300, 225]);
  });

  it('e_red / e_blue match a linear channel gain', async () => {
    const ours = await rgb(sharp(await fetchPng(url({ effect: 'red:40' }))));
    const ref = await rgb(sharp(input).linear([1.4, 1, 1], [0, 0, 0]));
    expect(meanDiff(ours, ref)).toBeLessThan(0.6);
    const blue = await rgb(sharp(await fetchPng(url({ effect: 'blue:-50' }))));
    expect(meanDiff(blue, await rgb(sharp(input).linear([1, 1, 0.5], [0, 0, 0])))).toBeLessThan(0.6);
  });

  it('e_shear matches an affine transform (bilinear) of the same image', async () => {
    const t = Math.tan((20 * Math.PI) / 180);
    const ours = await rgb(sharp(await fetchPng(url({ effect: 'shear:20:0' }))));
    const ref = await rgb(sharp(await affine(input, [1, t, 0, 1])));
    expect(Math.abs(ours.width - ref.width)).toBeLessThanOrEqual(1);
    // libvips may round the output box one pixel differently: compare the common area.
    const w = Math.min(ours.width, ref.width);
    const diff = meanDiff(cropLeft(ours, w), cropLeft(ref, w));
    console.log(`e_shear:20:0 mean difference vs libvips affine: ${diff.toFixed(2)}`);
    expect(diff).toBeLessThan(3);
  });

  it('e_distort with corners of a parallelogram equals the same affine transform', async () => {
    // x += y / 3: the bottom corners move 75 px right.
    const ours = await rgb(sharp(await fetchPng(url({ effect: 'distort:0:0:300:0:375:225:75:225' }))));
    const ref = await rgb(sharp(await affine(input, [1, 1 / 3, 0, 1])));
    const w = Math.min(ours.width, ref.width);
    expect(w).toBeGreaterThanOrEqual(374);
    const diff = meanDiff(cropLeft(ours, w), cropLeft(ref, w));
    console.log(`e_distort (parallelogram) mean difference vs libvips affine: ${diff.toFixed(2)}`);
    expect(diff).toBeLessThan(3);
  });

  it('e_blur_region matches a Gaussian blur of the extracted region composited back', async () => {
    const region = { left: 40, top: 30, width: 120, height: 90 };
    const ours = await rgb(sharp(await fetchPng(url({ effect: 'blur_region:100', x: 40, y: 30, width: 120, height: 90 }))));
    const blurred = await sharp(input).extract(region).blur(5).png().toBuffer();
    const ref = await rgb(sharp(input).composite([{ input: blurred, left: region.left, top: region.top }]));
    expect([ours.width, ours.height]).toEqual([300, 225]);
    const diff = meanDiff(ours, ref);
    console.log(`e_blur_region:100 mean difference vs libvips blur(5) of the region: ${diff.toFixed(2)}`);
    expect(diff).toBeLessThan(1.5);
  });

  it('e_auto_contrast is close to libvips normalise', async () => {
    const low = await fetchPng(cloudinary.url(id, { ...base, transformation: [resize, { effect: 'contrast:-60' }] }));
    const ours = await rgb(
      sharp(
        await fetchPng(cloudinary.url(id, { ...base, transformation: [resize, { effect: 'contrast:-60' }, { effect: 'auto_contrast' }] })),
      ),
    );
    const ref = await rgb(sharp(low).normalise({ lower: 0.5, upper: 99.5 }));
    const diff = meanDiff(ours, ref);
    console.log(`e_auto_contrast mean difference vs libvips normalise: ${diff.toFixed(2)}`);
    // libvips stretches L* of Lab, this worker the luma of RGB: close, not equal.
    expect(diff).toBeLessThan(12);
  });

  it('URLs the SDK builds for the other effects are served with the expected sizes', async () => {
    const cases: [object, number, number][] = [
      [{ effect: 'outline:outer:5', color: 'red' }, 310, 235],
      [{ effect: 'shadow:50', color: 'black', x: 10, y: 10 }, 0, 0],
      [{ effect: 'gradient_fade:symmetric', x: 0.2 }, 300, 225],
      [{ effect: 'make_transparent:20' }, 300, 225],
      [{ effect: 'replace_color:blue:30' }, 300, 225],
      [{ effect: 'improve:outdoor' }, 300, 225],
      [{ effect: 'auto_color' }, 300, 225],
      [{ effect: 'auto_brightness:50' }, 300, 225],
      [{ effect: 'noise:30' }, 300, 225],
      [{ effect: 'pixelate_region:12', x: 10, y: 10, width: 100, height: 60 }, 300, 225],
      [{ effect: 'fill_light:70:20' }, 300, 225],
      [{ effect: 'vectorize:8' }, 300, 225],
      [{ effect: 'cartoonify:30:60' }, 300, 225],
      [{ effect: 'oil_paint:40' }, 300, 225],
      [{ effect: 'art:hokusai' }, 300, 225],
      // 90° of arc: outer radius 300 / (π/2) = 191 (the 225 px height reaches the centre): 2·191·sin 45° = 270.1 wide (the box rounds outwards to 272), 191 high.
      [{ effect: 'distort:arc:90' }, 272, 191],
      [{ effect: 'shear:0:10' }, 300, 278],
    ];
    for (const [options, w, h] of cases) {
      const meta = await sharp(await fetchPng(url(options))).metadata();
      if (w) expect([meta.width, meta.height], JSON.stringify(options)).toEqual([w, h]);
      else expect(meta.width! * meta.height!, JSON.stringify(options)).toBeGreaterThan(300 * 225);
    }
    const svg = await fetch(cloudinary.url(id, { ...LOCAL_URL, format: 'svg', transformation: [resize, { effect: 'vectorize:6:100' }] }));
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    const meta = await sharp(Buffer.from(await svg.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['svg', 300, 225]);
  });
});
