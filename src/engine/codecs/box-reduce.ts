import type { Raster } from '../raster';

/** The reduced size of a `shrink` box reduction (partial blocks at the right and bottom edges count). */
export const reducedSize = (width: number, height: number, shrink: number) => ({
  width: Math.ceil(width / shrink),
  height: Math.ceil(height / shrink),
});

/**
 * Adds RGBA rows into `shrink` x `shrink` block averages (alpha-weighted, so
 * transparent pixels lend no colour). Each block's share of a row is summed
 * in locals and added once; opaque pixels skip the weighting (their weight
 * 255 is applied once per block). The sums are integers: 32-bit while a
 * block's weighted sum cannot pass 2^32 (shrink up to 256), doubles beyond.
 */
export class BoxReducer {
  readonly out: Raster;
  private readonly sums: Uint32Array | Float64Array;
  private readonly counts: Uint32Array;
  private rowsIn = 0;

  constructor(
    private readonly width: number,
    height: number,
    private readonly shrink: number,
  ) {
    const size = reducedSize(width, height, shrink);
    this.out = { data: new Uint8Array(size.width * size.height * 4), width: size.width, height: size.height };
    this.sums = shrink * shrink * 255 * 255 < 2 ** 32 ? new Uint32Array(size.width * 4) : new Float64Array(size.width * 4);
    this.counts = new Uint32Array(size.width);
  }

  add(rgba: Uint8Array): void {
    const { sums, counts, shrink, width } = this;
    if (shrink === 1) {
      // Nothing to average: the row is the output row.
      this.out.data.set(rgba.subarray(0, width * 4), this.rowsIn++ * width * 4);
      return;
    }
    const blocks = this.out.width;
    for (let bx = 0, i = 0; bx < blocks; bx++) {
      const end = Math.min(width, (bx + 1) * shrink) * 4;
      const n = (end - i) >> 2;
      // Opaque pixels unweighted, the others weighted by their alpha.
      let r = 0,
        g = 0,
        b = 0,
        wr = 0,
        wg = 0,
        wb = 0,
        wa = 0,
        opaque = 0;
      for (; i < end; i += 4) {
        const a = rgba[i + 3];
        if (a === 255) {
          r += rgba[i];
          g += rgba[i + 1];
          b += rgba[i + 2];
          opaque++;
        } else {
          wr += rgba[i] * a;
          wg += rgba[i + 1] * a;
          wb += rgba[i + 2] * a;
          wa += a;
        }
      }
      const d = bx * 4;
      sums[d] += r * 255 + wr;
      sums[d + 1] += g * 255 + wg;
      sums[d + 2] += b * 255 + wb;
      sums[d + 3] += opaque * 255 + wa;
      counts[bx] += n;
    }
    if (++this.rowsIn % shrink === 0) this.flush();
  }

  /** Writes the pending block row (also a partial last one). */
  flush(): void {
    if (this.counts[0] === 0) return;
    const y = Math.ceil(this.rowsIn / this.shrink) - 1;
    const { sums, counts, out } = this;
    const data = out.data;
    for (let x = 0, o = y * out.width * 4; x < out.width; x++, o += 4) {
      const d = x * 4;
      const a = sums[d + 3];
      data[o + 3] = Math.round(a / counts[x]);
      if (a > 0) {
        data[o] = Math.round(sums[d] / a);
        data[o + 1] = Math.round(sums[d + 1] / a);
        data[o + 2] = Math.round(sums[d + 2] / a);
      } else data[o] = data[o + 1] = data[o + 2] = 0;
    }
    sums.fill(0);
    counts.fill(0);
  }
}
