import { concat } from '../bytes';
import type { AvifGrid } from './avif-grid';

/**
 * Tiles encoded one by one (each a single-image AVIF from libavif) joined
 * into one AVIF whose primary item is a `grid` (ISO/IEC 23008-12 6.6.2.3):
 * each tile's coded AV1 image becomes a hidden `av01` item the grid derives
 * from, row by row; the grid carries the output size, crops the right and
 * bottom tiles, and shares the tiles' colour (`colr`) and bit depth (`pixi`).
 */
export interface CodedTile {
  /** The AV1 image item's data (its OBUs). */
  data: Uint8Array;
  /** Its properties as whole boxes, by type (`av1C`, `pixi`, `colr`). */
  props: Map<string, Uint8Array>;
}

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const fourcc = (b: Uint8Array, o: number) => String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);

interface Box {
  type: string;
  /** The whole box, header included. */
  at: number;
  /** Its payload. */
  start: number;
  end: number;
}

function children(b: Uint8Array, start: number, end: number): Box[] {
  const out: Box[] = [];
  for (let o = start; o + 8 <= end;) {
    const size = u32(b, o);
    if (size < 8 || o + size > end) throw new Error('AVIF box out of bounds');
    out.push({ type: fourcc(b, o + 4), at: o, start: o + 8, end: o + size });
    o += size;
  }
  return out;
}

function only(boxes: Box[], type: string): Box {
  const found = boxes.filter((x) => x.type === type);
  if (found.length !== 1) throw new Error(`AVIF: expected one ${type} box`);
  return found[0];
}

/**
 * The one coded image of libavif's output for an opaque still image: its
 * data (iloc version 0 or 1, one item, one extent, 4-byte offsets and
 * lengths, as libavif writes them) and its properties. Anything else (an
 * alpha item, other layouts) is refused rather than guessed.
 */
export function readCodedTile(file: Uint8Array): CodedTile {
  const top = children(file, 0, file.length);
  const meta = only(top, 'meta');
  const inMeta = children(file, meta.start + 4, meta.end);
  const iloc = only(inMeta, 'iloc');
  const version = file[iloc.start];
  const sizes = u16(file, iloc.start + 4);
  if (version > 1 || sizes !== 0x4400) throw new Error('AVIF: unexpected iloc layout');
  let o = iloc.start + 6;
  if (u16(file, o) !== 1) throw new Error('AVIF: expected one item');
  o += 2 + 2 + (version === 1 ? 2 : 0) + 2; // item_ID, construction_method (v1), data_reference_index
  if (u16(file, o) !== 1) throw new Error('AVIF: expected one extent');
  const offset = u32(file, o + 2);
  const length = u32(file, o + 6);
  if (offset + length > file.length) throw new Error('AVIF: item data out of bounds');
  const iprp = only(inMeta, 'iprp');
  const ipco = only(children(file, iprp.start, iprp.end), 'ipco');
  const props = new Map<string, Uint8Array>();
  for (const p of children(file, ipco.start, ipco.end)) props.set(p.type, file.subarray(p.at, p.end));
  if (!props.has('av1C')) throw new Error('AVIF: no av1C');
  return { data: file.subarray(offset, offset + length), props };
}

/** Big-endian bytes and boxes, concatenated. */
type Part = Uint8Array | number[];
const be = (v: number, n: number) => Array.from({ length: n }, (_, i) => (v / 2 ** (8 * (n - 1 - i))) & 255);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const box = (type: string, ...parts: Part[]) => {
  const body = concat(parts);
  return concat([be(body.length + 8, 4), ascii(type), body]);
};
const fullBox = (type: string, version: number, flags: number, ...parts: Part[]) => box(type, [version, ...be(flags, 3)], ...parts);

/** The AVIF file of `tiles` (columns x rows, row by row) making a `width` x `height` image. */
export function writeAvifGrid(grid: AvifGrid, width: number, height: number, tiles: CodedTile[]): Uint8Array {
  if (tiles.length !== grid.columns * grid.rows) throw new Error('AVIF grid: wrong number of tiles');
  // Item IDs are 16-bit here (infe version 2, iloc and ipma version 0).
  if (tiles.length + 1 > 0xffff) throw new Error('AVIF grid: too many tiles');
  const first = tiles[0].props;
  const wide = width > 0xffff || height > 0xffff;
  const gridData = concat([[0, wide ? 1 : 0, grid.rows - 1, grid.columns - 1], be(width, wide ? 4 : 2), be(height, wide ? 4 : 2)]);
  // Properties (1-based): the grid's ispe, the tiles' ispe, then the tiles' own (av1C essential), shared as libavif wrote them for the first.
  const shared = ['pixi', 'av1C', 'colr'].filter((t) => first.has(t));
  const ipco = box(
    'ipco',
    fullBox('ispe', 0, 0, be(width, 4), be(height, 4)),
    fullBox('ispe', 0, 0, be(grid.tileWidth, 4), be(grid.tileHeight, 4)),
    ...shared.map((t) => first.get(t) ?? []),
  );
  const index = (t: string) => 3 + shared.indexOf(t);
  const colour = shared.filter((t) => t !== 'av1C').map(index);
  const tileProps = [2, ...shared.map((t) => (t === 'av1C' ? 0x80 | index(t) : index(t)))];
  const ids = tiles.map((_, i) => i + 2);
  const ipma = fullBox(
    'ipma',
    0,
    0,
    be(ids.length + 1, 4),
    [...be(1, 2), 1 + colour.length, 1, ...colour],
    ...ids.map((id) => [...be(id, 2), tileProps.length, ...tileProps]),
  );
  const iinf = fullBox(
    'iinf',
    0,
    0,
    be(ids.length + 1, 2),
    fullBox('infe', 2, 0, be(1, 2), be(0, 2), ascii('grid'), [0]),
    ...ids.map((id) => fullBox('infe', 2, 1, be(id, 2), be(0, 2), ascii('av01'), [0])),
  );
  const iref = fullBox('iref', 0, 0, box('dimg', be(1, 2), be(ids.length, 2), ...ids.map((id) => be(id, 2))));
  const meta = (mdatData: number) => {
    const extents: [number, number, number][] = [[1, mdatData, gridData.length]];
    let o = mdatData + gridData.length;
    tiles.forEach((t, i) => {
      extents.push([ids[i], o, t.data.length]);
      o += t.data.length;
    });
    const iloc = fullBox(
      'iloc',
      0,
      0,
      [0x44, 0x00],
      be(extents.length, 2),
      ...extents.map(([id, offset, length]) => [...be(id, 2), ...be(0, 2), ...be(1, 2), ...be(offset, 4), ...be(length, 4)]),
    );
    const hdlr = fullBox('hdlr', 0, 0, be(0, 4), ascii('pict'), be(0, 12), [0]);
    return fullBox('meta', 0, 0, hdlr, fullBox('pitm', 0, 0, be(1, 2)), iloc, iinf, iref, box('iprp', ipco, ipma));
  };
  const ftyp = box('ftyp', ascii('avif'), be(0, 4), ascii('avif'), ascii('mif1'), ascii('miaf'));
  const mdatData = ftyp.length + meta(0).length + 8;
  const mdatSize = 8 + gridData.length + tiles.reduce((n, t) => n + t.data.length, 0);
  if (mdatData + mdatSize > 0xffffffff) throw new Error('AVIF grid: too large');
  return concat([ftyp, meta(mdatData), be(mdatSize, 4), ascii('mdat'), gridData, ...tiles.map((t) => t.data)]);
}
