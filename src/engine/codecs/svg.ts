import { Resvg } from '@cf-wasm/resvg';
import type { Raster } from '../raster';

/** resvg (Rust, in WASM) rasterises SVG; scripts and external references are never executed or fetched. */
export async function renderSvg(bytes: Uint8Array, width: number): Promise<Raster> {
  const resvg = await Resvg.async(bytes, {
    fitTo: { mode: 'width', value: Math.max(1, Math.round(width)) },
    font: { loadSystemFonts: false },
  });
  const rendered = resvg.render();
  const raster = { data: rendered.pixels, width: rendered.width, height: rendered.height };
  rendered.free();
  resvg.free();
  return raster;
}
