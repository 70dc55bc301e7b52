/**
 * What the strip pipeline needs to know of a WebP before choosing its row
 * decoder (../webp-strips.ts): a still lossy (VP8) image, and whether an
 * ALPH chunk gives it transparency. Never throws: a file it cannot read is
 * not a candidate, and the whole-frame path reports what is wrong with it.
 */
export interface StillLossyWebp {
  alpha: boolean;
}

const u32le = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const ascii = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

export function stillLossyWebp(b: Uint8Array): StillLossyWebp | undefined {
  let alpha = false;
  for (let o = 12; o + 8 <= b.length;) {
    const kind = ascii(b, o);
    const len = u32le(b, o + 4);
    if (kind === 'VP8 ') return { alpha };
    if (kind === 'ALPH') alpha = true;
    else if (kind === 'VP8L' || kind === 'ANIM' || kind === 'ANMF') return undefined;
    o += 8 + len + (len & 1);
  }
  return undefined;
}
