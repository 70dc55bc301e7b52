import { badRequest } from '../../errors';
import type { RequestBudget } from '../budget';
import { PDF_BYTE_OPS, PDF_PAGE_OPS, PDF_PAGE_OVERHEAD_BYTES } from '../costs';
import { jpegFrame, type JpegFrame } from './jpeg-frame';

interface Page {
  jpeg: Uint8Array;
  frame: JpegFrame;
}

const COLOUR_SPACES = { 1: '/DeviceGray', 3: '/DeviceRGB', 4: '/DeviceCMYK' } as const;

/** What the last finished PDF took (tests and the benchmark read it; nothing decides from it). */
export const pdfStats = { pages: 0, pixels: 0, bytes: 0, chargedBytes: 0 };

/**
 * A PDF 1.4 of JPEG pages, one image per page at 1 pixel = 1 point. Pages are
 * handed in one at a time; each JPEG is kept as it is (a `/DCTDecode` stream
 * needs no re-encoding) and charged to the request's lease while the PDF is
 * made. The catalog, the page tree and every page's dictionary come first in
 * the file, the images last, so the first bytes of the file say how many pages
 * it has and how large the first is (what an upload's sniffing reads).
 */
export class PdfWriter {
  private readonly pages: Page[] = [];
  private pixels = 0;
  private held = 0;

  constructor(
    private readonly budget: RequestBudget,
    /** The most pixels all pages may hold together (MAX_OUTPUT_PIXELS). */
    private readonly maxPixels: number,
  ) {}

  /** Adds a page showing the JPEG; refuses one that would take the pages past the pixel limit. */
  addPage(jpeg: Uint8Array): void {
    const frame = jpegFrame(jpeg);
    const pixels = this.pixels + frame.width * frame.height;
    if (pixels > this.maxPixels)
      throw badRequest(
        `PDF too large: ${this.pages.length + 1} pages of ${pixels} pixels in all, at most ${this.maxPixels} pixels (MAX_OUTPUT_PIXELS)`,
      );
    // The page's bytes were made by its own transformation; from here they live as long as the PDF does.
    const bytes = jpeg.length + PDF_PAGE_OVERHEAD_BYTES;
    this.budget.memory.charge(bytes, `PDF page ${this.pages.length + 1}`);
    this.budget.work.spend(jpeg.length, PDF_BYTE_OPS, `PDF page ${this.pages.length + 1}`);
    this.budget.work.spend(1, PDF_PAGE_OPS, `PDF page ${this.pages.length + 1}`);
    this.held += bytes;
    this.pixels = pixels;
    this.pages.push({ jpeg, frame });
  }

  /** The whole file: the pages let go as they are copied in. */
  finish(): Uint8Array {
    if (this.pages.length === 0) throw badRequest('A PDF needs at least one page');
    const parts = this.layout();
    const size = parts.reduce((n, p) => n + p.length, 0);
    this.budget.memory.charge(size, 'the PDF file');
    this.budget.work.spend(size, PDF_BYTE_OPS, 'the PDF file');
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    pdfStats.pages = this.pages.length;
    pdfStats.pixels = this.pixels;
    pdfStats.bytes = size;
    pdfStats.chargedBytes = this.held + size;
    this.pages.length = 0;
    this.budget.memory.credit(this.held);
    this.held = 0;
    return out;
  }

  /** The file as a list of byte strings (the JPEGs by reference), with the cross-reference table's offsets. */
  private layout(): Uint8Array[] {
    const n = this.pages.length;
    const pageObj = (i: number) => 3 + i;
    const contentObj = (i: number) => 3 + n + i;
    const imageObj = (i: number) => 3 + 2 * n + i;
    const count = 3 + 3 * n;
    const offsets = new Array<number>(count).fill(0);
    const parts: Uint8Array[] = [];
    let at = 0;
    const put = (p: Uint8Array) => {
      parts.push(p);
      at += p.length;
    };
    const text = (s: string) => put(ascii(s));
    const object = (num: number, body: string) => {
      offsets[num] = at;
      text(`${num} 0 obj\n${body}\nendobj\n`);
    };
    // The binary comment tells transfer tools the file is not text.
    put(Uint8Array.of(...ascii('%PDF-1.4\n%'), 0xe2, 0xe3, 0xcf, 0xd3, 0x0a));
    object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    object(2, `<< /Type /Pages /Kids [${this.pages.map((_, i) => `${pageObj(i)} 0 R`).join(' ')}] /Count ${n} >>`);
    this.pages.forEach(({ frame }, i) => {
      const resources = `<< /XObject << /Im0 ${imageObj(i)} 0 R >> /ProcSet [/PDF /ImageB /ImageC] >>`;
      object(
        pageObj(i),
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${frame.width} ${frame.height}] /Resources ${resources} /Contents ${contentObj(i)} 0 R >>`,
      );
    });
    this.pages.forEach(({ frame }, i) => {
      const draw = `q ${frame.width} 0 0 ${frame.height} 0 0 cm /Im0 Do Q`;
      object(contentObj(i), `<< /Length ${draw.length} >>\nstream\n${draw}\nendstream`);
    });
    this.pages.forEach(({ jpeg, frame }, i) => {
      offsets[imageObj(i)] = at;
      const decode = frame.components === 4 && frame.adobe ? ' /Decode [1 0 1 0 1 0 1 0]' : '';
      text(
        `${imageObj(i)} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${frame.width} /Height ${frame.height} ` +
          `/ColorSpace ${COLOUR_SPACES[frame.components]} /BitsPerComponent 8${decode} /Filter /DCTDecode /Length ${jpeg.length} >>\nstream\n`,
      );
      put(jpeg);
      text('\nendstream\nendobj\n');
    });
    const xref = at;
    // Every entry is exactly 20 bytes: ten digits of offset, five of generation, the kind, and a two-byte line end.
    const entries = offsets.map((off, num) => (num === 0 ? '0000000000 65535 f\r\n' : `${String(off).padStart(10, '0')} 00000 n\r\n`));
    text(`xref\n0 ${count}\n${entries.join('')}trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
    return parts;
  }
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
