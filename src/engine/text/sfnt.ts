import { badRequest } from '../../errors';

/**
 * What the layout needs from a TrueType/OpenType file, read with every offset
 * checked: the family name resvg selects it by, the vertical metrics, and
 * each character's advance. A file that does not hold these tables inside
 * its own bytes is refused (400) before resvg ever sees it.
 */
export interface FontMetrics {
  /** The family name in the font's `name` table (what SVG's font-family must say). */
  family: string;
  unitsPerEm: number;
  /** Above and below the baseline, and the extra gap between lines, in font units (descender is positive here). */
  ascender: number;
  descender: number;
  lineGap: number;
  /** The advance of `codePoint` in font units (the missing-glyph advance when the font lacks it). */
  advance(codePoint: number): number;
}

/** Tables bounded so a hostile directory or cmap cannot make the parser loop for long. */
const MAX_TABLES = 64;
const MAX_CMAP_SEGMENTS = 65536;
const MAX_NAME_RECORDS = 4096;

type Tables = Map<string, { offset: number; length: number }>;

const fail = (name: string, why: string) => badRequest(`Invalid font file ${name}: ${why}`);

function tableDirectory(view: DataView, name: string): Tables {
  if (view.byteLength < 12) throw fail(name, 'too short');
  const version = view.getUint32(0);
  // TrueType (1.0 or 'true') or CFF-flavoured OpenType ('OTTO').
  if (version !== 0x00010000 && version !== 0x74727565 && version !== 0x4f54544f) throw fail(name, 'not a TrueType or OpenType font');
  const count = view.getUint16(4);
  if (count === 0 || count > MAX_TABLES || 12 + count * 16 > view.byteLength) throw fail(name, 'bad table directory');
  const tables: Tables = new Map();
  for (let i = 0; i < count; i++) {
    const at = 12 + i * 16;
    const tag = String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
    const offset = view.getUint32(at + 8);
    const length = view.getUint32(at + 12);
    if (offset + length > view.byteLength) throw fail(name, `table ${tag.trim()} lies outside the file`);
    tables.set(tag, { offset, length });
  }
  return tables;
}

function table(tables: Tables, tag: string, min: number, name: string): { offset: number; length: number } {
  const t = tables.get(tag);
  if (!t || t.length < min) throw fail(name, `missing or short ${tag.trim()} table`);
  return t;
}

/** Character → glyph id, from the best Unicode subtable (format 12 for the full range, else format 4). */
function cmapLookup(view: DataView, cmap: { offset: number; length: number }, name: string): (cp: number) => number {
  const end = cmap.offset + cmap.length;
  const count = view.getUint16(cmap.offset + 2);
  if (cmap.offset + 4 + count * 8 > end) throw fail(name, 'bad cmap');
  let best: { format: number; at: number; rank: number } | undefined;
  for (let i = 0; i < count; i++) {
    const rec = cmap.offset + 4 + i * 8;
    const platform = view.getUint16(rec);
    const encoding = view.getUint16(rec + 2);
    const at = cmap.offset + view.getUint32(rec + 4);
    if (at + 4 > end) throw fail(name, 'bad cmap subtable offset');
    const format = view.getUint16(at);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode || (format !== 4 && format !== 12)) continue;
    const rank = format === 12 ? 2 : 1;
    if (!best || rank > best.rank) best = { format, at, rank };
  }
  if (!best) throw fail(name, 'no Unicode character map');
  return best.format === 12 ? format12(view, best.at, end, name) : format4(view, best.at, end, name);
}

function format12(view: DataView, at: number, end: number, name: string): (cp: number) => number {
  if (at + 16 > end) throw fail(name, 'bad cmap format 12');
  const groups = view.getUint32(at + 12);
  if (groups > MAX_CMAP_SEGMENTS || at + 16 + groups * 12 > end) throw fail(name, 'bad cmap format 12');
  return (cp) => {
    let lo = 0;
    let hi = groups - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const g = at + 16 + mid * 12;
      const start = view.getUint32(g);
      if (cp < start) hi = mid - 1;
      else if (cp > view.getUint32(g + 4)) lo = mid + 1;
      else return view.getUint32(g + 8) + (cp - start);
    }
    return 0;
  };
}

function format4(view: DataView, at: number, end: number, name: string): (cp: number) => number {
  if (at + 14 > end) throw fail(name, 'bad cmap format 4');
  const segments = view.getUint16(at + 6) >>> 1;
  const ends = at + 14;
  const starts = ends + segments * 2 + 2;
  const deltas = starts + segments * 2;
  const ranges = deltas + segments * 2;
  if (segments === 0 || ranges + segments * 2 > end) throw fail(name, 'bad cmap format 4');
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let i = 0; i < segments; i++) {
      if (cp > view.getUint16(ends + i * 2)) continue;
      const start = view.getUint16(starts + i * 2);
      if (cp < start) return 0;
      const delta = view.getUint16(deltas + i * 2);
      const rangeAt = ranges + i * 2;
      const range = view.getUint16(rangeAt);
      if (range === 0) return (cp + delta) & 0xffff;
      const glyphAt = rangeAt + range + (cp - start) * 2;
      if (glyphAt + 2 > end) return 0;
      const glyph = view.getUint16(glyphAt);
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}

/** The typographic family (name id 16) or else the family (1), from a Windows (UTF-16) or Mac (Roman) record. */
function familyName(view: DataView, t: { offset: number; length: number }, name: string): string {
  const end = t.offset + t.length;
  const count = Math.min(view.getUint16(t.offset + 2), MAX_NAME_RECORDS);
  const strings = t.offset + view.getUint16(t.offset + 4);
  if (t.offset + 6 + count * 12 > end) throw fail(name, 'bad name table');
  const found = new Map<number, string>();
  for (let i = 0; i < count; i++) {
    const rec = t.offset + 6 + i * 12;
    const platform = view.getUint16(rec);
    const id = view.getUint16(rec + 6);
    const length = view.getUint16(rec + 8);
    const at = strings + view.getUint16(rec + 10);
    if ((id !== 1 && id !== 16) || found.has(id) || at + length > end) continue;
    if (platform === 3 || platform === 0) {
      let s = '';
      for (let j = 0; j + 1 < length; j += 2) s += String.fromCharCode(view.getUint16(at + j));
      found.set(id, s);
    } else if (platform === 1) {
      let s = '';
      for (let j = 0; j < length; j++) s += String.fromCharCode(view.getUint8(at + j));
      found.set(id, s);
    }
  }
  const family = (found.get(16) ?? found.get(1) ?? '').trim();
  // The name goes into an SVG attribute and is matched by resvg's font database: plain names only.
  if (!/^[\w .-]{1,64}$/.test(family)) throw fail(name, 'no usable family name');
  return family;
}

/** Reads and checks a TrueType/OpenType font (`name` is how errors call it). */
export function readFont(bytes: Uint8Array, name: string): FontMetrics {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = tableDirectory(view, name);
  const head = table(tables, 'head', 54, name);
  const hhea = table(tables, 'hhea', 36, name);
  const maxp = table(tables, 'maxp', 6, name);
  const hmtx = table(tables, 'hmtx', 4, name);
  const cmap = table(tables, 'cmap', 4, name);
  const names = table(tables, 'name', 6, name);
  if (!(tables.has('glyf') && tables.has('loca')) && !tables.has('CFF ') && !tables.has('CFF2')) throw fail(name, 'no glyph outlines');
  const unitsPerEm = view.getUint16(head.offset + 18);
  if (unitsPerEm < 16 || unitsPerEm > 16384) throw fail(name, 'bad unitsPerEm');
  const ascender = view.getInt16(hhea.offset + 4);
  const descender = -view.getInt16(hhea.offset + 6);
  const lineGap = Math.max(0, view.getInt16(hhea.offset + 8));
  const metrics = view.getUint16(hhea.offset + 34);
  const glyphs = view.getUint16(maxp.offset + 4);
  if (metrics === 0 || metrics > glyphs || metrics * 4 > hmtx.length) throw fail(name, 'bad horizontal metrics');
  if (ascender <= 0 || ascender + descender <= 0 || ascender + descender > 4 * unitsPerEm) throw fail(name, 'bad vertical metrics');
  const glyphOf = cmapLookup(view, cmap, name);
  const family = familyName(view, names, name);
  const advances = new Map<number, number>();
  return {
    family,
    unitsPerEm,
    ascender,
    descender,
    lineGap,
    advance(cp) {
      let a = advances.get(cp);
      if (a === undefined) {
        const gid = glyphOf(cp);
        const index = gid < glyphs ? Math.min(gid, metrics - 1) : 0;
        a = view.getUint16(hmtx.offset + index * 4);
        advances.set(cp, a);
      }
      return a;
    },
  };
}
