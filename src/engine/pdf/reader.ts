import { badRequest } from '../../errors';

/**
 * Reads the pages of a PDF whose pages are each one JPEG image (what `multi`
 * writes, ./writer.ts), through its cross-reference table: the page tree from
 * the catalog, each page's image XObject and its `/DCTDecode` stream. Other
 * PDFs (compressed object streams, vector pages) are refused with a 400: this
 * is no PDF renderer.
 */

const UNREADABLE = 'Cannot read this PDF: only PDFs whose pages are each one JPEG image (as multi writes them) can be transformed';

/** Latin-1 text of a byte range (PDF syntax is bytes; a code unit per byte keeps offsets as they are). */
function latin1(b: Uint8Array, from = 0, to = b.length): string {
  let s = '';
  for (let i = from; i < to; i += 8192) s += String.fromCharCode(...b.subarray(i, Math.min(i + 8192, to)));
  return s;
}

const REF = /(\d+)\s+(\d+)\s+R/;
/** 200,000 objects of 20 bytes: far beyond any PDF of at most 100 JPEG pages. */
const MAX_XREF_BYTES = 4 * 1024 * 1024;

class PdfFile {
  private readonly offsets = new Map<number, number>();
  readonly root: number;

  constructor(private readonly b: Uint8Array) {
    const tail = latin1(b, Math.max(0, b.length - 1024));
    const start = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
    if (!start) throw badRequest(UNREADABLE);
    const xrefAt = Number(start[1]);
    // The table and trailer only: a hostile startxref must not turn a whole large file into a string.
    if (b.length - xrefAt > MAX_XREF_BYTES) throw badRequest(UNREADABLE);
    const rest = latin1(b, xrefAt, b.length);
    if (!rest.startsWith('xref')) throw badRequest(UNREADABLE);
    const trailerAt = rest.indexOf('trailer');
    if (trailerAt < 0) throw badRequest(UNREADABLE);
    // Subsections: "first count" then count entries of 20 bytes.
    const lines = rest
      .slice(4, trailerAt)
      .trim()
      .split(/\r\n|\r|\n/);
    let num = 0;
    for (const line of lines) {
      const head = /^(\d+)\s+(\d+)\s*$/.exec(line);
      if (head) {
        num = Number(head[1]);
        continue;
      }
      const entry = /^(\d{10})\s+(\d{5})\s+([nf])/.exec(line);
      if (!entry) throw badRequest(UNREADABLE);
      if (entry[3] === 'n') this.offsets.set(num, Number(entry[1]));
      num++;
    }
    const root = REF.exec(/\/Root\s+(\d+\s+\d+\s+R)/.exec(rest.slice(trailerAt))?.[1] ?? '');
    if (!root) throw badRequest(UNREADABLE);
    this.root = Number(root[1]);
  }

  /** An object's dictionary text (up to its stream or its end), and where its stream's bytes start. */
  object(num: number): { dict: string; streamAt?: number } {
    const at = this.offsets.get(num);
    if (at === undefined || at >= this.b.length) throw badRequest(UNREADABLE);
    const text = latin1(this.b, at, Math.min(this.b.length, at + 4096));
    if (!new RegExp(`^${num}\\s+\\d+\\s+obj`).test(text)) throw badRequest(UNREADABLE);
    const stream = /\bstream(\r\n|\n)/.exec(text);
    const end = text.indexOf('endobj');
    if (stream && (end < 0 || stream.index < end))
      return { dict: text.slice(0, stream.index), streamAt: at + stream.index + stream[0].length };
    if (end < 0) throw badRequest(UNREADABLE);
    return { dict: text.slice(0, end) };
  }

  /** A direct or indirect value's text: `n 0 R` is followed to its object. */
  resolve(value: string): string {
    const ref = REF.exec(value);
    return ref && value.trim().startsWith(ref[0]) ? this.object(Number(ref[1])).dict.replace(/^\d+\s+\d+\s+obj/, '') : value;
  }

  /** The page objects in order, walking the page tree from the catalog. */
  pages(): number[] {
    const pagesRef = /\/Pages\s+(\d+)\s+\d+\s+R/.exec(this.object(this.root).dict);
    if (!pagesRef) throw badRequest(UNREADABLE);
    const out: number[] = [];
    // Each node once: a tree whose kids point back up (or twice at one node) is refused, not walked forever.
    const seen = new Set<number>();
    const walk = (num: number, depth: number) => {
      if (depth > 32 || seen.has(num)) throw badRequest(UNREADABLE);
      seen.add(num);
      const dict = this.object(num).dict;
      if (/\/Type\s*\/Pages\b/.test(dict)) {
        const kids = /\/Kids\s*\[([^\]]*)\]/.exec(dict);
        if (!kids) throw badRequest(UNREADABLE);
        for (const kid of kids[1].matchAll(/(\d+)\s+\d+\s+R/g)) walk(Number(kid[1]), depth + 1);
      } else if (/\/Type\s*\/Page\b/.test(dict)) out.push(num);
      else throw badRequest(UNREADABLE);
    };
    walk(Number(pagesRef[1]), 0);
    return out;
  }

  /** The JPEG bytes of a page's one image. */
  pageJpeg(num: number): Uint8Array {
    const resources = this.resolve(/\/Resources\s*(\d+\s+\d+\s+R|<<(?:[^<>]|<<[^<>]*>>)*>>)/.exec(this.object(num).dict)?.[1] ?? '');
    const xobjects = this.resolve(/\/XObject\s*(\d+\s+\d+\s+R|<<[^<>]*>>)/.exec(resources)?.[1] ?? '');
    const images = [...xobjects.matchAll(/\/[^\s/<>[\]]+\s+(\d+)\s+\d+\s+R/g)].map((m) => Number(m[1]));
    if (images.length !== 1) throw badRequest(UNREADABLE);
    const { dict, streamAt } = this.object(images[0]);
    if (streamAt === undefined || !/\/Subtype\s*\/Image\b/.test(dict) || !/\/Filter\s*(\[\s*)?\/DCTDecode\s*\]?\s*[/>]/.test(dict))
      throw badRequest(UNREADABLE);
    const lengthValue = /\/Length\s+(\d+\s+\d+\s+R|\d+)/.exec(dict)?.[1] ?? '';
    const length = Number(/^\s*(\d+)/.exec(this.resolve(lengthValue))?.[1] ?? NaN);
    if (!Number.isInteger(length) || length <= 0 || streamAt + length > this.b.length) throw badRequest(UNREADABLE);
    return this.b.subarray(streamAt, streamAt + length);
  }
}

export const isPdf = (b: Uint8Array) => b.length >= 5 && latin1(b, 0, 5) === '%PDF-';

/** How many pages a PDF has (from its page tree). */
export const pdfPageCount = (b: Uint8Array): number => new PdfFile(b).pages().length;

/** Page `page` (1-based) of a PDF of JPEG pages, as the JPEG's bytes; a page beyond the last is a 400. */
export function pdfPageJpeg(b: Uint8Array, page: number): Uint8Array {
  if (!isPdf(b)) throw badRequest(UNREADABLE);
  const file = new PdfFile(b);
  const pages = file.pages();
  if (page < 1 || page > pages.length)
    throw badRequest(`Invalid page in transformation: ${page} (the PDF has ${pages.length} page${pages.length === 1 ? '' : 's'})`);
  return file.pageJpeg(pages[page - 1]);
}

/**
 * A PDF's page count and first page's size from its first bytes alone (an
 * upload sniffs only its head): page dictionaries and the first `/MediaBox`.
 * Undefined when the head names no page size (compressed object streams):
 * such a file is not taken for an image.
 */
export function pdfHeadFacts(head: Uint8Array): { width: number; height: number; pages: number } | undefined {
  if (!isPdf(head)) return undefined;
  const text = latin1(head, 0, Math.min(head.length, 256 * 1024));
  const box = /\/MediaBox\s*\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*\]/.exec(text);
  if (!box) return undefined;
  const [x0, y0, x1, y1] = box.slice(1).map(Number);
  const width = Math.round(Math.abs(x1 - x0));
  const height = Math.round(Math.abs(y1 - y0));
  if (!(width > 0 && height > 0)) return undefined;
  const pages = [...text.matchAll(/\/Type\s*\/Page(?![A-Za-z])/g)].length;
  return { width, height, pages: Math.max(1, pages) };
}
