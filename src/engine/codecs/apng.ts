import { badRequest } from '../../errors';
import { crc32 } from '../metadata';
import { concat } from '../bytes';

const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];

function pngChunk(tag: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  out.set(be32(data.length));
  for (let i = 0; i < 4; i++) out[4 + i] = tag.charCodeAt(i);
  out.set(data, 8);
  out.set(be32(crc32(out.subarray(4, 8 + data.length))), 8 + data.length);
  return out;
}

/** One frame, from a still PNG of the canvas' size: its header and its compressed image data (IDAT payloads joined). */
export interface ApngFrame {
  ihdr: Uint8Array;
  data: Uint8Array;
  delay: number;
}

export function apngFrame(png: Uint8Array, delayMs: number): ApngFrame {
  let ihdr: Uint8Array | undefined;
  const data: Uint8Array[] = [];
  for (let o = 8; o + 12 <= png.length;) {
    const len = u32be(png, o);
    const tag = String.fromCharCode(...png.subarray(o + 4, o + 8));
    if (len > png.length - o - 12) throw badRequest('Image could not be processed: truncated PNG frame');
    if (tag === 'IHDR') ihdr = png.subarray(o + 8, o + 8 + len);
    if (tag === 'IDAT') data.push(png.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  if (!ihdr || !data.length) throw badRequest('Image could not be processed: the PNG encoder wrote no image');
  return { ihdr, data: concat(data), delay: delayMs };
}

/**
 * An animated PNG (fl_apng): every frame covers the canvas and replaces it
 * (APNG_BLEND_OP_SOURCE), so frames may be written in any order. The first
 * frame is the default image (IDAT), the others fdAT with their sequence numbers.
 */
export class ApngWriter {
  private readonly frames: ApngFrame[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly loop: number | undefined,
  ) {}

  add(frame: ApngFrame): void {
    this.frames.push(frame);
  }

  finish(): Uint8Array {
    const parts: Uint8Array[] = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
    parts.push(pngChunk('IHDR', this.frames[0].ihdr));
    // APNG counts plays (0: forever); e_loop and GIF count repetitions.
    const plays = this.loop === undefined ? 1 : this.loop === 0 ? 0 : this.loop + 1;
    parts.push(pngChunk('acTL', new Uint8Array([...be32(this.frames.length), ...be32(plays)])));
    let seq = 0;
    this.frames.forEach((f, i) => {
      const delay = Math.min(0xffff, Math.max(0, Math.round(f.delay)));
      const fctl = [...be32(seq++), ...be32(this.width), ...be32(this.height), ...be32(0), ...be32(0), ...be16(delay), ...be16(1000), 0, 0];
      parts.push(pngChunk('fcTL', new Uint8Array(fctl)));
      if (i === 0) parts.push(pngChunk('IDAT', f.data));
      else {
        const fdat = new Uint8Array(4 + f.data.length);
        fdat.set(be32(seq++));
        fdat.set(f.data, 4);
        parts.push(pngChunk('fdAT', fdat));
      }
    });
    parts.push(pngChunk('IEND', new Uint8Array(0)));
    return concat(parts);
  }
}
