import { shrink, type Rgba } from './raster';

/**
 * The perceptual hash Cloudinary returns for `phash=true`: the DCT pHash.
 * The image is reduced to 32x32 grey levels, transformed with a 2-D DCT, and
 * the 8x8 lowest frequencies become 64 bits (1 where a coefficient is above
 * their median), written as 16 hex digits. Resizing, re-encoding and small
 * edits keep the low frequencies, so near-identical images differ in few bits.
 */
const N = 32;
const LOW = 8;

/** cos((2x+1)uπ / 2N) for the first LOW frequencies, computed once. */
const COS: Float64Array[] = Array.from({ length: LOW }, (_, u) =>
  Float64Array.from({ length: N }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N))),
);

/** Luma of each pixel, transparent areas seen over white (as on a page). */
function greys(img: Rgba): Float64Array {
  const g = new Float64Array(img.width * img.height);
  for (let i = 0; i < g.length; i++) {
    const a = img.data[i * 4 + 3] / 255;
    const over = (c: number) => c * a + 255 * (1 - a);
    g[i] = 0.299 * over(img.data[i * 4]) + 0.587 * over(img.data[i * 4 + 1]) + 0.114 * over(img.data[i * 4 + 2]);
  }
  return g;
}

export function phash(img: Rgba): string {
  const g = greys(shrink(img, N, N));
  // Only the low 8x8 block is needed: rows first, then columns.
  const rows = new Float64Array(N * LOW);
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += g[y * N + x] * COS[u][x];
      rows[y * LOW + u] = s;
    }
  }
  const coeffs = new Float64Array(LOW * LOW);
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * LOW + u] * COS[v][y];
      coeffs[v * LOW + u] = s;
    }
  }
  const sorted = [...coeffs].sort((a, b) => a - b);
  const median = (sorted[31] + sorted[32]) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let n = 0;
    for (let b = 0; b < 4; b++) n = (n << 1) | (coeffs[nibble * 4 + b] > median ? 1 : 0);
    hex += n.toString(16);
  }
  return hex;
}

/** How many of the 64 bits differ between two hashes. */
export function hammingDistance(a: string, b: string): number {
  if (!/^[0-9a-f]{16}$/.test(a) || !/^[0-9a-f]{16}$/.test(b)) throw new Error('pHash values are 16 hex digits');
  let d = 0;
  for (let i = 0; i < 16; i++) {
    let x = parseInt(a[i], 16) ^ parseInt(b[i], 16);
    while (x) {
      d += x & 1;
      x >>= 1;
    }
  }
  return d;
}
