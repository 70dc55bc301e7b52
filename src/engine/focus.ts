import type { Focus } from './geometry';
import type { Raster } from './raster';

/**
 * g_auto: the most detailed region. Edge energy (the luminance gradient) of a
 * small thumbnail is summed over every window position with a summed-area
 * table; the window with the most energy wins, ties going to the one nearest
 * the centre. Face detection is not available; g_face/g_faces use this too.
 */
export function findFocus(thumb: Raster, width: number, height: number): Focus {
  const { width: tw, height: th, data } = thumb;
  const lum = new Float32Array(tw * th);
  for (let i = 0; i < tw * th; i++) {
    const a = data[i * 4 + 3] / 255;
    lum[i] = (0.299 * data[i * 4] + 0.587 * data[i * 4 + 1] + 0.114 * data[i * 4 + 2]) * a;
  }
  // Summed-area table of edge energy, (tw+1) x (th+1).
  const sat = new Float64Array((tw + 1) * (th + 1));
  for (let y = 0; y < th; y++) {
    let row = 0;
    for (let x = 0; x < tw; x++) {
      const i = y * tw + x;
      const gx = x + 1 < tw ? Math.abs(lum[i + 1] - lum[i]) : 0;
      const gy = y + 1 < th ? Math.abs(lum[i + tw] - lum[i]) : 0;
      row += gx + gy;
      sat[(y + 1) * (tw + 1) + x + 1] = sat[y * (tw + 1) + x + 1] + row;
    }
  }
  const sum = (x: number, y: number, w: number, h: number) =>
    sat[(y + h) * (tw + 1) + x + w] - sat[y * (tw + 1) + x + w] - sat[(y + h) * (tw + 1) + x] + sat[y * (tw + 1) + x];

  const sx = tw / width;
  const sy = th / height;
  const total = sum(0, 0, tw, th);
  const best = (ww: number, wh: number) => {
    const w = Math.max(1, Math.min(tw, Math.round(ww * sx)));
    const h = Math.max(1, Math.min(th, Math.round(wh * sy)));
    let top = -Infinity;
    let bx = 0;
    let by = 0;
    const cx = (tw - w) / 2;
    const cy = (th - h) / 2;
    for (let y = 0; y <= th - h; y++) {
      for (let x = 0; x <= tw - w; x++) {
        // A tiny pull towards the centre settles ties (flat images stay centred).
        const score = sum(x, y, w, h) - 1e-6 * ((x - cx) ** 2 + (y - cy) ** 2);
        if (score > top) {
          top = score;
          bx = x;
          by = y;
        }
      }
    }
    return { x: (bx / tw) * width, y: (by / th) * height };
  };
  const share = (r: { x: number; y: number; width: number; height: number }) => {
    if (total <= 0) return 1;
    const x0 = Math.max(0, Math.min(tw, Math.round(r.x * sx)));
    const y0 = Math.max(0, Math.min(th, Math.round(r.y * sy)));
    const x1 = Math.max(x0, Math.min(tw, Math.round((r.x + r.width) * sx)));
    const y1 = Math.max(y0, Math.min(th, Math.round((r.y + r.height) * sy)));
    return sum(x0, y0, x1 - x0, y1 - y0) / total;
  };
  return { best, share };
}
