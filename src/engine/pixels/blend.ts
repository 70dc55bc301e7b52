import type { Raster } from '../raster';
import type { BlendMode } from '../types';

/**
 * Layer blend modes (`e_multiply`, `e_screen`, `e_overlay`, `e_mask`,
 * `e_cut_out` with `fl_layer_apply`): how the overlay at (x, y) combines with
 * the base. The colour modes blend each channel (0-1) and mix the result in by
 * the overlay's alpha; `mask` keeps the base only where the overlay is opaque
 * (and nothing outside it), `cut_out` removes the base where it is.
 */
type ChannelBlend = (base: number, layer: number) => number;

const CHANNEL: Record<'multiply' | 'screen' | 'overlay', ChannelBlend> = {
  multiply: (a, b) => a * b,
  screen: (a, b) => 1 - (1 - a) * (1 - b),
  overlay: (a, b) => (a < 0.5 ? 2 * a * b : 1 - 2 * (1 - a) * (1 - b)),
};

export function blendLayer(base: Raster, layer: Raster, x: number, y: number, mode: BlendMode): Raster {
  const out = { data: base.data.slice(), width: base.width, height: base.height };
  const d = out.data;
  const inside = (px: number, py: number) => px >= x && py >= y && px < x + layer.width && py < y + layer.height;
  const layerAlpha = (px: number, py: number) => (inside(px, py) ? layer.data[((py - y) * layer.width + (px - x)) * 4 + 3] / 255 : 0);
  if (mode === 'mask' || mode === 'cut_out') {
    for (let py = 0; py < out.height; py++) {
      for (let px = 0; px < out.width; px++) {
        const a = layerAlpha(px, py);
        const i = (py * out.width + px) * 4 + 3;
        d[i] = Math.round(d[i] * (mode === 'mask' ? a : 1 - a));
      }
    }
    return out;
  }
  const fn = CHANNEL[mode];
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(out.width, x + layer.width);
  const y1 = Math.min(out.height, y + layer.height);
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) {
      const s = ((py - y) * layer.width + (px - x)) * 4;
      const a = layer.data[s + 3] / 255;
      if (a === 0) continue;
      const i = (py * out.width + px) * 4;
      for (let c = 0; c < 3; c++) {
        const b = d[i + c] / 255;
        d[i + c] = Math.round((b + (fn(b, layer.data[s + c] / 255) - b) * a) * 255);
      }
    }
  }
  return out;
}
