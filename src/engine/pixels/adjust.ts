import type { Raster } from '../raster';
import { applyLuts, blendWith, clamp255, luma, lut, percentile, prng } from './common';

/**
 * Channel and automatic adjustments (`e_red`, `e_noise`, `e_auto_*`,
 * `e_improve`, `e_fill_light`). The automatic ones read the image's own
 * histogram, clipping 0.5 % at each end so a few stray pixels do not decide.
 */

const CLIP = 0.005;

/** `e_red` / `e_green` / `e_blue`: -100..100 scales the channel by 1 + level / 100. */
export function channel(img: Raster, index: 0 | 1 | 2, level: number): Raster {
  const k = 1 + level / 100;
  const same = lut((v) => v);
  const luts: [Uint8Array, Uint8Array, Uint8Array] = [same, same, same];
  luts[index] = lut((v) => v * k);
  return applyLuts(img, luts);
}

/** `e_noise`: uniform noise of ±level % of full scale per channel, from a fixed seed (same URL, same bytes). */
export function noise(img: Raster, level: number): Raster {
  const s = img.data;
  const data = new Uint8Array(s.length);
  const random = prng(0x5eed);
  const amp = (level / 100) * 127;
  for (let i = 0; i < s.length; i++) data[i] = (i & 3) === 3 ? s[i] : clamp255(s[i] + (random() * 2 - 1) * amp);
  return { data, width: img.width, height: img.height };
}

const stretch = (lo: number, hi: number) => lut((v) => (hi > lo ? ((v - lo) * 255) / (hi - lo) : v));

/** `e_auto_contrast`: one linear stretch of the luma's 0.5-99.5 % range to 0-255, the same for every channel (hues stay). */
export function autoContrast(img: Raster, blend: number): Raster {
  const t = stretch(percentile(img, 3, CLIP), percentile(img, 3, 1 - CLIP));
  return blendWith(img, applyLuts(img, [t, t, t]), blend);
}

/** `e_auto_color`: each channel stretched on its own, which removes a colour cast. */
export function autoColor(img: Raster, blend: number): Raster {
  const luts = [0, 1, 2].map((c) => stretch(percentile(img, c, CLIP), percentile(img, c, 1 - CLIP))) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  return blendWith(img, applyLuts(img, luts), blend);
}

function meanLuma(img: Raster): number {
  const d = img.data;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] < 16) continue;
    sum += luma(d[i], d[i + 1], d[i + 2]);
    n++;
  }
  return n ? sum / n : 128;
}

/** `e_auto_brightness`: a gamma that takes the mean luma to mid-grey. */
export function autoBrightness(img: Raster, blend: number): Raster {
  const mean = Math.min(250, Math.max(5, meanLuma(img))) / 255;
  const exponent = Math.log(0.5) / Math.log(mean);
  const t = lut((v) => 255 * Math.pow(v / 255, exponent));
  return blendWith(img, applyLuts(img, [t, t, t]), blend);
}

/**
 * `e_improve[:indoor|outdoor]`: auto colour, then a gamma towards mid-grey
 * for dark images, then more saturation; indoor warms less and saturates less
 * than outdoor (which most photos of that kind want).
 */
export function improve(img: Raster, mode: 'indoor' | 'outdoor' | undefined, blend: number): Raster {
  const colored = autoColor(img, 100);
  const mean = meanLuma(colored) / 255;
  const exponent = mean < 0.45 ? Math.max(0.6, Math.log(0.45) / Math.log(Math.max(0.05, mean))) : 1;
  const sat = mode === 'indoor' ? 1.1 : mode === 'outdoor' ? 1.25 : 1.15;
  const s = colored.data;
  const data = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i += 4) {
    const r = 255 * Math.pow(s[i] / 255, exponent);
    const g = 255 * Math.pow(s[i + 1] / 255, exponent);
    const b = 255 * Math.pow(s[i + 2] / 255, exponent);
    const y = luma(r, g, b);
    data[i] = clamp255(y + (r - y) * sat);
    data[i + 1] = clamp255(y + (g - y) * sat);
    data[i + 2] = clamp255(y + (b - y) * sat);
    data[i + 3] = s[i + 3];
  }
  return blendWith(img, { data, width: img.width, height: img.height }, blend);
}

/**
 * `e_fill_light[:blend][:bias]`: lifts the shadows, leaving highlights: each
 * pixel gains (255 - v) x k x (1 - luma)², k = 0.6 x (1 + bias / 100), so dark
 * regions brighten most and white stays white.
 */
export function fillLight(img: Raster, blend: number, bias: number): Raster {
  const k = 0.6 * (1 + bias / 100);
  const s = img.data;
  const data = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i += 4) {
    const dark = 1 - luma(s[i], s[i + 1], s[i + 2]) / 255;
    const f = k * dark * dark;
    data[i] = clamp255(s[i] + (255 - s[i]) * f);
    data[i + 1] = clamp255(s[i + 1] + (255 - s[i + 1]) * f);
    data[i + 2] = clamp255(s[i + 2] + (255 - s[i + 2]) * f);
    data[i + 3] = s[i + 3];
  }
  return blendWith(img, { data, width: img.width, height: img.height }, blend);
}
