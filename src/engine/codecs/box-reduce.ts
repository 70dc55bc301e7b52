import type { Raster } from '../raster';

/** The reduced size of a `shrink` box reduction (partial blocks at the right and bottom edges count). */
export const reducedSize = (width: number, height: number, shrink: number) => ({
  width: Math.ceil(width / shrink),
  height: Math.ceil(height / shrink),
});

/** Adds RGBA rows into `shrink` x `shrink` block averages (alpha-weighted, so transparent pixels lend no colour). */
export class BoxReducer {
  readonly out: Raster;
  private readonly sums: Float64Array;
  private readonly counts: Uint32Array;
  /** The reduced column of each source column. */
  private readonly column: Uint32Array;
  private rowsIn = 0;

  constructor(
    private readonly width: number,
    height: number,
    private readonly shrink: number,
  ) {
    const size = reducedSize(width, height, shrink);
    this.out = { data: new Uint8Array(size.width * size.height * 4), width: size.width, height: size.height };
    this.sums = new Float64Array(size.width * 4);
    this.counts = new Uint32Array(size.width);
    this.column = Uint32Array.from({ length: width }, (_, x) => Math.floor(x / shrink));
  }

  add(rgba: Uint8Array): void {
    if (this.shrink === 1) {
      // Nothing to average: the row is the output row.
      this.out.data.set(rgba.subarray(0, this.width * 4), this.rowsIn++ * this.width * 4);
      return;
    }
    const { sums, counts, shrink, column } = this;
    for (let x = 0, i = 0; x < this.width; x++, i += 4) {
      const d = column[x] * 4;
      const a = rgba[i + 3];
      sums[d] += rgba[i] * a;
      sums[d + 1] += rgba[i + 1] * a;
      sums[d + 2] += rgba[i + 2] * a;
      sums[d + 3] += a;
      counts[column[x]]++;
    }
    if (++this.rowsIn % shrink === 0) this.flush();
  }

  /** Writes the pending block row (also a partial last one). */
  flush(): void {
    if (this.counts[0] === 0) return;
    const y = Math.ceil(this.rowsIn / this.shrink) - 1;
    const { sums, counts, out } = this;
    for (let x = 0; x < out.width; x++) {
      const o = (y * out.width + x) * 4;
      const a = sums[x * 4 + 3];
      out.data[o + 3] = Math.round(a / counts[x]);
      for (let c = 0; c < 3; c++) out.data[o + c] = a > 0 ? Math.round(sums[x * 4 + c] / a) : 0;
    }
    sums.fill(0);
    counts.fill(0);
  }
}
