import type { Raster } from '../raster';

/**
 * `e_redeye`: there is no eye detector here, so red eyes are found by their
 * shape: compact, roughly round patches of strongly red pixels (red above
 * 1.5 times the larger of green and blue, and above 80) no larger than
 * MAX_SHARE of the image. Their red channel is replaced by the mean of green
 * and blue (the usual correction, which keeps the pupil's shading); larger or
 * elongated red areas (clothes, lips, objects) are left alone.
 */
const MAX_SHARE = 0.005;
/** A patch fills at least this share of its bounding box (a disc fills π/4 ≈ 0.79). */
const MIN_FILL = 0.5;

const isRed = (d: Uint8Array, i: number) => d[i] > 80 && d[i] > 1.5 * Math.max(d[i + 1], d[i + 2]) && d[i + 3] > 0;

export function redeye(img: Raster): Raster {
  const { width: w, height: h } = img;
  const data = img.data.slice();
  const seen = new Uint8Array(w * h);
  const maxArea = Math.max(4, Math.round(w * h * MAX_SHARE));
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || !isRed(data, start * 4)) continue;
    // Flood-fill one patch (4-connected), collecting its pixels.
    const patch: number[] = [];
    let [x0, y0, x1, y1] = [w, h, -1, -1];
    stack.push(start);
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      patch.push(p);
      const x = p % w;
      const y = (p - x) / w;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1]) {
        if (q >= 0 && !seen[q] && isRed(data, q * 4)) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    const round = bw <= 2 * bh && bh <= 2 * bw && patch.length >= MIN_FILL * bw * bh;
    if (patch.length > maxArea || !round) continue;
    for (const p of patch) data[p * 4] = Math.round((data[p * 4 + 1] + data[p * 4 + 2]) / 2);
  }
  return { data, width: w, height: h };
}
