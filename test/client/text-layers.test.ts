import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { loadSdk, LOCAL_URL, uid } from '../support/sdk';

/** Text layers as Cloudinary's Node SDK writes them (`overlay: {font_family, ...}`), fonts uploaded through its uploader. */
const cousine = readFileSync(new URL('../../node_modules/@expo-google-fonts/cousine/400Regular/Cousine_400Regular.ttf', import.meta.url));

async function pixels(url: string) {
  const res = await fetch(url);
  expect(res.status, `${url} ${res.headers.get('x-cld-error')}`).toBe(200);
  const { data, info } = await sharp(Buffer.from(await res.arrayBuffer()))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4));
  return { width: info.width, height: info.height, at };
}

type Image = Awaited<ReturnType<typeof pixels>>;

/** Rows with dark ink grouped into lines, and the ink's horizontal extent. */
function inkLines(img: Image): { lines: number; left: number; right: number } {
  let lines = 0;
  let inLine = false;
  let left = Infinity;
  let right = -1;
  for (let y = 0; y < img.height; y++) {
    let dark = false;
    for (let x = 0; x < img.width; x++) {
      const [r, g, b] = img.at(x, y);
      if (r + g + b < 384) {
        dark = true;
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
    if (dark && !inLine) lines++;
    inLine = dark;
  }
  return { lines, left, right };
}

describe('text layers through SDK-built URLs', async () => {
  const { cloudinary } = await loadSdk();
  const folder = uid('textsdk');
  const baseId = `${folder}/base`;
  const white = await sharp({ create: { width: 700, height: 300, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .png()
    .toBuffer();
  await cloudinary.uploader.upload(`data:image/png;base64,${white.toString('base64')}`, { public_id: baseId });
  const layer = (overlay: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    cloudinary.url(baseId, {
      ...LOCAL_URL,
      format: 'png',
      transformation: [
        { overlay, ...extra },
        { flags: 'layer_apply', gravity: 'north_west', x: 10, y: 10 },
      ],
    });

  it('uses an uploaded raw authenticated font by its public id, unsigned', async () => {
    const font = await cloudinary.uploader.upload(`data:font/ttf;base64,${cousine.toString('base64')}`, {
      public_id: `${folder}/Mono.ttf`,
      resource_type: 'raw',
      type: 'authenticated',
    });
    expect(font).toMatchObject({ resource_type: 'raw', type: 'authenticated', public_id: `${folder}/Mono.ttf` });
    const text = 'iiiiiiiiii';
    const custom = layer({ font_family: `${folder}:Mono.ttf`, font_size: 40, text });
    expect(custom).toContain(`l_text:${folder}:Mono.ttf_40:${text}`);
    const width = async (url: string) => {
      const { left, right } = inkLines(await pixels(url));
      return right - left + 1;
    };
    const [withFont, courier, arial] = await Promise.all([
      width(custom),
      width(layer({ font_family: 'Courier', font_size: 40, text })),
      width(layer({ font_family: 'Arial', font_size: 40, text })),
    ]);
    expect(withFont).toBe(courier);
    expect(withFont).toBeGreaterThan(arial * 2);
  });

  it('lays out letter_spacing, line_spacing, text_align and wrapping as the SDK writes them', async () => {
    const body = 'The quick brown fox jumps over the lazy dog';
    const spaced = layer({ font_family: 'Times New Roman', font_size: 30, text: 'Hello', letter_spacing: 12 });
    expect(spaced).toContain('l_text:Times%20New%20Roman_30_letter_spacing_12:Hello');
    const plain = inkLines(await pixels(layer({ font_family: 'Times New Roman', font_size: 30, text: 'Hello' })));
    const wide = inkLines(await pixels(spaced));
    expect(wide.right - wide.left - (plain.right - plain.left)).toBeGreaterThanOrEqual(44);

    const wrapUrl = layer(
      { font_family: 'Arial', font_size: 28, text: body, text_align: 'center', line_spacing: 6 },
      { crop: 'fit', width: 220 },
    );
    expect(wrapUrl).toContain('c_fit,l_text:Arial_28_center_line_spacing_6:The%20quick');
    const wrapped = inkLines(await pixels(wrapUrl));
    expect(wrapped.lines).toBeGreaterThanOrEqual(3);
    expect(wrapped.right - wrapped.left).toBeLessThan(220);
    const single = inkLines(await pixels(layer({ font_family: 'Arial', font_size: 28, text: body })));
    expect(single.lines).toBe(1);
    expect(single.right - single.left).toBeGreaterThan(500);
  });

  it('outlines text with stroke and border, in the colour of the border', async () => {
    const url = layer(
      { font_family: 'Arial', font_size: 80, font_weight: 'bold', text: 'O', stroke: 'stroke' },
      { color: 'white', border: '5px_solid_rgb:0000ff' },
    );
    expect(url).toContain('bo_5px_solid_rgb:0000ff,co_white,l_text:Arial_80_bold_stroke:O');
    const img = await pixels(url);
    let blue = 0;
    for (let y = 0; y < 120; y++) for (let x = 0; x < 120; x++) if (img.at(x, y)[2] > 200 && img.at(x, y)[0] < 60) blue++;
    // The stroke follows the outer and the inner edge of the O: a long blue outline, no frame around the layer.
    expect(blue).toBeGreaterThan(800);
    expect(img.at(10, 10).slice(0, 3)).toEqual([255, 255, 255]);
  });
});
