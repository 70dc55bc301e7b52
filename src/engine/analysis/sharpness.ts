import { shrinkToFit, type Rgba } from './raster';

/**
 * Cloudinary's `quality_analysis.focus`: 0 for a blurred, out-of-focus image,
 * 1 for a sharp one. Measured as the variance of the Laplacian of the luma
 * (a sharp image has strong second derivatives at its edges, a blurred one
 * has none), on the image fitted within 1024 px so the score does not depend
 * on the upload's resolution more than on its focus, and mapped onto 0..1 by
 * 1 - e^(-variance / 300): a variance of 100 (a common "blurry" threshold)
 * gives 0.28, 1000 gives 0.96.
 */
const ANALYSIS_SIZE = 1024;
const SCALE = 300;

export function focusScore(img: Rgba): number {
  const small = shrinkToFit(img, ANALYSIS_SIZE);
  const { width: w, height: h, data } = small;
  if (w < 3 || h < 3) return 0;
  const luma = new Float64Array(w * h);
  for (let i = 0; i < luma.length; i++) {
    const a = data[i * 4 + 3] / 255;
    // Transparent areas seen over white, as on a page.
    const over = (c: number) => c * a + 255 * (1 - a);
    luma[i] = 0.299 * over(data[i * 4]) + 0.587 * over(data[i * 4 + 1]) + 0.114 * over(data[i * 4 + 2]);
  }
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = luma[i - 1] + luma[i + 1] + luma[i - w] + luma[i + w] - 4 * luma[i];
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  const variance = Math.max(0, sumSq / n - mean * mean);
  return Math.round((1 - Math.exp(-variance / SCALE)) * 1e6) / 1e6;
}
