/**
 * An AVIF's real size from its coded stream: the AV1 sequence header's
 * max_frame_width/height, which is what the decoder allocates, whatever the
 * container's `ispe` box claims. The sequence header is read from each
 * `av1C` box's configOBUs, and, when none carries one, from the start of
 * every item's data as `iloc` places it (in the file or in `idat`).
 * See the AV1 specification, 5.5 (sequence header OBU syntax).
 */
const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const type = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

interface Box {
  type: string;
  /** Payload start and end. */
  start: number;
  end: number;
}

function* boxes(b: Uint8Array, start: number, end: number): Generator<Box> {
  let o = start;
  while (o + 8 <= end) {
    let size = u32(b, o);
    let header = 8;
    if (size === 1 && o + 16 <= end) {
      size = u32(b, o + 8) * 2 ** 32 + u32(b, o + 12);
      header = 16;
    } else if (size === 0) size = end - o;
    if (size < header) return;
    yield { type: type(b, o + 4), start: o + header, end: Math.min(end, o + size) };
    o += size;
  }
}

/** Boxes whose payload holds child boxes (meta and iref have a version/flags word first). */
const CONTAINERS: Record<string, number> = { meta: 4, iprp: 0, ipco: 0 };

function find(b: Uint8Array, start: number, end: number, found: (box: Box) => void): void {
  for (const box of boxes(b, start, end)) {
    found(box);
    const skip = CONTAINERS[box.type];
    if (skip !== undefined) find(b, box.start + skip, box.end, found);
  }
}

class Bits {
  private bit = 0;
  constructor(
    private readonly b: Uint8Array,
    private o: number,
    private readonly end: number,
  ) {}
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      if (this.o >= this.end) throw new RangeError('sequence header ends early');
      v = v * 2 + ((this.b[this.o] >> (7 - this.bit)) & 1);
      if (++this.bit === 8) {
        this.bit = 0;
        this.o++;
      }
    }
    return v;
  }
  uvlc(): number {
    let zeros = 0;
    while (this.read(1) === 0 && zeros < 32) zeros++;
    return zeros >= 32 ? 2 ** 32 - 1 : this.read(zeros) + 2 ** zeros - 1;
  }
}

/** Reads OBUs from `start` until a sequence header is found; its max frame size, or undefined. */
function sequenceHeaderSize(b: Uint8Array, start: number, end: number): { width: number; height: number } | undefined {
  let o = start;
  for (let n = 0; n < 8 && o < end; n++) {
    const header = b[o];
    const obuType = (header >> 3) & 15;
    const hasExtension = (header >> 2) & 1;
    const hasSize = (header >> 1) & 1;
    let p = o + 1 + hasExtension;
    let size = end - p;
    if (hasSize) {
      size = 0;
      for (let i = 0; i < 8; i++) {
        const byte = b[p++];
        size += (byte & 0x7f) * 2 ** (7 * i);
        if (!(byte & 0x80)) break;
      }
    }
    if (obuType === 1) return parseSequenceHeader(new Bits(b, p, Math.min(end, p + size)));
    if (!hasSize) return undefined;
    o = p + size;
  }
  return undefined;
}

function parseSequenceHeader(r: Bits): { width: number; height: number } | undefined {
  try {
    r.read(3); // seq_profile
    r.read(1); // still_picture
    const reduced = r.read(1);
    if (reduced) r.read(5);
    else {
      const timing = r.read(1);
      let decoderModel = 0;
      let bufferDelayLength = 0;
      if (timing) {
        r.read(32);
        r.read(32);
        if (r.read(1)) r.uvlc();
        decoderModel = r.read(1);
        if (decoderModel) {
          bufferDelayLength = r.read(5) + 1;
          r.read(32);
          r.read(5);
          r.read(5);
        }
      }
      const displayDelay = r.read(1);
      const points = r.read(5) + 1;
      for (let i = 0; i < points; i++) {
        r.read(12);
        const level = r.read(5);
        if (level > 7) r.read(1);
        if (decoderModel && r.read(1)) {
          r.read(bufferDelayLength);
          r.read(bufferDelayLength);
          r.read(1);
        }
        if (displayDelay && r.read(1)) r.read(4);
      }
    }
    const wBits = r.read(4) + 1;
    const hBits = r.read(4) + 1;
    return { width: r.read(wBits) + 1, height: r.read(hBits) + 1 };
  } catch {
    return undefined;
  }
}

/** Where each item's data starts (first extent), from `iloc` (construction methods 0: file, 1: idat). */
function itemStarts(b: Uint8Array, iloc: Box, idat: Box | undefined): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const version = b[iloc.start];
  let o = iloc.start + 4;
  const sizes = u16(b, o);
  o += 2;
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15;
  const indexSize = version === 1 || version === 2 ? sizes & 15 : 0;
  const readN = (n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[o++];
    return v;
  };
  const count = version < 2 ? readN(2) : readN(4);
  for (let i = 0; i < count && o < iloc.end; i++) {
    readN(version < 2 ? 2 : 4); // item_ID
    const method = version === 1 || version === 2 ? readN(2) & 15 : 0;
    readN(2); // data_reference_index
    const base = readN(baseSize);
    const extents = readN(2);
    for (let e = 0; e < extents; e++) {
      readN(indexSize);
      const offset = readN(offsetSize);
      const length = readN(lengthSize);
      if (e > 0) continue;
      const origin = method === 1 ? (idat?.start ?? -1) : method === 0 ? 0 : -1;
      if (origin < 0) continue;
      const start = origin + base + offset;
      out.push({ start, end: Math.min(b.length, length ? start + length : b.length) });
    }
  }
  return out;
}

/** The largest frame size any AV1 sequence header of the file declares, or undefined when none is found. */
export function av1CodedSize(b: Uint8Array): { width: number; height: number } | undefined {
  let best: { width: number; height: number } | undefined;
  const take = (s: { width: number; height: number } | undefined) => {
    if (s && (!best || s.width * s.height > best.width * best.height)) best = s;
  };
  let iloc: Box | undefined;
  let idat: Box | undefined;
  find(b, 0, b.length, (box) => {
    if (box.type === 'av1C' && box.end - box.start > 4) take(sequenceHeaderSize(b, box.start + 4, box.end));
    if (box.type === 'iloc') iloc = box;
    if (box.type === 'idat') idat = box;
  });
  if (!best && iloc) {
    try {
      for (const item of itemStarts(b, iloc, idat)) if (item.start < b.length) take(sequenceHeaderSize(b, item.start, item.end));
    } catch {
      /* a malformed iloc leaves the size to the container's claim */
    }
  }
  return best;
}
