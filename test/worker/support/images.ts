import { photonDecode, photonFromRaster, photonEncodePng, photonToRaster } from '../../../src/engine/codecs/photon';
import type { Raster } from '../../../src/engine/raster';
import { sniffImage } from '../../../src/engine/sniff';

/** Synthetic test images and pixel reading, through the engine's own PNG codec. */
export function makeRaster(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number?]): Raster {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      data.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}

export function encodePng(r: Raster): Uint8Array {
  const p = photonFromRaster(r);
  try {
    return photonEncodePng(p);
  } finally {
    p.free();
  }
}

export function decode(bytes: Uint8Array): Raster {
  const p = photonDecode(bytes);
  try {
    return photonToRaster(p);
  } finally {
    p.free();
  }
}

export const pixel = (r: Raster, x: number, y: number) => Array.from(r.data.subarray((y * r.width + x) * 4, (y * r.width + x) * 4 + 4));

export function meanLuma(r: Raster): number {
  let s = 0;
  for (let i = 0; i < r.width * r.height; i++) s += 0.299 * r.data[i * 4] + 0.587 * r.data[i * 4 + 1] + 0.114 * r.data[i * 4 + 2];
  return s / (r.width * r.height);
}

/** Mean absolute difference per channel of two same-sized images. */
export function meanDiff(a: Raster, b: Raster): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  let s = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) s += Math.abs(a.data[i] - b.data[i]);
  return s / (a.width * a.height * 3);
}

export const dims = (bytes: Uint8Array) => {
  const s = sniffImage(bytes);
  return s ? `${s.width}x${s.height}` : 'unknown';
};

export const MAGIC: Record<string, (b: Uint8Array) => boolean> = {
  jpg: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  png: (b) => b[0] === 0x89 && String.fromCharCode(b[1], b[2], b[3]) === 'PNG',
  gif: (b) => String.fromCharCode(...b.subarray(0, 6)) === 'GIF89a',
  webp: (b) => String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP',
  avif: (b) => String.fromCharCode(...b.subarray(4, 12)) === 'ftypavif',
};

/** Number of image descriptors (frames) in a GIF, walking its blocks. */
export function gifFrames(b: Uint8Array): number {
  let o = 13 + (b[10] & 0x80 ? 3 * (1 << ((b[10] & 7) + 1)) : 0);
  let frames = 0;
  const skipSubBlocks = () => {
    while (b[o] !== 0) o += b[o] + 1;
    o++;
  };
  while (o < b.length && b[o] !== 0x3b) {
    if (b[o] === 0x21) {
      o += 2;
      skipSubBlocks();
    } else if (b[o] === 0x2c) {
      frames++;
      const packed = b[o + 9];
      o += 10 + (packed & 0x80 ? 3 * (1 << ((packed & 7) + 1)) : 0) + 1;
      skipSubBlocks();
    } else {
      throw new Error(`bad GIF block 0x${b[o].toString(16)} at ${o}`);
    }
  }
  return frames;
}
