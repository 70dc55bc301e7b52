import { riffChunks } from './webp/container';

/**
 * The ICC profile embedded in a PNG (`iCCP`: a name, a compression method and
 * the zlib-compressed profile) or a WebP (`ICCP` chunk, announced by VP8X's
 * flag), for the decoders that hand over pixels without looking at it. As
 * libvips does, a profile that cannot be read is ignored (the pixels are taken
 * as sRGB), never a failed request; `ignored` says why.
 */
export interface EmbeddedProfile {
  icc?: Uint8Array;
  ignored?: string;
}

/** Larger inflated profiles are ignored: real RGB profiles are a few KB (matrix-shaper) to a few hundred (tables). */
const MAX_ICC_BYTES = 4 * 1024 * 1024;

const VP8X_ICC = 0x20;
const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const tag = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

/** The body of a PNG's iCCP chunk (it must come before the image data), if any. */
function pngIccChunk(b: Uint8Array): Uint8Array | undefined {
  for (let o = 8; o + 8 <= b.length;) {
    const len = u32(b, o);
    const kind = tag(b, o + 4);
    if (kind === 'IDAT' || kind === 'IEND') return undefined;
    if (kind === 'iCCP') return b.subarray(o + 8, Math.min(b.length, o + 8 + len));
    o += 12 + len;
  }
  return undefined;
}

/** The payload of a WebP's ICCP chunk when VP8X announces one. */
function webpIccChunk(b: Uint8Array): Uint8Array | undefined {
  try {
    const chunks = riffChunks(b);
    const head = chunks[0]?.tag === 'VP8X' ? chunks[0].payload : undefined;
    if (!head || !(head[0] & VP8X_ICC)) return undefined;
    return chunks.find((c) => c.tag === 'ICCP')?.payload;
  } catch {
    return undefined; // the decoder reports a broken container itself
  }
}

/** Whether the source carries a profile at all (decided before anything is charged or inflated). */
export function hasEmbeddedProfile(input: Uint8Array, format: string): boolean {
  return format === 'png' ? pngIccChunk(input) !== undefined : format === 'webp' ? webpIccChunk(input) !== undefined : false;
}

/**
 * Reads the profile. A PNG's is inflated: `charge` is told of every inflated
 * part as it arrives (the stream's own chunks, a few KB each) and of the
 * joined copy before it is made, so at most twice MAX_ICC_BYTES; a WebP's is
 * a view of the input (nothing allocated).
 */
export async function readEmbeddedProfile(
  input: Uint8Array,
  format: string,
  charge: (bytes: number) => void = () => undefined,
): Promise<EmbeddedProfile> {
  if (format === 'webp') {
    const icc = webpIccChunk(input);
    if (icc && icc.length > MAX_ICC_BYTES) return { ignored: `ICCP: the profile is larger than ${MAX_ICC_BYTES} bytes` };
    return icc ? { icc } : {};
  }
  if (format !== 'png') return {};
  const body = pngIccChunk(input);
  if (!body) return {};
  const nul = body.indexOf(0);
  if (nul < 1 || nul > 79 || body[nul + 1] !== 0) return { ignored: 'iCCP: bad profile name or compression method' };
  return inflateBounded(body.subarray(nul + 2), charge);
}

/** zlib data inflated up to MAX_ICC_BYTES; beyond, or on a broken stream, the profile is ignored. */
async function inflateBounded(data: Uint8Array, charge: (bytes: number) => void): Promise<EmbeddedProfile> {
  const inflate = new DecompressionStream('deflate');
  const writer = inflate.writable.getWriter();
  const written = writer
    .write(data)
    .then(() => writer.close())
    .catch(() => undefined);
  const reader = inflate.readable.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > MAX_ICC_BYTES) return { ignored: `iCCP: the profile inflates beyond ${MAX_ICC_BYTES} bytes` };
      charge(value.length);
      parts.push(value);
    }
  } catch {
    return { ignored: 'iCCP: the compressed profile could not be inflated' };
  } finally {
    reader.cancel().catch(() => undefined);
    await written;
  }
  charge(total);
  const icc = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    icc.set(p, o);
    o += p.length;
  }
  return { icc };
}
