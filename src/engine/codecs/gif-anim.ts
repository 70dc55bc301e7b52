import { concat } from '../bytes';
import type { Raster } from '../raster';
import { lzw } from './gif';
import { quantize } from './quantize';

/**
 * An animated GIF written one frame at a time: each frame is the whole
 * screen with its own 256-colour table, drawn after the previous one is
 * cleared (disposal 2), so frames may be written in any order (e_boomerang
 * reuses them) and transparency never shows an older frame.
 */
export class GifAnimWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  /** `loop`: repetitions after the first play, 0 forever, undefined to play once. */
  constructor(
    readonly width: number,
    readonly height: number,
    loop: number | undefined,
  ) {
    const head: number[] = [...'GIF89a'].map((c) => c.charCodeAt(0));
    head.push(width & 0xff, width >> 8, height & 0xff, height >> 8, 0x00, 0, 0);
    if (loop !== undefined) {
      head.push(0x21, 0xff, 11, ...[...'NETSCAPE2.0'].map((c) => c.charCodeAt(0)), 3, 1, loop & 0xff, (loop >> 8) & 0xff, 0);
    }
    this.push(new Uint8Array(head));
  }

  /** One frame's bytes (graphic control extension, descriptor, local table, data): keep them to write the frame again. */
  static encodeFrame(img: Raster, delayMs: number): Uint8Array {
    const q = quantize(img);
    const bits = Math.max(1, Math.ceil(Math.log2(q.colors)));
    const tableSize = 1 << bits;
    const hundredths = Math.min(0xffff, Math.max(0, Math.round(delayMs / 10)));
    const head = [
      0x21,
      0xf9,
      4,
      (2 << 2) | (q.transparent >= 0 ? 1 : 0),
      hundredths & 0xff,
      hundredths >> 8,
      Math.max(0, q.transparent),
      0,
    ];
    head.push(0x2c, 0, 0, 0, 0, img.width & 0xff, img.width >> 8, img.height & 0xff, img.height >> 8, 0x80 | (bits - 1));
    const table = new Uint8Array(tableSize * 3);
    table.set(q.palette.subarray(0, Math.min(q.palette.length, table.length)));
    const minCode = Math.max(2, bits);
    const data = lzw(q.indices, minCode);
    const blocks = Math.ceil(data.length / 255);
    const out = new Uint8Array(head.length + table.length + 1 + data.length + blocks + 1);
    out.set(head);
    let o = head.length;
    out.set(table, o);
    o += table.length;
    out[o++] = minCode;
    for (let i = 0; i < data.length; i += 255) {
      const chunk = data.subarray(i, i + 255);
      out[o++] = chunk.length;
      out.set(chunk, o);
      o += chunk.length;
    }
    out[o] = 0;
    return out;
  }

  push(part: Uint8Array): void {
    this.parts.push(part);
    this.size += part.length;
  }

  finish(): Uint8Array {
    this.push(new Uint8Array([0x3b]));
    return concat(this.parts, this.size);
  }
}
