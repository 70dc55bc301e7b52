/**
 * A HEIC/HEIF file's primary image, read from its container (ISO/IEC
 * 23008-12) without decoding a pixel: which coded HEVC images make it (one,
 * or the tiles of a `grid`), where their bytes are, their decoder
 * configuration (hvcC), the output size, the orientation its `irot`/`imir`
 * properties ask for, its colour matrix (`colr` nclx), and the size every
 * SPS in the file really codes, which is what the decoder allocates whatever
 * `ispe` claims. Bounds are checked on every read: a hostile box only ever
 * makes the file invalid.
 */
export interface HeifTile {
  /** The hvcC's parameter sets, each after a 4-byte big-endian length. */
  config: Uint8Array;
  /** The item's byte ranges (its NAL units, each after `lengthSize` bytes of length). */
  extents: { start: number; end: number }[];
  lengthSize: number;
}

export interface HeifImage {
  /** The output size before `irot`/`imir` (a grid's output_width/height, else the coded image's `ispe`). */
  width: number;
  height: number;
  columns: number;
  rows: number;
  /** The `ispe` of the tiles (of the image itself when it is not a grid). */
  tileWidth: number;
  tileHeight: number;
  /** columns x rows tiles, row by row. */
  tiles: HeifTile[];
  /** EXIF-style orientation 1-8 that `irot` and `imir` (in their association order) amount to. */
  orientation: number;
  /** nclx matrix_coefficients and full-range flag; undefined leaves them to the stream's VUI. */
  colour?: { matrix: number; fullRange: boolean };
  /** The largest picture any SPS of the hvcC boxes codes. */
  coded?: { width: number; height: number };
  /** The alpha plane, when the primary image has one this reader can decode beside its colour rows. */
  alpha?: HeifAlpha;
}

/**
 * An alpha plane: an `auxl` item (auxC `urn:mpeg:hevc:2015:auxid:1` or
 * `urn:mpeg:mpegB:cicp:systems:auxiliary:alpha`) of the primary image, one
 * monochrome coded image or a grid of them, whose luma is the alpha. Read
 * only when it is as large as the colour and either one picture or a grid
 * whose rows of tiles line up with the colour's (what the row decoder can
 * keep beside one colour strip).
 */
interface HeifAlpha extends Omit<Layout, 'size'> {
  /** A `prem` reference: the colour was multiplied by the alpha before coding. */
  premultiplied: boolean;
}

const u8 = (b: Uint8Array, o: number) => {
  if (o >= b.length) throw new RangeError('box ends early');
  return b[o];
};
const u16 = (b: Uint8Array, o: number) => (u8(b, o) << 8) | u8(b, o + 1);
const u32 = (b: Uint8Array, o: number) => ((u8(b, o) << 24) >>> 0) + (u8(b, o + 1) << 16) + (u8(b, o + 2) << 8) + u8(b, o + 3);
const fourcc = (b: Uint8Array, o: number) => String.fromCharCode(u8(b, o), u8(b, o + 1), u8(b, o + 2), u8(b, o + 3));

interface Box {
  type: string;
  start: number;
  end: number;
}

function boxes(b: Uint8Array, start: number, end: number): Box[] {
  const out: Box[] = [];
  for (let o = start; o + 8 <= end && out.length < 4096;) {
    let size = u32(b, o);
    let header = 8;
    if (size === 1) {
      size = u32(b, o + 8) * 2 ** 32 + u32(b, o + 12);
      header = 16;
    } else if (size === 0) size = end - o;
    if (size < header) break;
    out.push({ type: fourcc(b, o + 4), start: o + header, end: Math.min(end, o + size) });
    o += size;
  }
  return out;
}

const child = (b: Uint8Array, box: Box | undefined, type: string, skip = 0) =>
  box ? boxes(b, box.start + skip, box.end).find((c) => c.type === type) : undefined;

/** Reads big-endian unsigned integers of 0-8 bytes in sequence. */
class Reader {
  constructor(
    private readonly b: Uint8Array,
    public o: number,
  ) {}
  n(bytes: number): number {
    let v = 0;
    for (let i = 0; i < bytes; i++) v = v * 256 + u8(this.b, this.o++);
    return v;
  }
}

type Extents = { start: number; end: number }[];

/** Item id to its byte ranges, from `iloc` (construction method 0: the file, 1: `idat`). */
function locations(b: Uint8Array, iloc: Box, idat: Box | undefined): Map<number, Extents> {
  const out = new Map<number, Extents>();
  const version = u8(b, iloc.start);
  const r = new Reader(b, iloc.start + 4);
  const sizes = r.n(2);
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15;
  const indexSize = version === 1 || version === 2 ? sizes & 15 : 0;
  const count = r.n(version < 2 ? 2 : 4);
  for (let i = 0; i < count && r.o < iloc.end; i++) {
    const id = r.n(version < 2 ? 2 : 4);
    const method = version === 1 || version === 2 ? r.n(2) & 15 : 0;
    r.n(2); // data_reference_index
    const base = r.n(baseSize);
    const extents = r.n(2);
    const ranges: Extents = [];
    for (let e = 0; e < extents; e++) {
      r.n(indexSize);
      const offset = r.n(offsetSize);
      const length = r.n(lengthSize);
      const origin = method === 1 ? idat?.start : method === 0 ? 0 : undefined;
      if (origin === undefined) continue;
      const start = origin + base + offset;
      const limit = method === 1 && idat ? idat.end : b.length;
      // Data beyond the bytes at hand (a sniff reads only the head of the file) is the decoder's to refuse.
      ranges.push({ start, end: length ? start + length : Math.max(start, limit) });
    }
    out.set(id, ranges);
  }
  return out;
}

/** Item id to type, from `iinf`'s `infe` boxes (versions 2 and 3). */
function itemTypes(b: Uint8Array, iinf: Box): Map<number, string> {
  const out = new Map<number, string>();
  const skip = 4 + (u8(b, iinf.start) === 0 ? 2 : 4);
  for (const infe of boxes(b, iinf.start + skip, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const version = u8(b, infe.start);
    if (version < 2) continue;
    const id = version === 2 ? u16(b, infe.start + 4) : u32(b, infe.start + 4);
    const at = infe.start + 4 + (version === 2 ? 2 : 4) + 2;
    out.set(id, fourcc(b, at));
  }
  return out;
}

/** References of one type (`dimg`: a grid to its tiles, in order; `auxl`: an auxiliary image to its master): from item to items. */
function references(b: Uint8Array, iref: Box | undefined, type: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (!iref) return out;
  const wide = u8(b, iref.start) !== 0;
  for (const ref of boxes(b, iref.start + 4, iref.end)) {
    if (ref.type !== type) continue;
    const r = new Reader(b, ref.start);
    const from = r.n(wide ? 4 : 2);
    const count = r.n(2);
    const to: number[] = [];
    for (let i = 0; i < count; i++) to.push(r.n(wide ? 4 : 2));
    out.set(from, to);
  }
  return out;
}

/** Item id to its properties (boxes of `ipco`), in association order, from `ipma`. */
function associations(b: Uint8Array, iprp: Box | undefined): Map<number, Box[]> {
  const out = new Map<number, Box[]>();
  const ipco = child(b, iprp, 'ipco');
  if (!ipco || !iprp) return out;
  const props = boxes(b, ipco.start, ipco.end);
  for (const ipma of boxes(b, iprp.start, iprp.end).filter((x) => x.type === 'ipma')) {
    const version = u8(b, ipma.start);
    const wideIndex = (u8(b, ipma.start + 3) & 1) === 1;
    const r = new Reader(b, ipma.start + 4);
    const count = r.n(4);
    for (let i = 0; i < count && r.o < ipma.end; i++) {
      const id = r.n(version < 1 ? 2 : 4);
      const n = r.n(1);
      const list = out.get(id) ?? [];
      for (let j = 0; j < n; j++) {
        const index = wideIndex ? r.n(2) & 0x7fff : r.n(1) & 0x7f;
        if (index > 0 && index <= props.length) list.push(props[index - 1]);
      }
      out.set(id, list);
    }
  }
  return out;
}

/** The hvcC's parameter-set NAL units re-framed with 4-byte lengths, and the length size of the item's own NALs. */
function decoderConfig(b: Uint8Array, hvcC: Box): { config: Uint8Array; lengthSize: number; nals: Uint8Array[] } {
  const lengthSize = (u8(b, hvcC.start + 21) & 3) + 1;
  const arrays = u8(b, hvcC.start + 22);
  const nals: Uint8Array[] = [];
  let o = hvcC.start + 23;
  for (let i = 0; i < arrays; i++) {
    const count = u16(b, o + 1);
    o += 3;
    for (let j = 0; j < count; j++) {
      const len = u16(b, o);
      if (o + 2 + len > hvcC.end) throw new RangeError('hvcC ends early');
      nals.push(b.subarray(o + 2, o + 2 + len));
      o += 2 + len;
    }
  }
  return { config: frameNals(nals), lengthSize, nals };
}

/** NAL units, each after a 4-byte big-endian length (what the decoder module reads). */
export function frameNals(nals: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(nals.reduce((n, x) => n + 4 + x.length, 0));
  let o = 0;
  for (const nal of nals) {
    new DataView(out.buffer).setUint32(o, nal.length);
    out.set(nal, o + 4);
    o += 4 + nal.length;
  }
  return out;
}

/** HEVC's NAL unit type of an SPS. */
export const SPS_NAL = 33;
export const nalType = (nal: Uint8Array) => (nal[0] >> 1) & 0x3f;

/** Bits of an RBSP (emulation-prevention bytes removed), with Exp-Golomb reads. */
class Bits {
  private bit = 0;
  private readonly b: Uint8Array;
  constructor(nal: Uint8Array) {
    const out: number[] = [];
    let zeros = 0;
    for (const byte of nal.subarray(0, 512)) {
      if (zeros >= 2 && byte === 3) {
        zeros = 0;
        continue;
      }
      out.push(byte);
      zeros = byte === 0 ? zeros + 1 : 0;
    }
    this.b = Uint8Array.from(out);
  }
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bit >> 3;
      if (byte >= this.b.length) throw new RangeError('SPS ends early');
      v = v * 2 + ((this.b[byte] >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.read(1) === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return this.read(zeros) + 2 ** zeros - 1;
  }
}

/** pic_width/height_in_luma_samples of an SPS NAL unit (H.265 7.3.2.2): the picture libde265 allocates. */
export function spsSize(nal: Uint8Array): { width: number; height: number } {
  const r = new Bits(nal);
  r.read(16); // NAL unit header
  r.read(4); // sps_video_parameter_set_id
  const subLayers = r.read(3);
  r.read(1);
  r.read(96); // general profile, tier and level
  const profile: number[] = [];
  const level: number[] = [];
  for (let i = 0; i < subLayers; i++) {
    profile.push(r.read(1));
    level.push(r.read(1));
  }
  if (subLayers > 0) for (let i = subLayers; i < 8; i++) r.read(2);
  for (let i = 0; i < subLayers; i++) {
    if (profile[i]) r.read(88);
    if (level[i]) r.read(8);
  }
  r.ue(); // sps_seq_parameter_set_id
  if (r.ue() === 3) r.read(1); // chroma_format_idc, separate_colour_plane_flag
  return { width: r.ue(), height: r.ue() };
}

/** EXIF orientations as matrices taking stored coordinates to upright ones (x right, y down). */
const ORIENTATIONS: Record<number, readonly [number, number, number, number]> = {
  1: [1, 0, 0, 1],
  2: [-1, 0, 0, 1],
  3: [-1, 0, 0, -1],
  4: [1, 0, 0, -1],
  5: [0, 1, 1, 0],
  6: [0, -1, 1, 0],
  7: [0, -1, -1, 0],
  8: [0, 1, -1, 0],
};

/** `then` after `first`, as an EXIF orientation. */
function compose(first: number, then: number): number {
  const [a, b, c, d] = ORIENTATIONS[then];
  const [e, f, g, h] = ORIENTATIONS[first];
  const m = [a * e + b * g, a * f + b * h, c * e + d * g, c * f + d * h];
  return Number(Object.keys(ORIENTATIONS).find((k) => ORIENTATIONS[Number(k)].every((v, i) => v === m[i])) ?? 1);
}

/** irot's anticlockwise quarter turns, and imir's axis (0: vertical, a left-right flip; 1: horizontal), as EXIF orientations. */
const IROT = [1, 8, 3, 6];
const IMIR = [2, 4];

function orientationOf(b: Uint8Array, props: Box[]): number {
  let o = 1;
  for (const p of props) {
    if (p.type === 'irot') o = compose(o, IROT[u8(b, p.start) & 3]);
    else if (p.type === 'imir') o = compose(o, IMIR[u8(b, p.start) & 1]);
  }
  return o;
}

function ispeOf(b: Uint8Array, props: Box[]): { width: number; height: number } | undefined {
  const ispe = props.find((p) => p.type === 'ispe');
  return ispe && { width: u32(b, ispe.start + 4), height: u32(b, ispe.start + 8) };
}

function colourOf(b: Uint8Array, props: Box[]): HeifImage['colour'] {
  const colr = props.find((p) => p.type === 'colr' && fourcc(b, p.start) === 'nclx');
  return colr && { matrix: u16(b, colr.start + 8), fullRange: (u8(b, colr.start + 10) & 0x80) !== 0 };
}

/** The most tiles a grid may have (255 x 255 is what its byte-sized counts allow; real phones use 48-80). */
const MAX_TILES = 4096;

/** The auxC types that make an auxiliary image an alpha plane (HEVC's, and the codec-independent one). */
const ALPHA_URNS = new Set(['urn:mpeg:hevc:2015:auxid:1', 'urn:mpeg:mpegB:cicp:systems:auxiliary:alpha']);

/** The auxC box's type string (NUL-terminated after the full-box header). */
function auxTypeOf(b: Uint8Array, props: Box[]): string | undefined {
  const auxC = props.find((p) => p.type === 'auxC');
  if (!auxC) return undefined;
  let s = '';
  for (let o = auxC.start + 4; o < auxC.end && u8(b, o) !== 0 && s.length < 128; o++) s += String.fromCharCode(u8(b, o));
  return s;
}

interface Items {
  b: Uint8Array;
  meta: Box;
  types: Map<number, string>;
  where: Map<number, Extents>;
  props: Map<number, Box[]>;
  dimg: Map<number, number[]>;
}

/** One coded image item or a grid of them: its output size, tiling, tiles and the largest picture its SPSs code. */
interface Layout {
  size: { width: number; height: number };
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  tiles: HeifTile[];
  coded?: { width: number; height: number };
}

function layoutOf(items: Items, id: number): Layout | undefined {
  const { b, types, where, props } = items;
  let tileIds = [id];
  let grid: { rows: number; columns: number; width: number; height: number } | undefined;
  const kind = types.get(id);
  if (kind === 'grid') {
    const data = where.get(id)?.[0];
    if (!data) return undefined;
    const r = new Reader(b, data.start + 1);
    const wide = (r.n(1) & 1) === 1;
    grid = { rows: r.n(1) + 1, columns: r.n(1) + 1, width: r.n(wide ? 4 : 2), height: r.n(wide ? 4 : 2) };
    tileIds = items.dimg.get(id) ?? [];
    if (tileIds.length !== grid.rows * grid.columns || tileIds.length > MAX_TILES) return undefined;
  } else if (kind !== 'hvc1') return undefined;
  let coded: Layout['coded'];
  const tiles = tileIds.map((tile): HeifTile => {
    const hvcC = (props.get(tile) ?? []).find((p) => p.type === 'hvcC');
    const extents = where.get(tile);
    if (types.get(tile) !== 'hvc1' || !hvcC || !extents) throw new RangeError('tile is not an HEVC image');
    const cfg = decoderConfig(b, hvcC);
    for (const nal of cfg.nals) {
      if (nalType(nal) !== SPS_NAL) continue;
      const s = spsSize(nal);
      if (!coded || s.width * s.height > coded.width * coded.height) coded = s;
    }
    return { config: cfg.config, extents, lengthSize: cfg.lengthSize };
  });
  const tileSize = ispeOf(b, props.get(tileIds[0]) ?? []) ?? coded;
  const size = grid ?? ispeOf(b, props.get(id) ?? []) ?? tileSize;
  if (!size || !tileSize || !(size.width > 0 && size.height > 0 && tileSize.width > 0 && tileSize.height > 0)) return undefined;
  // The tiles must cover the output (a grid crops its right and bottom tiles, never pads them).
  const columns = grid?.columns ?? 1;
  const rows = grid?.rows ?? 1;
  if (columns * tileSize.width < size.width || rows * tileSize.height < size.height) return undefined;
  return { size, columns, rows, tileWidth: tileSize.width, tileHeight: tileSize.height, tiles, coded };
}

/**
 * The primary image's alpha plane, if it has one the row decoder can follow:
 * the same output size, and one picture or rows of tiles as high as the
 * colour's (a single colour column is decoded in bands from its one picture,
 * so a grid alpha there must be one column too).
 */
function alphaOf(items: Items, primary: number, colour: Layout): HeifAlpha | undefined {
  const auxl = references(items.b, child(items.b, items.meta, 'iref', 4), 'auxl');
  const id = [...auxl].find(
    ([from, to]) => to.includes(primary) && ALPHA_URNS.has(auxTypeOf(items.b, items.props.get(from) ?? []) ?? ''),
  )?.[0];
  if (id === undefined) return undefined;
  const a = layoutOf(items, id);
  if (!a || a.size.width !== colour.size.width || a.size.height !== colour.size.height) return undefined;
  const whole = a.columns === 1 && a.rows === 1;
  const aligned = a.rows === colour.rows && a.tileHeight === colour.tileHeight && (colour.columns > 1 || a.columns === 1);
  if (!whole && !aligned) return undefined;
  const prem = references(items.b, child(items.b, items.meta, 'iref', 4), 'prem').get(primary) ?? [];
  return {
    columns: a.columns,
    rows: a.rows,
    tileWidth: a.tileWidth,
    tileHeight: a.tileHeight,
    tiles: a.tiles,
    coded: a.coded,
    premultiplied: prem.includes(id),
  };
}

/** The primary image of a HEIF file, or undefined when the container is not one this reader understands. */
export function readHeif(b: Uint8Array): HeifImage | undefined {
  try {
    const meta = boxes(b, 0, b.length).find((x) => x.type === 'meta');
    const iinf = child(b, meta, 'iinf', 4);
    const iloc = child(b, meta, 'iloc', 4);
    const pitm = child(b, meta, 'pitm', 4);
    if (!meta || !iinf || !iloc || !pitm) return undefined;
    const primary = u8(b, pitm.start) === 0 ? u16(b, pitm.start + 4) : u32(b, pitm.start + 4);
    const items: Items = {
      b,
      meta,
      types: itemTypes(b, iinf),
      where: locations(b, iloc, child(b, meta, 'idat', 4)),
      props: associations(b, child(b, meta, 'iprp', 4)),
      dimg: references(b, child(b, meta, 'iref', 4), 'dimg'),
    };
    const colour = layoutOf(items, primary);
    if (!colour) return undefined;
    const primaryProps = items.props.get(primary) ?? [];
    const firstTile = items.dimg.get(primary)?.[0] ?? primary;
    const alpha = alphaOf(items, primary, colour);
    return {
      width: colour.size.width,
      height: colour.size.height,
      columns: colour.columns,
      rows: colour.rows,
      tileWidth: colour.tileWidth,
      tileHeight: colour.tileHeight,
      tiles: colour.tiles,
      orientation: orientationOf(b, primaryProps),
      colour: colourOf(b, primaryProps) ?? colourOf(b, items.props.get(firstTile) ?? []),
      coded: colour.coded,
      ...(alpha ? { alpha } : {}),
    };
  } catch {
    return undefined;
  }
}
